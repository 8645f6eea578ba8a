#include "sfn/integrations/aws_sdk_integration.h"

#include <gtest/gtest.h>

#include "sfn_integrations/fake_services.h"

namespace wharf::sfn::testing {
namespace {

using Kind = asl::StepInput::Kind;

using AwsSdkTest = IntegrationTest<AwsSdkIntegration>;

TEST_F(AwsSdkTest, HandlesOperationsOfTheThreeServices) {
  EXPECT_TRUE(integration_.handles("arn:aws:states:::aws-sdk:ecs:describeClusters"));
  EXPECT_TRUE(integration_.handles("arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups"));
  EXPECT_TRUE(integration_.handles("arn:aws:states:::aws-sdk:sfn:describeExecution"));
  EXPECT_TRUE(integration_.handles("arn:aws:states:::aws-sdk:ecs:describeClusters.waitForTaskToken"));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::aws-sdk:ecs:describeClusters.sync"));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::aws-sdk:ecs:launchRocket"));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::aws-sdk:s3:getObject"));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::ecs:runTask"));
}

TEST_F(AwsSdkTest, MapsMembersToTheModelAndTheResponseBackToPascalCase) {
  integration_.start(
      context_, taskRequest("arn:aws:states:::aws-sdk:ecs:describeClusters", json::parse(R"({"Clusters": ["a"]})")),
      sink_);
  auto calls = fake_.callsOf("DescribeClusters");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].input, json::parse(R"({"clusters": ["a"]})").as_object());
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSucceeded}));
  EXPECT_EQ(sink_.last().output,
            json::parse(R"({"Clusters": [{"ClusterName": "a", "Status": "ACTIVE", "RunningTasksCount": 2}],
                            "Failures": []})"));
}

TEST_F(AwsSdkTest, KeepsMapKeysAsData) {
  integration_.start(context_,
                     taskRequest("arn:aws:states:::aws-sdk:cloudwatchlogs:listTagsForResource",
                                 json::parse(R"({"ResourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:g"})")),
                     sink_);
  EXPECT_EQ(fake_.callsOf("ListTagsForResource").at(0).input.at("resourceArn"),
            "arn:aws:logs:us-east-1:123456789012:log-group:g");
  EXPECT_EQ(sink_.last().output, json::parse(R"({"Tags": {"team-key": "data"}})"));
}

TEST_F(AwsSdkTest, CloudWatchLogsCallsUseTheLogsMemberNames) {
  integration_.start(context_,
                     taskRequest("arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups",
                                 json::parse(R"({"LogGroupNamePrefix": "/ecs/batch"})")),
                     sink_);
  EXPECT_EQ(fake_.callsOf("DescribeLogGroups").at(0).input.at("logGroupNamePrefix"), "/ecs/batch");
  // creationTime is a long in the model, not a timestamp: passed through unchanged.
  EXPECT_EQ(sink_.last().output,
            json::parse(R"({"LogGroups": [{"LogGroupName": "/ecs/batch-1", "CreationTime": 1700000000000}]})"));
}

TEST_F(AwsSdkTest, ErrorsAreNamedServiceDotErrorWithTheExceptionSuffix) {
  integration_.start(
      context_,
      taskRequest("arn:aws:states:::aws-sdk:ecs:describeClusters", json::parse(R"({"Clusters": ["missing"]})")), sink_);
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_EQ(sink_.last().error, "Ecs.ClusterNotFoundException");
  EXPECT_EQ(sink_.last().cause, "Cluster not found.");

  integration_.start(
      context_,
      taskRequest("arn:aws:states:::aws-sdk:sfn:describeExecution",
                  json::parse(R"({"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:sm:nope"})")),
      sink_);
  EXPECT_EQ(sink_.last().error, "Sfn.ExecutionDoesNotExistException");
  EXPECT_EQ(sink_.last().cause, "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:sm:nope'");
}

TEST_F(AwsSdkTest, ValidationFailuresAreServiceErrorsToo) {
  integration_.start(context_, taskRequest("arn:aws:states:::aws-sdk:sfn:describeExecution", json::object()), sink_);
  EXPECT_TRUE(fake_.callsOf("DescribeExecution").empty());
  EXPECT_EQ(sink_.last().error, "Sfn.ValidationException");
}

TEST_F(AwsSdkTest, OperationsWithoutAHandlerFailInsteadOfHanging) {
  integration_.start(context_, taskRequest("arn:aws:states:::aws-sdk:ecs:listClusters", json::object()), sink_);
  EXPECT_EQ(sink_.last().error, "Ecs.UnknownOperationException");
}

TEST_F(AwsSdkTest, WaitForTaskTokenReportsTheResponseAsSubmitted) {
  integration_.start(context_,
                     taskRequest("arn:aws:states:::aws-sdk:ecs:describeClusters.waitForTaskToken",
                                 json::parse(R"({"Clusters": ["a"]})")),
                     sink_);
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted}));
  EXPECT_EQ(sink_.last().output.at("Clusters").at(0).at("ClusterName"), "a");
}

}  // namespace
}  // namespace wharf::sfn::testing
