#include "sfn/engine/execution_engine.h"

#include "sfn_engine/engine_fixture.h"

namespace wharf::sfn::testing {
namespace {
namespace json = boost::json;

constexpr const char* kPassChain = R"({"StartAt":"A","States":{
  "A":{"Type":"Pass","Result":1,"ResultPath":"$.a","Next":"B"},
  "B":{"Type":"Pass","Result":2,"ResultPath":"$.b","Next":"C"},
  "C":{"Type":"Pass","End":true}}})";

constexpr const char* kWait = R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})";

constexpr const char* kTask =
    R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::fake:work","End":true}}})";

constexpr const char* kActivity = R"({"StartAt":"T","States":{"T":{"Type":"Task",
  "Resource":"arn:aws:states:us-east-1:123456789012:activity:act","HeartbeatSeconds":5,"End":true}}})";

std::optional<ActivityTask> poll(ExecutionEngine& engine) {
  std::promise<std::optional<ActivityTask>> got;
  engine.pollActivity("arn:aws:states:us-east-1:123456789012:activity:act", "worker-1",
                      [&](std::optional<ActivityTask> t) { got.set_value(std::move(t)); });
  return got.get_future().get();
}

TEST_F(EngineTest, PassChainSucceedsDurably) {
  auto r = start(kPassChain, R"({"x":0})");
  ASSERT_TRUE(r) << r.error().message;
  auto rec = describe();
  EXPECT_EQ(rec.status, asl::ExecutionStatus::kSucceeded);
  EXPECT_EQ(*rec.output, R"({"x":0,"a":1,"b":2})");
  EXPECT_EQ(eventTypes(),
            (std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered",
                                      "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}));
  // The record survives a restart without replay.
  reopen();
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kSucceeded);
  EXPECT_EQ(*describe().output, R"({"x":0,"a":1,"b":2})");
}

TEST_F(EngineTest, StartIsIdempotentByNameForTheSameInput) {
  ASSERT_TRUE(start(kWait, R"({"n":1})"));
  auto again = start(kWait, R"({"n":1})");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->executionArn, "arn:aws:states:us-east-1:123456789012:execution:sm:run");
  auto different = start(kWait, R"({"n":2})");
  ASSERT_FALSE(different);
  EXPECT_EQ(different.error().type, "ExecutionAlreadyExists");
}

TEST_F(EngineTest, WaitFiresAtItsDueTime) {
  ASSERT_TRUE(start(kWait));
  advance(std::chrono::seconds(9));
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kRunning);
  advance(std::chrono::seconds(1));
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kSucceeded);
}

TEST_F(EngineTest, TaskRunsThroughTheIntegration) {
  ASSERT_TRUE(start(kTask, R"({"in":1})"));
  EXPECT_EQ(integration_->workDone, 1);
  integration_->succeed(R"({"done":true})");
  auto rec = describe();
  EXPECT_EQ(rec.status, asl::ExecutionStatus::kSucceeded);
  EXPECT_EQ(*rec.output, R"({"done":true})");
}

TEST_F(EngineTest, ResourceWithoutIntegrationFailsTheTask) {
  ASSERT_TRUE(
      start(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::nothing:here","End":true}}})"));
  auto rec = describe();
  EXPECT_EQ(rec.status, asl::ExecutionStatus::kFailed);
  EXPECT_EQ(*rec.error, "States.Runtime");
}

TEST_F(EngineTest, ActivityWorkerCompletesTheTaskWithItsToken) {
  ASSERT_TRUE(start(kActivity, R"({"job":7})"));
  auto task = poll(*engine_);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->input, R"({"job":7})");
  ASSERT_TRUE(engine_->sendTaskHeartbeat(task->taskToken));
  ASSERT_TRUE(engine_->sendTaskSuccess(task->taskToken, R"({"ok":1})"));
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kSucceeded);
  EXPECT_EQ(*describe().output, R"({"ok":1})");
  EXPECT_EQ(engine_->sendTaskSuccess(task->taskToken, "{}").error().type, "TaskDoesNotExist");
  EXPECT_EQ(engine_->sendTaskSuccess("not-a-token", "{}").error().type, "InvalidToken");
  auto types = eventTypes();
  EXPECT_NE(std::find(types.begin(), types.end(), "ActivityStarted"), types.end());
}

TEST_F(EngineTest, ActivityTaskQueuedBeforeThePollIsDelivered) {
  std::promise<std::optional<ActivityTask>> got;
  engine_->pollActivity("arn:aws:states:us-east-1:123456789012:activity:act", "w",
                        [&](std::optional<ActivityTask> t) { got.set_value(std::move(t)); });
  ASSERT_TRUE(start(kActivity));
  auto task = got.get_future().get();
  ASSERT_TRUE(task);
  EXPECT_FALSE(task->taskToken.empty());
}

TEST_F(EngineTest, PollTimesOutEmpty) {
  std::promise<std::optional<ActivityTask>> got;
  engine_->pollActivity("arn:aws:states:us-east-1:123456789012:activity:act", "w",
                        [&](std::optional<ActivityTask> t) { got.set_value(std::move(t)); });
  advance(std::chrono::seconds(60));
  EXPECT_FALSE(got.get_future().get());
}

TEST_F(EngineTest, MissedHeartbeatTimesTheTaskOut) {
  ASSERT_TRUE(start(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:us-east-1:123456789012:activity:act","HeartbeatSeconds":5,"End":true,
    "Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"Caught"}]},"Caught":{"Type":"Pass","End":true}}})"));
  auto task = poll(*engine_);
  ASSERT_TRUE(task);
  advance(std::chrono::seconds(4));
  ASSERT_TRUE(engine_->sendTaskHeartbeat(task->taskToken));
  advance(std::chrono::seconds(4));  // 8 s after the start, 4 s after the heartbeat
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kRunning);
  advance(std::chrono::seconds(1));
  auto rec = describe();
  EXPECT_EQ(rec.status, asl::ExecutionStatus::kSucceeded);
  auto types = eventTypes();
  EXPECT_NE(std::find(types.begin(), types.end(), "ActivityTimedOut"), types.end());
  EXPECT_EQ(engine_->sendTaskSuccess(task->taskToken, "{}").error().type, "TaskTimedOut");
}

TEST_F(EngineTest, StopAbortsAndCancelsTheTask) {
  ASSERT_TRUE(start(kTask));
  auto stopped = engine_->stop("arn:aws:states:us-east-1:123456789012:execution:sm:run", "E", "because");
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->status, asl::ExecutionStatus::kAborted);
  engine_->drain();
  EXPECT_EQ(integration_->cancelled.size(), 1u);
  EXPECT_EQ(eventTypes().back(), "ExecutionAborted");
  EXPECT_EQ(engine_->stop("arn:aws:states:us-east-1:123456789012:execution:sm:nope", {}, {}).error().type,
            "ExecutionDoesNotExist");
}

TEST_F(EngineTest, RecoveryReplaysAndFinishesWithoutDuplicates) {
  constexpr const char* kBoth = R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::fake:work","End":true}}},
    {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}]}}})";
  ASSERT_TRUE(start(kBoth, R"({"v":1})"));
  advance(std::chrono::seconds(10));
  std::string taskId = integration_->lastTask.second;
  auto before = eventTypes();

  reopen();  // the interpreter is rebuilt from the journal
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kRunning);
  EXPECT_EQ(eventTypes(), before);
  EXPECT_EQ(integration_->startCalls[taskId], 1);  // re-issued after recovery, same task id
  integration_->succeed(R"({"t":1})");
  advance(std::chrono::seconds(19));
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kRunning);  // the Wait keeps its original due time
  advance(std::chrono::seconds(1));
  auto rec = describe();
  EXPECT_EQ(rec.status, asl::ExecutionStatus::kSucceeded);
  EXPECT_EQ(*rec.output, R"([{"t":1},{"v":1}])");
  auto types = eventTypes();  // ids are checked to be 1..N without gaps or repeats
  EXPECT_EQ(std::count(types.begin(), types.end(), "TaskScheduled"), 1);
  EXPECT_EQ(std::count(types.begin(), types.end(), "WaitStateExited"), 1);
  EXPECT_EQ(types.back(), "ExecutionSucceeded");
}

TEST_F(EngineTest, RecoveredActivityKeepsItsToken) {
  ASSERT_TRUE(start(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:us-east-1:123456789012:activity:act","End":true}}})"));
  auto task = poll(*engine_);
  ASSERT_TRUE(task);
  reopen();
  ASSERT_TRUE(engine_->sendTaskSuccess(task->taskToken, R"({"r":2})"));
  EXPECT_EQ(*describe().output, R"({"r":2})");
}

TEST_F(EngineTest, UnclaimedActivityTaskIsQueuedAgainAfterRecovery) {
  ASSERT_TRUE(start(kActivity));
  reopen();
  auto task = poll(*engine_);
  ASSERT_TRUE(task);
  ASSERT_TRUE(engine_->sendTaskSuccess(task->taskToken, "{}"));
  EXPECT_EQ(describe().status, asl::ExecutionStatus::kSucceeded);
}

TEST_F(EngineTest, HistoryLimitFailsTheExecution) {
  // A Map of 7,000 Pass iterations writes about 28,000 events in one step.
  json::array items;
  for (int i = 0; i < 7000; ++i) items.push_back(i);
  ASSERT_TRUE(start(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})",
                    json::serialize(items)));
  auto rec = describe();
  EXPECT_EQ(rec.status, asl::ExecutionStatus::kFailed);
  EXPECT_EQ(*rec.error, "States.Runtime");
  EXPECT_LE(rec.eventCount, kMaxHistoryEvents);
  EXPECT_EQ(eventTypes().back(), "ExecutionFailed");
}

}  // namespace
}  // namespace wharf::sfn::testing
