// Shared fixture of the engine tests: a real SQLite store in a temporary directory, a ManualClock,
// sequential ids and a fake integration that records its calls.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "sfn/asl/definition.h"
#include "sfn/engine/execution_engine.h"
#include "store/store.h"

namespace wharf::sfn::testing {

// Serves arn:aws:states:::fake:*; the test completes its tasks through the sink.
class FakeIntegration final : public Integration {
 public:
  bool handles(const std::string& resource) const override { return resource.starts_with("arn:aws:states:::fake:"); }
  void start(const TaskContext& context, const asl::TaskRequest& request, TaskOutcomeSink& sink) override {
    std::lock_guard lock(mu);
    sink_ = &sink;
    ++startCalls[request.taskId];
    // Idempotent: a repeated start resumes following the work instead of doing it again.
    if (work.insert({context.executionArn, request.taskId}).second) ++workDone;
    lastTask = {context.executionArn, request.taskId};
  }
  void cancel(const TaskContext&, const std::string& taskId) override {
    std::lock_guard lock(mu);
    cancelled.insert(taskId);
  }
  void succeed(const std::string& output) {
    asl::StepInput in;
    in.kind = asl::StepInput::Kind::kTaskSucceeded;
    in.output = boost::json::parse(output);
    std::pair<std::string, std::string> task;
    TaskOutcomeSink* sink;
    {
      std::lock_guard lock(mu);
      task = lastTask;
      sink = sink_;
    }
    in.id = task.second;
    sink->report(task.first, in);
  }

  std::mutex mu;
  std::map<std::string, int> startCalls;
  std::set<std::pair<std::string, std::string>> work;
  int workDone = 0;
  std::set<std::string> cancelled;
  std::pair<std::string, std::string> lastTask;

 private:
  TaskOutcomeSink* sink_ = nullptr;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : clock_(std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))) {
    dir_ = std::filesystem::temp_directory_path() / ("sfn-engine-" + makeRandomIdGenerator()->hex(8));
    std::filesystem::create_directories(dir_);
    store_ = *openSqliteStore((dir_ / "wharf.db").string());
    reopen();
  }
  ~EngineTest() override {
    engine_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void reopen() {
    engine_.reset();
    integration_ = std::make_unique<FakeIntegration>();
    EngineConfig config{.accountId = "123456789012",
                        .region = "us-east-1",
                        .workers = 2,
                        .timerThread = false,
                        .activityPollTimeout = std::chrono::milliseconds(60'000)};
    auto e = ExecutionEngine::open(*store_, clock_, *ids_, config, {integration_.get()}, nullptr);
    ASSERT_TRUE(e) << e.error().message;
    engine_ = std::move(*e);
  }

  // Starts `definition` with `input` and waits until the start is durable.
  Result<ExecutionRecord> start(const std::string& definition, const std::string& input = "{}",
                                const std::string& name = "run") {
    auto def = asl::parseDefinition(definition);
    EXPECT_TRUE(def) << def.error().message;
    ExecutionRecord r;
    r.executionArn = "arn:aws:states:us-east-1:123456789012:execution:sm:" + name;
    r.stateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm";
    r.stateMachineName = "sm";
    r.name = name;
    r.definition = std::make_shared<const std::string>(definition);
    r.input = input;
    std::promise<Result<ExecutionRecord>> started;
    engine_->start(r, *def, [&](Result<ExecutionRecord> res) { started.set_value(std::move(res)); });
    auto out = started.get_future().get();
    engine_->drain();
    return out;
  }

  ExecutionRecord describe(const std::string& name = "run") {
    engine_->drain();
    return *engine_->describe("arn:aws:states:us-east-1:123456789012:execution:sm:" + name);
  }

  std::vector<std::string> eventTypes(const std::string& name = "run") {
    auto events = engine_->history("arn:aws:states:us-east-1:123456789012:execution:sm:" + name, 1, 0);
    std::vector<std::string> types;
    for (size_t i = 0; i < events->size(); ++i) {
      EXPECT_EQ((*events)[i].at("id").as_int64(), static_cast<int64_t>(i + 1));
      types.emplace_back((*events)[i].at("type").as_string());
    }
    return types;
  }

  void advance(std::chrono::seconds s) {
    clock_.advance(s);
    engine_->runDueTimers();
    engine_->drain();
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<IdGenerator> ids_ = makeSequentialIdGenerator(7);
  std::unique_ptr<Store> store_;
  std::unique_ptr<FakeIntegration> integration_;
  std::unique_ptr<ExecutionEngine> engine_;
};

}  // namespace wharf::sfn::testing
