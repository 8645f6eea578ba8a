// Pass, Wait, Succeed, Fail and Task states: outputs, events and commands.
#include "asl_harness.h"

namespace wharf::asl {
namespace {

using testing::J;
using testing::TestRun;
using testing::timerFired;

TEST(StatesTest, PassChainEvents) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"v":1},"ResultPath":"$.r","Next":"B"},
            "B":{"Type":"Pass","Parameters":{"x.$":"$.r.v"},"OutputPath":"$.x","End":true}}})",
            "{}");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J("1"));
  EXPECT_EQ(r.types(), (std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited",
                                                 "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}));
  const auto& h = r.exec->history();
  EXPECT_EQ(h[1].previousEventId, 0);
  EXPECT_EQ(h[2].previousEventId, 2);
  EXPECT_EQ(h[2].detailsJson().at("output").as_string(), R"({"r":{"v":1}})");
  EXPECT_EQ(h[5].detailsJson().at("output").as_string(), "1");
}

TEST(StatesTest, WaitSecondsUsesTimerCommand) {
  TestRun r(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})", "{}");
  ASSERT_EQ(r.first.commands.size(), 1u);
  EXPECT_EQ(r.first.commands[0].kind, Command::Kind::kStartTimer);
  EXPECT_EQ(r.first.commands[0].fireAt, r.clock.now() + std::chrono::seconds(10));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kRunning);
  r.exec->step(timerFired("unrelated"));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kRunning);
  r.clock.advance(std::chrono::seconds(10));
  r.exec->step(timerFired(r.first.commands[0].id));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
}

TEST(StatesTest, WaitTimestampPathValidation) {
  TestRun ok(R"({"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}})",
             R"({"t":"2030-01-01T00:00:00Z"})");
  ASSERT_EQ(ok.first.commands.size(), 1u);
  EXPECT_EQ(ok.first.commands[0].fireAt, std::chrono::system_clock::time_point(std::chrono::seconds(1893456000)));
  TestRun bad(R"({"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}})",
              R"({"t":"2016-13-05T21:29:29Z"})");
  EXPECT_EQ(bad.exec->error(), "States.Runtime");
  EXPECT_EQ(bad.exec->cause(),
            "An error occurred while executing the state 'W' (entered at the event id #2). The TimestampPath parameter "
            "does not reference a valid ISO-8601 extended offset date-time format string: $.t == 2016-13-05T21:29:29Z");
}

TEST(StatesTest, WaitSecondsPathRejectsNegative) {
  TestRun r(R"({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}})", R"({"s":-1})");
  EXPECT_EQ(r.exec->error(), "States.Runtime");
}

TEST(StatesTest, FailWithPaths) {
  TestRun r(
      R"J({"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('c={}', $.c)"}}})J",
      R"({"e":"MyError","c":3})");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(r.exec->error(), "MyError");
  EXPECT_EQ(r.exec->cause(), "c=3");
  EXPECT_EQ(r.types().back(), "ExecutionFailed");
}

TEST(StatesTest, TaskScheduledEventAndCommand) {
  TestRun r(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
            "Parameters":{"QueueUrl.$":"$.q"},"TimeoutSeconds":30,"End":true}}})",
            R"({"q":"url"})");
  ASSERT_EQ(r.first.commands.size(), 2u);  // the timeout timer and the task
  const Command& task = r.first.commands[1];
  EXPECT_EQ(task.kind, Command::Kind::kScheduleTask);
  EXPECT_EQ(task.task.resourceType, "sqs");
  EXPECT_EQ(task.task.action, "sendMessage");
  EXPECT_EQ(task.task.parameters, J(R"({"QueueUrl":"url"})"));
  const auto& scheduled = r.last("TaskScheduled");
  EXPECT_EQ(scheduled.detailsJson().at("resource"), "sendMessage");
  EXPECT_EQ(scheduled.detailsJson().at("timeoutInSeconds"), 30);
  r.exec->step(testing::taskSucceeded(task.task.taskId, J(R"({"MessageId":"m"})")));
  EXPECT_EQ(r.exec->output(), J(R"({"MessageId":"m"})"));
  EXPECT_EQ(r.types()[3], "TaskSucceeded");  // no TaskStarted was reported
}

TEST(StatesTest, ActivityAndLambdaFamilies) {
  TestRun act(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:1:activity:a","End":true}}})",
      R"({"x":1})");
  EXPECT_EQ(act.last("ActivityScheduled").detailsJson().at("resource"), "arn:aws:states:us-east-1:1:activity:a");
  EXPECT_FALSE(act.first.commands.back().task.taskToken.empty());
  TestRun fn(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","End":true}}})",
      "{}");
  EXPECT_EQ(fn.types().back(), "LambdaFunctionScheduled");
}

TEST(StatesTest, TaskTokenAndCredentials) {
  TestRun r(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
            "Parameters":{"Token.$":"$$.Task.Token"},"Credentials":{"RoleArn.$":"$.role"},"End":true}}})",
            R"({"role":"arn:aws:iam::1:role/x"})");
  const Command& task = r.first.commands.back();
  EXPECT_EQ(task.task.parameters.at("Token"), boost::json::value(task.task.taskToken));
  EXPECT_EQ(task.task.roleArn, "arn:aws:iam::1:role/x");
  EXPECT_EQ(r.last("TaskScheduled").detailsJson().at("taskCredentials"), J(R"({"roleArn":"arn:aws:iam::1:role/x"})"));
}

TEST(StatesTest, AssignAndVariables) {
  TestRun r(R"J({"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x.$":"$.v","y":2},"Next":"B"},
            "B":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($x, $y)"},"End":true}}})J",
            R"({"v":40})");
  EXPECT_EQ(r.exec->output(), J(R"({"sum":42})"));
  EXPECT_EQ(r.exec->history()[2].detailsJson().at("assignedVariables"), J(R"({"x":"40","y":"2"})"));
}

TEST(StatesTest, ExecutionTimeoutAndStop) {
  TestRun r(R"({"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})", "{}");
  ASSERT_EQ(r.first.commands.size(), 2u);
  r.exec->step(timerFired(r.first.commands[0].id));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kTimedOut);
  EXPECT_EQ(r.types().back(), "ExecutionTimedOut");
  TestRun s(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})", "{}");
  StepInput stop = testing::stepInput(StepInput::Kind::kStop, "");
  stop.error = "Stopped";
  s.exec->step(stop);
  EXPECT_EQ(s.exec->status(), ExecutionStatus::kAborted);
  EXPECT_EQ(s.types().back(), "ExecutionAborted");
}

}  // namespace
}  // namespace wharf::asl
