#include "sfn/integrations/ecs_run_task_integration.h"

#include <gtest/gtest.h>

#include "sfn_integrations/fake_services.h"

namespace wharf::sfn::testing {
namespace {

using Kind = asl::StepInput::Kind;

constexpr char kRunTask[] = "arn:aws:states:::ecs:runTask";
constexpr char kRunTaskSync[] = "arn:aws:states:::ecs:runTask.sync";
constexpr char kRunTaskToken[] = "arn:aws:states:::ecs:runTask.waitForTaskToken";

json::value batchParameters() {
  return json::parse(R"({
    "Cluster": "batch", "TaskDefinition": "copy:1", "LaunchType": "FARGATE", "Count": 1,
    "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ["subnet-1"], "AssignPublicIp": "DISABLED"}},
    "Overrides": {"ContainerOverrides": [{"Name": "app", "Command": ["cp", "in/a", "out/a"],
                                          "Environment": [{"Name": "OBJECT_KEY", "Value": "a"}]}]},
    "PropagateTags": "TASK_DEFINITION", "EnableExecuteCommand": false,
    "Tags": [{"Key": "run", "Value": "1"}]})");
}

class EcsRunTaskTest : public IntegrationTest<EcsRunTaskIntegration> {
 protected:
  std::string onlyTaskArn() const { return fake_.tasks.begin()->first; }
};

TEST_F(EcsRunTaskTest, HandlesTheThreePatternsOnly) {
  EXPECT_TRUE(integration_.handles(kRunTask));
  EXPECT_TRUE(integration_.handles(kRunTaskSync));
  EXPECT_TRUE(integration_.handles(kRunTaskToken));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::ecs:runTask.sync:2"));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::ecs:stopTask"));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::aws-sdk:ecs:runTask"));
}

TEST_F(EcsRunTaskTest, MapsPascalCaseParametersToTheApiMembersAtEveryDepth) {
  integration_.start(context_, taskRequest(kRunTask, batchParameters()), sink_);
  auto calls = fake_.callsOf("RunTask");
  ASSERT_EQ(calls.size(), 1u);
  const json::object& in = calls[0].input;
  EXPECT_EQ(in.at("cluster"), "batch");
  EXPECT_EQ(in.at("taskDefinition"), "copy:1");
  EXPECT_EQ(in.at("launchType"), "FARGATE");
  EXPECT_EQ(in.at("propagateTags"), "TASK_DEFINITION");
  EXPECT_EQ(in.at("enableExecuteCommand"), false);
  EXPECT_EQ(in.at("networkConfiguration").at("awsvpcConfiguration").at("subnets").at(0), "subnet-1");
  EXPECT_EQ(in.at("networkConfiguration").at("awsvpcConfiguration").at("assignPublicIp"), "DISABLED");
  const json::value& override0 = in.at("overrides").at("containerOverrides").at(0);
  EXPECT_EQ(override0.at("name"), "app");
  EXPECT_EQ(override0.at("command").at(2), "out/a");
  EXPECT_EQ(override0.at("environment").at(0).at("name"), "OBJECT_KEY");
  EXPECT_EQ(override0.at("environment").at(0).at("value"), "a");
  EXPECT_EQ(in.at("tags").at(0).at("key"), "run");
  EXPECT_EQ(in.at("startedBy"), "AWS Step Functions");
  EXPECT_EQ(in.at("clientToken").as_string().size(), 64u);
}

TEST_F(EcsRunTaskTest, KeepsTheStartedByTheParametersGive) {
  json::value params = batchParameters();
  params.as_object()["StartedBy"] = "nightly";
  integration_.start(context_, taskRequest(kRunTask, params), sink_);
  EXPECT_EQ(fake_.callsOf("RunTask").at(0).input.at("startedBy"), "nightly");
}

TEST_F(EcsRunTaskTest, RequestResponseSucceedsWithTheRunTaskResponseInSdkForm) {
  integration_.start(context_, taskRequest(kRunTask, batchParameters()), sink_);
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSucceeded}));
  EXPECT_EQ(sink_.reports[0].first, context_.executionArn);
  const json::value& out = sink_.last().output;
  EXPECT_EQ(out.at("Failures"), json::array());
  EXPECT_EQ(out.at("Tasks").at(0).at("TaskArn"), json::value(onlyTaskArn()));
  EXPECT_EQ(out.at("Tasks").at(0).at("StartedBy"), "AWS Step Functions");
  EXPECT_EQ(out.at("Tasks").at(0).at("CreatedAt"), 1700000000500);  // epoch milliseconds
  EXPECT_EQ(out.at("Tasks").at(0).at("Overrides").at("ContainerOverrides").at(0).at("Name"), "app");
  // Request-response does not follow the task.
  fake_.stopTask(onlyTaskArn(), 1, 0);
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);
}

TEST_F(EcsRunTaskTest, ARepeatedStartReusesTheClientTokenAndStartsNoSecondTask) {
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink_);
  // A restarted server: a fresh integration over the same services, started again for the task.
  EcsRunTaskIntegration afterCrash(caller_);
  RecordingSink sink2;
  afterCrash.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink2);
  auto calls = fake_.callsOf("RunTask");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].input.at("clientToken"), calls[1].input.at("clientToken"));
  EXPECT_EQ(fake_.tasks.size(), 1u);
  // Another task of the same execution, or the same task id in another execution, is new work.
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters(), "task-2"), sink_);
  integration_.start(testContext("arn:aws:states:us-east-1:123456789012:execution:sm:run2"),
                     taskRequest(kRunTaskSync, batchParameters()), sink_);
  EXPECT_EQ(fake_.tasks.size(), 3u);
  // The restarted integration resumes following the task.
  fake_.stopTask(fake_.tasks.begin()->first, 0, 0);
  afterCrash.poll();
  EXPECT_EQ(sink2.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted, Kind::kTaskSucceeded}));
}

TEST_F(EcsRunTaskTest, SyncWaitsUntilTheTaskStoppedAndSucceedsWithItsDescription) {
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink_);
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted}));
  EXPECT_EQ(sink_.last().output.at("Tasks").at(0).at("TaskArn"), json::value(onlyTaskArn()));
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);  // still running
  fake_.tasks.at(onlyTaskArn())["lastStatus"] = "RUNNING";
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);

  fake_.stopTask(onlyTaskArn(), 0, 0);
  integration_.poll();
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted, Kind::kTaskSucceeded}));
  const json::value& task = sink_.last().output;
  EXPECT_EQ(task.at("TaskArn"), json::value(onlyTaskArn()));
  EXPECT_EQ(task.at("LastStatus"), "STOPPED");
  EXPECT_EQ(task.at("StopCode"), "EssentialContainerExited");
  EXPECT_EQ(task.at("StoppedAt"), 1700000100000);
  EXPECT_EQ(task.at("Containers").at(0).at("ExitCode"), 0);
  EXPECT_EQ(task.at("StartedBy"), "AWS Step Functions");
  // Finished: no longer followed.
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 3u);
}

TEST_F(EcsRunTaskTest, SyncFailsWhenAnEssentialContainerExitsNonZero) {
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink_);
  fake_.stopTask(onlyTaskArn(), 1, 0);
  integration_.poll();
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_EQ(sink_.last().error, "States.TaskFailed");
  json::value cause = json::parse(sink_.last().cause.value());
  EXPECT_EQ(cause.at("TaskArn"), json::value(onlyTaskArn()));
  EXPECT_EQ(cause.at("Containers").at(0).at("ExitCode"), 1);
  EXPECT_EQ(cause.at("LastStatus"), "STOPPED");
}

TEST_F(EcsRunTaskTest, SyncIgnoresTheExitCodeOfANonEssentialContainer) {
  fake_.nonEssential = {"sidecar"};
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink_);
  fake_.stopTask(onlyTaskArn(), 0, 137);
  integration_.poll();
  EXPECT_EQ(sink_.last().kind, Kind::kTaskSucceeded);
}

TEST_F(EcsRunTaskTest, SyncFailsWhenTheTaskFailedToStart) {
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink_);
  fake_.stopTask(onlyTaskArn(), std::nullopt, std::nullopt, "TaskFailedToStart");
  integration_.poll();
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_EQ(sink_.last().error, "States.TaskFailed");
  EXPECT_EQ(json::parse(sink_.last().cause.value()).at("StopCode"), "TaskFailedToStart");
}

TEST_F(EcsRunTaskTest, SyncWaitsForEveryTaskOfACount) {
  json::value params = batchParameters();
  params.as_object()["Count"] = 2;
  integration_.start(context_, taskRequest(kRunTaskSync, params), sink_);
  ASSERT_EQ(fake_.tasks.size(), 2u);
  auto first = fake_.tasks.begin()->first, second = std::next(fake_.tasks.begin())->first;
  fake_.stopTask(second, 2, 0);
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);
  fake_.stopTask(first, 0, 0);
  integration_.poll();
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_EQ(json::parse(sink_.last().cause.value()).at("TaskArn"), json::value(second));
}

TEST_F(EcsRunTaskTest, SyncFailsWithAmazonEcsUnknownWhenRunTaskListsFailures) {
  fake_.runTaskFailure = "RESOURCE:MEMORY";
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink_);
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskFailed}));
  EXPECT_EQ(sink_.last().error, "AmazonECS.Unknown");
  EXPECT_EQ(json::parse(sink_.last().cause.value()).at("Failures").at(0).at("Reason"), "RESOURCE:MEMORY");
}

TEST_F(EcsRunTaskTest, RequestResponseReturnsFailuresWithoutFailing) {
  fake_.runTaskFailure = "RESOURCE:MEMORY";
  integration_.start(context_, taskRequest(kRunTask, batchParameters()), sink_);
  EXPECT_EQ(sink_.last().kind, Kind::kTaskSucceeded);
  EXPECT_EQ(sink_.last().output.at("Failures").at(0).at("Reason"), "RESOURCE:MEMORY");
}

TEST_F(EcsRunTaskTest, ApiErrorsFailTheStateAsTheEcsServiceException) {
  json::value params = batchParameters();
  params.as_object()["Cluster"] = "missing";
  integration_.start(context_, taskRequest(kRunTaskSync, params), sink_);
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_EQ(sink_.last().error, "ECS.AmazonECSException");
  EXPECT_EQ(sink_.last().cause,
            "Cluster not found. (Service: AmazonECS; Status Code: 400; Error Code: "
            "ClusterNotFoundException)");
}

TEST_F(EcsRunTaskTest, ParametersAreValidatedAgainstTheModelBeforeTheHandlerRuns) {
  json::value params = batchParameters();
  params.as_object()["Count"] = "two";
  integration_.start(context_, taskRequest(kRunTask, params), sink_);
  EXPECT_TRUE(fake_.callsOf("RunTask").empty());
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_NE(sink_.last().cause->find("SerializationException"), std::string::npos);

  params.as_object().erase("Count");
  params.as_object().erase("TaskDefinition");
  integration_.start(context_, taskRequest(kRunTask, params), sink_);
  EXPECT_TRUE(fake_.callsOf("RunTask").empty());
  EXPECT_NE(sink_.last().cause->find("Member must not be null"), std::string::npos);
}

TEST_F(EcsRunTaskTest, WaitForTaskTokenReportsSubmittedAndLeavesTheOutcomeToTheCallback) {
  asl::TaskRequest request = taskRequest(kRunTaskToken, batchParameters());
  request.taskToken = "token-1";
  integration_.start(context_, request, sink_);
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted}));
  EXPECT_EQ(sink_.last().output.at("Tasks").at(0).at("TaskArn"), json::value(onlyTaskArn()));
  fake_.stopTask(onlyTaskArn(), 1, 0);
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);
}

TEST_F(EcsRunTaskTest, CancelStopsTheTasksTheStateStartedAndEndsFollowing) {
  integration_.start(context_, taskRequest(kRunTaskSync, batchParameters()), sink_);
  integration_.cancel(context_, "task-1");
  auto stops = fake_.callsOf("StopTask");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].input.at("task"), json::value(onlyTaskArn()));
  EXPECT_EQ(stops[0].input.at("cluster"), "arn:aws:ecs:us-east-1:123456789012:cluster/batch");
  fake_.stopTask(onlyTaskArn(), 137, 137, "UserInitiated");
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);
  integration_.cancel(context_, "task-1");  // nothing left to stop
  EXPECT_EQ(fake_.callsOf("StopTask").size(), 1u);
}

TEST_F(EcsRunTaskTest, CancelStopsWaitForTaskTokenTasksToo) {
  integration_.start(context_, taskRequest(kRunTaskToken, batchParameters()), sink_);
  integration_.cancel(context_, "task-1");
  EXPECT_EQ(fake_.callsOf("StopTask").size(), 1u);
}

}  // namespace
}  // namespace wharf::sfn::testing
