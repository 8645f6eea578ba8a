// Test doubles for the ECS tests: an in-memory Store and an Agent that records calls and lets the
// test emit TaskEvents, plus a harness that calls handlers through the Router.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "agent/agent.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/ids.h"
#include "ecs/ecs_service.h"
#include "store/store.h"

namespace wharf::ecs::testing {

namespace json = boost::json;

class FakeStore final : public Store {
 public:
  Result<void> commit(WriteBatch batch) override {
    std::lock_guard lock(mu_);
    if (failNext) {
      failNext = false;
      return fail(ErrorCode::kUnavailable, "", "disk full");
    }
    for (const auto& m : batch.mutations()) {
      if (m.value) {
        data_[m.collection][m.key] = *m.value;
      } else {
        data_[m.collection].erase(m.key);
      }
    }
    ++commits;
    return {};
  }
  void commitAsync(WriteBatch batch, std::function<void(Result<void>)> done) override {
    done(commit(std::move(batch)));
  }
  Result<std::optional<std::string>> get(std::string_view collection, std::string_view key) override {
    std::lock_guard lock(mu_);
    auto& c = data_[std::string(collection)];
    auto it = c.find(std::string(key));
    if (it == c.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<void> scan(std::string_view collection, std::string_view from, size_t limit,
                    const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::lock_guard lock(mu_);
    size_t n = 0;
    auto& c = data_[std::string(collection)];
    for (auto it = c.lower_bound(std::string(from)); it != c.end(); ++it) {
      if ((limit && n++ >= limit) || !fn(it->first, it->second)) break;
    }
    return {};
  }
  size_t size(const std::string& collection) {
    std::lock_guard lock(mu_);
    return data_[collection].size();
  }
  json::object record(const std::string& collection, const std::string& key) {
    std::lock_guard lock(mu_);
    return json::parse(data_[collection].at(key)).as_object();
  }

  bool failNext = false;
  int commits = 0;

 private:
  std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> data_;
};

class FakeAgent final : public agent::Agent {
 public:
  void setEventSink(agent::TaskEventSink sink) override { sink_ = std::move(sink); }
  Result<void> launch(const agent::TaskSpec& spec) override {
    launched.push_back(spec);
    return {};
  }
  Result<void> stop(const std::string& taskId) override {
    std::lock_guard lock(mu_);
    stopped.push_back(taskId);
    return {};
  }
  Result<void> stopContainer(const std::string& taskId, const std::string& container) override {
    std::lock_guard lock(mu_);
    stopped.push_back(taskId + "/" + container);
    return {};
  }
  Result<void> recover(const agent::TaskSpec& spec) override {
    recovered.push_back(spec);
    return {};
  }
  Result<void> cleanup(const std::string& taskId) override {
    std::lock_guard lock(mu_);  // the lifecycle acts from the threads that deliver events
    cleaned.push_back(taskId);
    return {};
  }
  agent::NodeResources resources() const override { return nodeResources; }

  void emit(agent::TaskEvent e) { sink_(e); }

  agent::NodeResources nodeResources{4096, 8192};
  std::vector<agent::TaskSpec> launched, recovered;
  std::vector<std::string> stopped, cleaned;

 private:
  std::mutex mu_;
  agent::TaskEventSink sink_;
};

// One ECS service over a fake store and agent, called through the router.
class EcsHarness : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    service_.reset();
    router_ = api::Router();
    auto opened = EcsService::open(store_, agent_, clock_, *ids_, EcsConfig{"123456789012", "eu-west-1"});
    ASSERT_TRUE(opened) << opened.error().message;
    service_ = std::move(*opened);
    service_->registerHandlers(router_);
  }

  Result<json::value> call(std::string_view operation, json::object input) {
    const api::Handler* handler = router_.find("AmazonEC2ContainerServiceV20141113." + std::string(operation));
    if (!handler) return fail(ErrorCode::kInternal, "UnknownOperation", std::string(operation));
    api::RequestContext ctx;
    ctx.operation = std::string(operation);
    return (*handler)(ctx, input);
  }

  // Calls an operation that must succeed and returns its output object.
  json::object ok(std::string_view operation, std::string_view input) {
    auto out = call(operation, json::parse(input).as_object());
    EXPECT_TRUE(out) << operation << ": " << (out ? "" : out.error().type + ": " + out.error().message);
    return out ? out->as_object() : json::object();
  }

  // Calls an operation that must fail and returns its error.
  Error err(std::string_view operation, std::string_view input) {
    auto out = call(operation, json::parse(input).as_object());
    EXPECT_FALSE(out) << operation << " unexpectedly succeeded: " << (out ? json::serialize(*out) : "");
    return out ? Error{} : out.error();
  }

  static std::string str(const json::value& v) { return std::string(v.as_string()); }
  static std::string idOf(const json::value& task) {
    std::string arn = str(task.at("taskArn"));
    return arn.substr(arn.rfind('/') + 1);
  }

  agent::TaskEvent event(agent::TaskEvent::Kind kind, const std::string& taskId, const std::string& container = "") {
    agent::TaskEvent e;
    e.kind = kind;
    e.taskId = taskId;
    e.container = container;
    e.at = clock_.now();
    return e;
  }

  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<IdGenerator> ids_ = makeSequentialIdGenerator(7);
  FakeStore store_;
  FakeAgent agent_;
  api::Router router_;
  std::unique_ptr<EcsService> service_;
};

}  // namespace wharf::ecs::testing
