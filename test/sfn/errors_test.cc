// Retry, Catch, the predefined States.* errors, task timeouts and heartbeats.
#include "asl_harness.h"

namespace wharf::asl {
namespace {

using testing::J;
using testing::stepInput;
using testing::taskFailed;
using testing::TestRun;
using testing::timerFired;

const Command* findCommand(const std::vector<Command>& commands, Command::Kind kind) {
  for (const auto& c : commands)
    if (c.kind == kind) return &c;
  return nullptr;
}

TEST(ErrorsTest, RetryBackoffThenCatch) {
  TestRun r(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":2}],
            "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"P"}],"End":true},
            "P":{"Type":"Pass","End":true}}})",
            R"({"in":1})");
  std::string task = r.first.commands[0].task.taskId;
  auto s = r.exec->step(taskFailed(task, "E", "c1"));
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(s.commands[0].fireAt, r.clock.now() + std::chrono::seconds(2));
  s = r.exec->step(timerFired(s.commands[0].id));
  s = r.exec->step(taskFailed(s.commands[0].task.taskId, "E", "c2"));
  EXPECT_EQ(s.commands[0].fireAt, r.clock.now() + std::chrono::seconds(6));
  s = r.exec->step(timerFired(s.commands[0].id));
  r.exec->step(taskFailed(s.commands[0].task.taskId, "E", "c3"));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"({"in":1,"err":{"Error":"E","Cause":"c3"}})"));
}

TEST(ErrorsTest, MaxDelayCapsBackoff) {
  TestRun r(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,"MaxDelaySeconds":3}],"End":true}}})",
            "{}");
  auto s = r.exec->step(taskFailed(r.first.commands[0].task.taskId, "X"));
  EXPECT_EQ(s.commands[0].fireAt, r.clock.now() + std::chrono::seconds(3));
}

TEST(ErrorsTest, TaskFailureWithoutErrorOrCauseGivesNulls) {
  TestRun r(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Catch":[{"ErrorEquals":["States.ALL"],"Next":"P"}],"End":true},"P":{"Type":"Pass","End":true}}})",
            "{}");
  r.exec->step(taskFailed(r.first.commands[0].task.taskId, ""));
  EXPECT_EQ(r.exec->output(), J(R"({"Error":null,"Cause":null})"));
}

TEST(ErrorsTest, RuntimeErrorsAreNotCaughtByStatesAll) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.nope","End":true}}})", "{}");
  EXPECT_EQ(r.exec->error(), "States.Runtime");
  EXPECT_EQ(r.exec->cause(),
            "An error occurred while executing the state 'A' (entered at the event id #2). Invalid path '$.nope' : No "
            "results for path: $['nope']");
  TestRun t(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Catch":[{"ErrorEquals":["States.ALL"],"Next":"P"}],"End":true},"P":{"Type":"Pass","End":true}}})",
            "{}");
  t.exec->step(taskFailed(t.first.commands[0].task.taskId, "States.Runtime"));
  EXPECT_EQ(t.exec->status(), ExecutionStatus::kFailed);
}

TEST(ErrorsTest, TaskTimeoutCaughtWithEmptyCause) {
  TestRun r(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "TimeoutSeconds":5,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"P"}],"End":true},
            "P":{"Type":"Pass","End":true}}})",
            "{}");
  const Command* timer = findCommand(r.first.commands, Command::Kind::kStartTimer);
  ASSERT_NE(timer, nullptr);
  EXPECT_EQ(timer->fireAt, r.clock.now() + std::chrono::seconds(5));
  auto s = r.exec->step(timerFired(timer->id));
  EXPECT_NE(findCommand(s.commands, Command::Kind::kCancelTask), nullptr);
  EXPECT_EQ(r.exec->output(), J(R"({"Error":"States.Timeout","Cause":""})"));
  EXPECT_EQ(r.last("TaskTimedOut").detailsJson().at("error"), "States.Timeout");
}

TEST(ErrorsTest, HeartbeatTimerIsResetByHeartbeats) {
  TestRun r(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "HeartbeatSeconds":10,"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"P"}],"End":true},
            "P":{"Type":"Pass","End":true}}})",
      "{}");
  std::string task = findCommand(r.first.commands, Command::Kind::kScheduleTask)->task.taskId;
  const Command* firstTimer = findCommand(r.first.commands, Command::Kind::kStartTimer);
  ASSERT_NE(firstTimer, nullptr);
  std::string staleTimer = firstTimer->id;
  EXPECT_EQ(r.last("TaskScheduled").detailsJson().at("heartbeatInSeconds"), 10);
  r.clock.advance(std::chrono::seconds(8));
  auto s = r.exec->step(stepInput(StepInput::Kind::kTaskHeartbeat, task));
  const Command* rearmed = findCommand(s.commands, Command::Kind::kStartTimer);
  ASSERT_NE(rearmed, nullptr);
  EXPECT_EQ(rearmed->fireAt, r.clock.now() + std::chrono::seconds(10));
  std::string liveTimer = rearmed->id;
  r.exec->step(timerFired(staleTimer));  // superseded by the heartbeat
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kRunning);
  r.exec->step(timerFired(liveTimer));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.last("TaskTimedOut").detailsJson().at("error"), "States.Timeout");
  EXPECT_EQ(r.exec->output(), J(R"({"Error":"States.Timeout","Cause":""})"));
}

TEST(ErrorsTest, HeartbeatTimeoutFailsExecutionWithStatesTimeout) {
  TestRun r(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "HeartbeatSecondsPath":"$.hb","End":true}}})",
      R"({"hb":3})");
  const Command* timer = findCommand(r.first.commands, Command::Kind::kStartTimer);
  ASSERT_NE(timer, nullptr);
  EXPECT_EQ(timer->fireAt, r.clock.now() + std::chrono::seconds(3));
  r.exec->step(timerFired(timer->id));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(r.exec->error(), "States.Timeout");
  EXPECT_FALSE(r.exec->cause().has_value());
}

}  // namespace
}  // namespace wharf::asl
