#include "sfn/integrations/start_execution_integration.h"

#include <gtest/gtest.h>

#include "sfn/integrations/task_outcome.h"
#include "sfn_integrations/fake_services.h"

namespace wharf::sfn::testing {
namespace {

using Kind = asl::StepInput::Kind;

constexpr char kChildMachine[] = "arn:aws:states:us-east-1:123456789012:stateMachine:child";

json::value childParameters() {
  return json::parse(R"({"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
                         "Input": {"n": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID":
                                   "arn:aws:states:us-east-1:123456789012:execution:sm:run1"}})");
}

class StartExecutionTest : public IntegrationTest<StartExecutionIntegration> {
 protected:
  std::string childArn() const { return fake_.executions.begin()->first; }
  void finishChild(const std::string& status, const std::string& output) {
    json::object& e = fake_.executions.at(childArn());
    e["status"] = status;
    e["stopDate"] = 1700000002.0;
    if (status == "SUCCEEDED") {
      e["output"] = output;
      e["outputDetails"] = {{"included", true}};
    } else {
      e["error"] = "Boom";
      e["cause"] = "it broke";
    }
  }
};

TEST_F(StartExecutionTest, HandlesItsPatterns) {
  for (const char* r : {"", ".sync", ".sync:2", ".waitForTaskToken"}) {
    EXPECT_TRUE(integration_.handles(std::string("arn:aws:states:::states:startExecution") + r)) << r;
  }
  EXPECT_FALSE(integration_.handles("arn:aws:states:::states:startExecution.sync:3"));
  EXPECT_FALSE(integration_.handles("arn:aws:states:::states:stopExecution"));
}

TEST_F(StartExecutionTest, RequestResponseStartsANamedChildWithJsonInputAsText) {
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution", childParameters()), sink_);
  auto calls = fake_.callsOf("StartExecution");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].input.at("stateMachineArn"), kChildMachine);
  EXPECT_EQ(json::parse(calls[0].input.at("input").as_string()), childParameters().at("Input"));
  EXPECT_EQ(calls[0].input.at("name"), json::value(idempotencyToken(context_, "task-1")));
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSucceeded}));
  EXPECT_EQ(sink_.last().output, (json::object{{"ExecutionArn", childArn()}, {"StartDate", 1700000000250}}));
}

TEST_F(StartExecutionTest, ARepeatedStartFindsTheSameChild) {
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution.sync", childParameters()), sink_);
  StartExecutionIntegration afterCrash(caller_);
  RecordingSink sink2;
  afterCrash.start(context_, taskRequest("arn:aws:states:::states:startExecution.sync", childParameters()), sink2);
  EXPECT_EQ(fake_.executions.size(), 1u);
  EXPECT_EQ(sink2.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted}));
  finishChild("SUCCEEDED", R"({"ok":true})");
  afterCrash.poll();
  EXPECT_EQ(sink2.last().kind, Kind::kTaskSucceeded);
}

TEST_F(StartExecutionTest, AGivenNameIsKept) {
  json::value params = childParameters();
  params.as_object()["Name"] = "nightly-7";
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution", params), sink_);
  EXPECT_EQ(fake_.callsOf("StartExecution").at(0).input.at("name"), "nightly-7");
}

TEST_F(StartExecutionTest, SyncSucceedsWithTheDescriptionAndOutputAsText) {
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution.sync", childParameters()), sink_);
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted}));
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);  // child still running
  finishChild("SUCCEEDED", R"({"ok":true})");
  integration_.poll();
  ASSERT_EQ(sink_.last().kind, Kind::kTaskSucceeded);
  const json::value& out = sink_.last().output;
  EXPECT_EQ(out.at("ExecutionArn"), json::value(childArn()));
  EXPECT_EQ(out.at("Status"), "SUCCEEDED");
  EXPECT_EQ(out.at("Output"), R"({"ok":true})");
  EXPECT_TRUE(out.at("Input").is_string());
  EXPECT_EQ(out.at("StopDate"), 1700000002000);
  EXPECT_EQ(out.at("OutputDetails").at("Included"), true);
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 3u);
}

TEST_F(StartExecutionTest, Sync2ParsesInputAndOutput) {
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution.sync:2", childParameters()), sink_);
  finishChild("SUCCEEDED", R"({"ok":true})");
  integration_.poll();
  const json::value& out = sink_.last().output;
  EXPECT_EQ(out.at("Output"), json::parse(R"({"ok":true})"));
  EXPECT_EQ(out.at("Input"), childParameters().at("Input"));
}

TEST_F(StartExecutionTest, AFailedChildFailsTheStateWithItsDescriptionAsCause) {
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution.sync:2", childParameters()), sink_);
  finishChild("FAILED", "");
  integration_.poll();
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_EQ(sink_.last().error, "States.TaskFailed");
  json::value cause = json::parse(sink_.last().cause.value());
  EXPECT_EQ(cause.at("Status"), "FAILED");
  EXPECT_EQ(cause.at("Error"), "Boom");
  EXPECT_EQ(cause.at("Cause"), "it broke");
}

TEST_F(StartExecutionTest, ApiErrorsAreStepFunctionsErrors) {
  json::value params = childParameters();
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution", params), sink_);
  params.as_object()["Input"] = json::object{{"different", true}};
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution", params), sink_);
  ASSERT_EQ(sink_.last().kind, Kind::kTaskFailed);
  EXPECT_EQ(sink_.last().error, "StepFunctions.ExecutionAlreadyExists");
}

TEST_F(StartExecutionTest, WaitForTaskTokenOnlySubmits) {
  integration_.start(context_,
                     taskRequest("arn:aws:states:::states:startExecution.waitForTaskToken", childParameters()), sink_);
  ASSERT_EQ(sink_.kinds(), (std::vector{Kind::kTaskStarted, Kind::kTaskSubmitted}));
  finishChild("SUCCEEDED", "{}");
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);
}

TEST_F(StartExecutionTest, CancelStopsASyncChild) {
  integration_.start(context_, taskRequest("arn:aws:states:::states:startExecution.sync", childParameters()), sink_);
  integration_.cancel(context_, "task-1");
  auto stops = fake_.callsOf("StopExecution");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].input.at("executionArn"), json::value(childArn()));
  integration_.poll();
  EXPECT_EQ(sink_.reports.size(), 2u);
}

}  // namespace
}  // namespace wharf::sfn::testing
