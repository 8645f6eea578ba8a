// A LogsService over a MemoryStore and a ManualClock, called through a Router as the API layer
// would call it.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "logs/logs_service.h"
#include "logs/memory_store.h"

namespace wharf::logs::testing {

inline constexpr int64_t kStartMs = 1'700'000'000'000;

class LogsTest : public ::testing::Test {
 protected:
  LogsTest() : clock_(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStartMs))) { reopen(); }

  // Drops the service and loads a new one from the same store, as a server restart does.
  void reopen() {
    service_.reset();
    router_ = api::Router{};
    auto s = LogsService::open(store_, clock_, LogsConfig{"123456789012", "us-east-1"});
    ASSERT_TRUE(s.has_value()) << s.error().message;
    service_ = std::move(*s);
    service_->registerHandlers(router_);
  }

  Result<boost::json::value> call(const std::string& op, boost::json::object input = {}) {
    const api::Handler* h = router_.find("Logs_20140328." + op);
    if (h == nullptr) return fail(ErrorCode::kInvalidArgument, "UnknownOperationException", op);
    api::RequestContext ctx{"req-1", "AKID", "123456789012", "us-east-1", "Logs_20140328", op};
    return (*h)(ctx, input);
  }

  // Calls an operation that must succeed and returns its output object.
  boost::json::object ok(const std::string& op, boost::json::object input = {}) {
    auto r = call(op, std::move(input));
    EXPECT_TRUE(r.has_value()) << op << ": " << (r ? "" : r.error().type + ": " + r.error().message);
    return r ? r->as_object() : boost::json::object{};
  }

  // The AWS error name an operation that must fail returns.
  std::string errorOf(const std::string& op, boost::json::object input = {}) {
    auto r = call(op, std::move(input));
    EXPECT_FALSE(r.has_value()) << op << " unexpectedly succeeded: " << (r ? boost::json::serialize(*r) : "");
    return r ? "" : r.error().type;
  }

  void put(const std::string& group, const std::string& stream, std::vector<std::pair<int64_t, std::string>> events) {
    boost::json::array list;
    for (auto& [ts, msg] : events) list.push_back(boost::json::object{{"timestamp", ts}, {"message", msg}});
    ok("PutLogEvents", {{"logGroupName", group}, {"logStreamName", stream}, {"logEvents", list}});
  }

  static std::vector<std::string> messages(const boost::json::object& out) {
    std::vector<std::string> v;
    for (const auto& e : out.at("events").as_array()) v.emplace_back(e.at("message").as_string());
    return v;
  }

  MemoryStore store_;
  ManualClock clock_;
  api::Router router_;
  std::unique_ptr<LogsService> service_;
};

}  // namespace wharf::logs::testing
