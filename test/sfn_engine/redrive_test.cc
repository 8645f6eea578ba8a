// RedriveExecution in the engine: eligibility, the durable record, client-token idempotency and
// recovery of a redriven execution from its journal.
#include "sfn/engine/execution_engine.h"
#include "sfn_engine/engine_fixture.h"

namespace wharf::sfn::testing {
namespace {

constexpr const char* kArn = "arn:aws:states:us-east-1:123456789012:execution:sm:run";

// A Pass, then a Map whose iterations each run a fake task, one after the other.
constexpr const char* kPassThenMap = R"({"StartAt":"A","States":{
  "A":{"Type":"Pass","Result":[1,2],"Next":"M"},
  "M":{"Type":"Map","MaxConcurrency":1,"End":true,"ItemProcessor":{"StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:states:::fake:work","End":true}}}}}})";

constexpr const char* kTask =
    R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::fake:work","End":true}}})";

class RedriveTest : public EngineTest {
 protected:
  // Fails the task the fake integration started last.
  void failLastTask() {
    asl::StepInput in;
    in.kind = asl::StepInput::Kind::kTaskFailed;
    in.error = "Boom";
    in.cause = "broken";
    std::pair<std::string, std::string> task;
    {
      std::lock_guard lock(integration_->mu);
      task = integration_->lastTask;
    }
    in.id = task.second;
    engine_->report(task.first, in);
    engine_->drain();
  }

  size_t count(const std::string& type) {
    auto types = eventTypes();
    return static_cast<size_t>(std::count(types.begin(), types.end(), type));
  }
};

TEST_F(RedriveTest, FailedExecutionIsRedrivenAndSucceeds) {
  ASSERT_TRUE(start(kTask));
  failLastTask();
  ExecutionRecord failed = describe();
  ASSERT_EQ(failed.status, asl::ExecutionStatus::kFailed);
  EXPECT_TRUE(failed.journalKept);
  EXPECT_EQ(notRedrivableReason(failed, clock_.nowMillis()), std::nullopt);

  clock_.advance(std::chrono::seconds(30));
  auto redriven = engine_->redrive(kArn, "");
  ASSERT_TRUE(redriven) << redriven.error().message;
  EXPECT_EQ(redriven->status, asl::ExecutionStatus::kRunning);
  EXPECT_EQ(redriven->redriveCount, 1);
  EXPECT_EQ(redriven->redriveMillis, clock_.nowMillis());
  EXPECT_EQ(redriven->stopMillis, 0);
  EXPECT_FALSE(redriven->error);
  EXPECT_FALSE(redriven->cause);
  EXPECT_EQ(redriven->startMillis, failed.startMillis);
  engine_->drain();
  EXPECT_EQ(integration_->startCalls.size(), 2u);  // the task was scheduled again, with a new id
  EXPECT_EQ(notRedrivableReason(describe(), clock_.nowMillis()), "Execution is RUNNING and cannot be redriven");

  integration_->succeed(R"({"ok":1})");
  ExecutionRecord done = describe();
  EXPECT_EQ(done.status, asl::ExecutionStatus::kSucceeded);
  EXPECT_EQ(*done.output, R"({"ok":1})");
  EXPECT_EQ(done.redriveCount, 1);
  auto types = eventTypes();
  EXPECT_EQ(std::vector<std::string>(types.begin() + 4, types.end()),
            (std::vector<std::string>{"ExecutionFailed", "ExecutionRedriven", "TaskStateEntered", "TaskScheduled",
                                      "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}));
  EXPECT_EQ(notRedrivableReason(done, clock_.nowMillis()), "Execution is SUCCEEDED and cannot be redriven");
  EXPECT_EQ(engine_->redrive(kArn, "").error().type, "ExecutionNotRedrivable");
}

TEST_F(RedriveTest, RedriveAfterRestartAndRecoveryOfTheRedrivenExecution) {
  ASSERT_TRUE(start(kPassThenMap));
  integration_->succeed(R"("first")");  // iteration 0
  engine_->drain();
  failLastTask();  // iteration 1
  ASSERT_EQ(describe().status, asl::ExecutionStatus::kFailed);

  reopen();  // a finished execution is not rebuilt at load; its redrive rebuilds it from the journal
  auto redriven = engine_->redrive(kArn, "token-1");
  ASSERT_TRUE(redriven) << redriven.error().message;
  engine_->drain();
  EXPECT_EQ(integration_->startCalls.size(), 1u);  // only the failed iteration runs again
  std::string again = integration_->lastTask.second;

  reopen();  // kill -9 while the redriven execution runs: recovery replays start, failure and redrive
  ExecutionRecord recovered = describe();
  EXPECT_EQ(recovered.status, asl::ExecutionStatus::kRunning);
  EXPECT_EQ(recovered.redriveCount, 1);
  EXPECT_EQ(integration_->startCalls[again], 1);  // the outstanding task is re-issued, same id
  integration_->succeed(R"("second")");
  ExecutionRecord done = describe();
  ASSERT_EQ(done.status, asl::ExecutionStatus::kSucceeded);
  EXPECT_EQ(*done.output, R"(["first","second"])");
  EXPECT_EQ(count("PassStateEntered"), 1u);
  EXPECT_EQ(count("ExecutionRedriven"), 1u);
  // The client token of that redrive is remembered across restarts.
  EXPECT_EQ(done.redriveTokens.size(), 1u);
}

TEST_F(RedriveTest, ClientTokenMakesTheRedriveIdempotent) {
  ASSERT_TRUE(start(kTask));
  failLastTask();
  auto a = engine_->redrive(kArn, "same");
  ASSERT_TRUE(a);
  auto b = engine_->redrive(kArn, "same");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->redriveCount, 1);
  EXPECT_EQ(b->redriveMillis, a->redriveMillis);
  EXPECT_EQ(count("ExecutionRedriven"), 1u);
  // Another token while it runs again is refused.
  EXPECT_EQ(engine_->redrive(kArn, "other").error().message, "Execution is RUNNING and cannot be redriven");

  failLastTask();
  clock_.advance(std::chrono::minutes(16));  // tokens count for 15 minutes
  auto c = engine_->redrive(kArn, "same");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->redriveCount, 2);
}

TEST_F(RedriveTest, AbortedExecutionIsRedrivable) {
  ASSERT_TRUE(start(kTask));
  ASSERT_TRUE(engine_->stop(kArn, "E", "stopped"));
  auto r = engine_->redrive(kArn, "");
  ASSERT_TRUE(r) << r.error().message;
  integration_->succeed("1");
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kSucceeded);
}

TEST_F(RedriveTest, NotRedrivableReasons) {
  EXPECT_EQ(engine_->redrive("arn:aws:states:us-east-1:123456789012:execution:sm:nope", "").error().type,
            "ExecutionDoesNotExist");
  ASSERT_TRUE(start(kTask));
  auto running = engine_->redrive(kArn, "");
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().type, "ExecutionNotRedrivable");
  EXPECT_EQ(running.error().message, "Execution is RUNNING and cannot be redriven");

  failLastTask();
  clock_.advance(std::chrono::hours(24 * 14) + std::chrono::seconds(1));
  EXPECT_EQ(engine_->redrive(kArn, "").error().message, "Execution redrivable period exceeded");

  ExecutionRecord r = describe();
  r.eventCount = kMaxHistoryEvents;
  EXPECT_EQ(notRedrivableReason(r, r.stopMillis), "Execution history event limit exceeded");
  r.eventCount = 3;
  r.journalKept = false;  // finished before this engine kept journals
  EXPECT_EQ(notRedrivableReason(r, r.stopMillis), "Execution was started before the launch of RedriveExecution");
  r.journalKept = true;
  r.express = true;
  EXPECT_TRUE(notRedrivableReason(r, r.stopMillis));
}

TEST_F(RedriveTest, RecordRoundTripsRedriveFields) {
  ExecutionRecord r;
  r.executionArn = kArn;
  r.status = asl::ExecutionStatus::kFailed;
  r.redriveCount = 2;
  r.redriveMillis = 42;
  r.journalKept = true;
  r.redriveTokens = {{"a", 1}, {"b", 2}};
  auto back = ExecutionRecord::fromStored(r.toStored());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->redriveCount, 2);
  EXPECT_EQ(back->redriveMillis, 42);
  EXPECT_TRUE(back->journalKept);
  EXPECT_EQ(back->redriveTokens, r.redriveTokens);
}

}  // namespace
}  // namespace wharf::sfn::testing
