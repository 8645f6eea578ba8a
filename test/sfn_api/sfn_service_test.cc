#include "sfn/api/sfn_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "store/store.h"

namespace wharf::sfn {
namespace {
namespace json = boost::json;

constexpr const char* kRole = "arn:aws:iam::123456789012:role/r";
constexpr const char* kPass = R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"ok":true},"End":true}}})";
constexpr const char* kActivityArn = "arn:aws:states:us-east-1:123456789012:activity:work";

class SfnServiceTest : public ::testing::Test {
 protected:
  SfnServiceTest() : clock_(std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))) {
    dir_ = std::filesystem::temp_directory_path() / ("sfn-api-" + makeRandomIdGenerator()->hex(8));
    store_ = *openSqliteStore((dir_ / "wharf.db").string());
    reopen();
  }
  ~SfnServiceTest() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    service_.reset();
    router_ = api::Router();
    SfnConfig config;
    config.accountId = "123456789012";
    config.timerThread = false;
    auto s = SfnService::open(*store_, clock_, *ids_, config, {}, nullptr);
    ASSERT_TRUE(s) << s.error().message;
    service_ = std::move(*s);
    service_->registerHandlers(router_);
  }

  Result<json::value> call(std::string_view op, json::object in) {
    std::string target = "AWSStepFunctions." + std::string(op);
    api::RequestContext ctx;
    if (const auto* h = router_.find(target)) return (*h)(ctx, in);
    const auto* async = router_.findAsync(target);
    EXPECT_TRUE(async) << op;
    std::promise<Result<json::value>> answer;
    (*async)(ctx, std::move(in), [&](Result<json::value> r) { answer.set_value(std::move(r)); });
    auto out = answer.get_future().get();
    service_->engine().drain();
    return out;
  }
  json::object ok(std::string_view op, json::object in) {
    auto r = call(op, std::move(in));
    EXPECT_TRUE(r) << op << ": " << r.error().type << " " << r.error().message;
    return r ? r->as_object() : json::object{};
  }
  std::string errorType(std::string_view op, json::object in) {
    auto r = call(op, std::move(in));
    return r ? "(success)" : r.error().type;
  }
  std::string createMachine(const char* definition = kPass, std::string type = "STANDARD", std::string name = "sm") {
    return std::string(
        ok("CreateStateMachine", {{"name", name}, {"definition", definition}, {"roleArn", kRole}, {"type", type}})
            .at("stateMachineArn")
            .as_string());
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<IdGenerator> ids_ = makeSequentialIdGenerator(3);
  std::unique_ptr<Store> store_;
  api::Router router_;
  std::unique_ptr<SfnService> service_;
};

TEST_F(SfnServiceTest, StateMachineLifecycle) {
  std::string arn = createMachine();
  EXPECT_EQ(arn, "arn:aws:states:us-east-1:123456789012:stateMachine:sm");
  EXPECT_EQ(createMachine(), arn);  // identical: idempotent
  EXPECT_EQ(errorType("CreateStateMachine", {{"name", "sm"},
                                             {"definition", R"({"StartAt":"B","States":{"B":{"Type":"Succeed"}}})"},
                                             {"roleArn", kRole}}),
            "StateMachineAlreadyExists");
  EXPECT_EQ(errorType("CreateStateMachine", {{"name", "bad name"}, {"definition", kPass}, {"roleArn", kRole}}),
            "InvalidName");
  auto invalid = call("CreateStateMachine",
                      {{"name", "x"}, {"definition", R"({"StartAt":"Nope","States":{}})"}, {"roleArn", kRole}});
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().type, "InvalidDefinition");
  EXPECT_TRUE(invalid.error().message.starts_with("Invalid State Machine Definition")) << invalid.error().message;

  auto d = ok("DescribeStateMachine", {{"stateMachineArn", arn}});
  EXPECT_EQ(d.at("definition").as_string(), kPass);
  EXPECT_EQ(d.at("type").as_string(), "STANDARD");
  EXPECT_EQ(d.at("loggingConfiguration").at("level").as_string(), "OFF");
  ok("UpdateStateMachine",
     {{"stateMachineArn", arn}, {"definition", R"({"StartAt":"B","States":{"B":{"Type":"Succeed"}}})"}});
  reopen();  // read models come back from the store
  EXPECT_TRUE(ok("DescribeStateMachine", {{"stateMachineArn", arn}})
                  .at("definition")
                  .as_string()
                  .starts_with(R"({"StartAt":"B")"));
  createMachine(kPass, "EXPRESS", "sm2");
  auto page = ok("ListStateMachines", {{"maxResults", 1}});
  EXPECT_EQ(page.at("stateMachines").as_array().size(), 1u);
  auto rest = ok("ListStateMachines", {{"nextToken", page.at("nextToken")}});
  EXPECT_EQ(rest.at("stateMachines").as_array().size(), 1u);
  EXPECT_FALSE(rest.contains("nextToken"));
  ok("DeleteStateMachine", {{"stateMachineArn", arn}});
  EXPECT_EQ(errorType("DescribeStateMachine", {{"stateMachineArn", arn}}), "StateMachineDoesNotExist");
  EXPECT_EQ(errorType("DescribeStateMachine", {{"stateMachineArn", "arn:nope"}}), "InvalidArn");
}

TEST_F(SfnServiceTest, ValidateReportsDiagnostics) {
  EXPECT_EQ(ok("ValidateStateMachineDefinition", {{"definition", kPass}}).at("result").as_string(), "OK");
  auto bad = ok("ValidateStateMachineDefinition",
                {{"definition", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})"}});
  EXPECT_EQ(bad.at("result").as_string(), "FAIL");
  ASSERT_FALSE(bad.at("diagnostics").as_array().empty());
  const auto& diag = bad.at("diagnostics").as_array()[0].as_object();
  EXPECT_EQ(diag.at("severity").as_string(), "ERROR");
  EXPECT_FALSE(diag.at("code").as_string().empty());
}

TEST_F(SfnServiceTest, ExecutionsAndHistory) {
  std::string sm = createMachine();
  auto started = ok("StartExecution", {{"stateMachineArn", sm}, {"name", "e1"}, {"input", R"({"a":1})"}});
  std::string arn(started.at("executionArn").as_string());
  EXPECT_EQ(arn, "arn:aws:states:us-east-1:123456789012:execution:sm:e1");
  EXPECT_EQ(errorType("StartExecution", {{"stateMachineArn", sm}, {"name", "e1"}, {"input", R"({"a":2})"}}),
            "ExecutionAlreadyExists");
  EXPECT_EQ(errorType("StartExecution", {{"stateMachineArn", sm}, {"input", "{nope"}}), "InvalidExecutionInput");
  EXPECT_EQ(errorType("StartExecution", {{"stateMachineArn", sm + "x"}}), "StateMachineDoesNotExist");
  auto d = ok("DescribeExecution", {{"executionArn", arn}});
  EXPECT_EQ(d.at("status").as_string(), "SUCCEEDED");
  EXPECT_EQ(d.at("output").as_string(), R"({"ok":true})");
  EXPECT_EQ(ok("DescribeStateMachineForExecution", {{"executionArn", arn}}).at("definition").as_string(), kPass);

  auto h = ok("GetExecutionHistory", {{"executionArn", arn}, {"maxResults", 2}});
  ASSERT_EQ(h.at("events").as_array().size(), 2u);
  EXPECT_EQ(h.at("events").as_array()[0].at("type").as_string(), "ExecutionStarted");
  auto h2 = ok("GetExecutionHistory", {{"executionArn", arn}, {"nextToken", h.at("nextToken")}});
  EXPECT_EQ(h2.at("events").as_array().size(), 2u);
  EXPECT_FALSE(h2.contains("nextToken"));
  auto rev =
      ok("GetExecutionHistory", {{"executionArn", arn}, {"reverseOrder", true}, {"includeExecutionData", false}});
  const auto& last = rev.at("events").as_array()[0].as_object();
  EXPECT_EQ(last.at("type").as_string(), "ExecutionSucceeded");
  EXPECT_FALSE(last.at("executionSucceededEventDetails").as_object().contains("output"));

  ok("StartExecution", {{"stateMachineArn", sm}, {"name", "e2"}});
  auto list = ok("ListExecutions", {{"stateMachineArn", sm}, {"statusFilter", "SUCCEEDED"}, {"maxResults", 1}});
  EXPECT_EQ(list.at("executions").as_array().size(), 1u);
  EXPECT_TRUE(list.contains("nextToken"));
  EXPECT_EQ(
      ok("ListExecutions", {{"stateMachineArn", sm}, {"statusFilter", "RUNNING"}}).at("executions").as_array().size(),
      0u);
  EXPECT_EQ(errorType("RedriveExecution", {{"executionArn", arn}}), "ExecutionNotRedrivable");
}

TEST_F(SfnServiceTest, SyncExecutionOnlyForExpress) {
  std::string standard = createMachine();
  EXPECT_EQ(errorType("StartSyncExecution", {{"stateMachineArn", standard}}), "StateMachineTypeNotSupported");
  std::string express = createMachine(kPass, "EXPRESS", "fast");
  auto out = ok("StartSyncExecution", {{"stateMachineArn", express}, {"name", "x"}});
  EXPECT_EQ(out.at("status").as_string(), "SUCCEEDED");
  EXPECT_EQ(out.at("output").as_string(), R"({"ok":true})");
  EXPECT_TRUE(out.at("executionArn").as_string().starts_with("arn:aws:states:us-east-1:123456789012:express:fast:x:"));
}

TEST_F(SfnServiceTest, ActivitiesAndTokens) {
  auto created = ok("CreateActivity", {{"name", "work"}});
  EXPECT_EQ(created.at("activityArn").as_string(), kActivityArn);
  EXPECT_EQ(ok("DescribeActivity", {{"activityArn", kActivityArn}}).at("name").as_string(), "work");
  EXPECT_EQ(ok("ListActivities", {}).at("activities").as_array().size(), 1u);
  std::string sm = createMachine(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","End":true}}})");
  std::string arn(
      ok("StartExecution", {{"stateMachineArn", sm}, {"input", R"({"n":5})"}}).at("executionArn").as_string());
  auto task = ok("GetActivityTask", {{"activityArn", kActivityArn}, {"workerName", "w"}});
  EXPECT_EQ(task.at("input").as_string(), R"({"n":5})");
  ok("SendTaskSuccess", {{"taskToken", task.at("taskToken")}, {"output", R"({"done":1})"}});
  EXPECT_EQ(ok("DescribeExecution", {{"executionArn", arn}}).at("output").as_string(), R"({"done":1})");
  EXPECT_EQ(errorType("SendTaskFailure", {{"taskToken", task.at("taskToken")}}), "TaskDoesNotExist");
  EXPECT_EQ(errorType("GetActivityTask", {{"activityArn", kActivityArn + std::string("x")}}), "ActivityDoesNotExist");
  ok("DeleteActivity", {{"activityArn", kActivityArn}});
  EXPECT_EQ(errorType("DescribeActivity", {{"activityArn", kActivityArn}}), "ActivityDoesNotExist");
}

TEST_F(SfnServiceTest, StopExecution) {
  std::string sm = createMachine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}})");
  std::string arn(ok("StartExecution", {{"stateMachineArn", sm}}).at("executionArn").as_string());
  ok("StopExecution", {{"executionArn", arn}, {"error", "Why"}, {"cause", "because"}});
  auto d = ok("DescribeExecution", {{"executionArn", arn}});
  EXPECT_EQ(d.at("status").as_string(), "ABORTED");
  EXPECT_EQ(d.at("error").as_string(), "Why");
}

TEST_F(SfnServiceTest, Tags) {
  std::string sm = createMachine();
  ok("TagResource", {{"resourceArn", sm}, {"tags", json::array{json::object{{"key", "team"}, {"value", "a"}}}}});
  reopen();
  auto tags = ok("ListTagsForResource", {{"resourceArn", sm}}).at("tags").as_array();
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].at("key").as_string(), "team");
  ok("UntagResource", {{"resourceArn", sm}, {"tagKeys", json::array{"team"}}});
  EXPECT_TRUE(ok("ListTagsForResource", {{"resourceArn", sm}}).at("tags").as_array().empty());
  EXPECT_EQ(errorType("ListTagsForResource", {{"resourceArn", sm + "x"}}), "ResourceNotFound");
}

TEST_F(SfnServiceTest, RedriveFailedActivityExecution) {
  ok("CreateActivity", {{"name", "work"}});
  std::string sm = createMachine(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","End":true}}})");
  std::string arn(ok("StartExecution", {{"stateMachineArn", sm}, {"name", "r"}, {"input", R"({"n":5})"}})
                      .at("executionArn")
                      .as_string());
  auto task = ok("GetActivityTask", {{"activityArn", kActivityArn}, {"workerName", "w"}});
  ok("SendTaskFailure", {{"taskToken", task.at("taskToken")}, {"error", "Flaky"}});
  auto failed = ok("DescribeExecution", {{"executionArn", arn}});
  EXPECT_EQ(failed.at("status").as_string(), "FAILED");
  EXPECT_EQ(failed.at("redriveStatus").as_string(), "REDRIVABLE");
  EXPECT_EQ(failed.at("redriveCount").as_int64(), 0);
  EXPECT_FALSE(failed.contains("redriveStatusReason"));
  EXPECT_FALSE(failed.contains("redriveDate"));
  EXPECT_EQ(
      ok("ListExecutions", {{"stateMachineArn", sm}, {"redriveFilter", "REDRIVEN"}}).at("executions").as_array().size(),
      0u);

  clock_.advance(std::chrono::seconds(60));
  auto redriven = ok("RedriveExecution", {{"executionArn", arn}, {"clientToken", "tok"}});
  EXPECT_EQ(redriven.at("redriveDate").as_double(), 1'700'000'060.0);
  EXPECT_EQ(ok("RedriveExecution", {{"executionArn", arn}, {"clientToken", "tok"}}).at("redriveDate"),
            redriven.at("redriveDate"));  // the same token: the same answer, no second redrive
  auto running = ok("DescribeExecution", {{"executionArn", arn}});
  EXPECT_EQ(running.at("status").as_string(), "RUNNING");
  EXPECT_FALSE(running.contains("stopDate"));
  EXPECT_FALSE(running.contains("error"));
  EXPECT_EQ(running.at("redriveCount").as_int64(), 1);
  EXPECT_EQ(running.at("redriveDate"), redriven.at("redriveDate"));
  EXPECT_EQ(running.at("redriveStatus").as_string(), "NOT_REDRIVABLE");
  EXPECT_EQ(running.at("redriveStatusReason").as_string(), "Execution is RUNNING and cannot be redriven");
  EXPECT_EQ(errorType("RedriveExecution", {{"executionArn", arn}}), "ExecutionNotRedrivable");

  task = ok("GetActivityTask", {{"activityArn", kActivityArn}, {"workerName", "w"}});
  EXPECT_EQ(task.at("input").as_string(), R"({"n":5})");
  ok("SendTaskSuccess", {{"taskToken", task.at("taskToken")}, {"output", R"({"done":1})"}});
  auto done = ok("DescribeExecution", {{"executionArn", arn}});
  EXPECT_EQ(done.at("status").as_string(), "SUCCEEDED");
  EXPECT_EQ(done.at("redriveStatusReason").as_string(), "Execution is SUCCEEDED and cannot be redriven");
  auto events = ok("GetExecutionHistory", {{"executionArn", arn}}).at("events").as_array();
  std::vector<std::string> types;
  for (const auto& e : events) types.emplace_back(e.at("type").as_string());
  auto at = std::find(types.begin(), types.end(), "ExecutionRedriven");
  ASSERT_NE(at, types.end());
  EXPECT_EQ(*(at - 1), "ExecutionFailed");
  EXPECT_EQ(*(at + 1), "TaskStateEntered");
  EXPECT_EQ(events[static_cast<size_t>(at - types.begin())].at("executionRedrivenEventDetails"),
            json::parse(R"({"redriveCount":1})"));
  EXPECT_EQ(types.back(), "ExecutionSucceeded");

  auto list = ok("ListExecutions", {{"stateMachineArn", sm}, {"redriveFilter", "REDRIVEN"}}).at("executions");
  ASSERT_EQ(list.as_array().size(), 1u);
  EXPECT_EQ(list.as_array()[0].at("redriveCount").as_int64(), 1);
  EXPECT_TRUE(list.as_array()[0].as_object().contains("redriveDate"));
  EXPECT_EQ(ok("ListExecutions", {{"redriveFilter", "NOT_REDRIVEN"}}).at("executions").as_array().size(), 0u);
  EXPECT_EQ(errorType("ListExecutions", {{"redriveFilter", "MAYBE"}}), "ValidationException");
}

TEST_F(SfnServiceTest, RedriveRefusals) {
  EXPECT_EQ(errorType("RedriveExecution", {{"executionArn", "arn:aws:states:us-east-1:123456789012:execution:sm:x"}}),
            "ExecutionDoesNotExist");
  std::string sm = createMachine(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}})");
  std::string arn(ok("StartExecution", {{"stateMachineArn", sm}}).at("executionArn").as_string());
  EXPECT_EQ(errorType("RedriveExecution", {{"executionArn", arn}, {"clientToken", ""}}), "ValidationException");
  ok("RedriveExecution", {{"executionArn", arn}});  // the Fail state fails it again
  auto d = ok("DescribeExecution", {{"executionArn", arn}});
  EXPECT_EQ(d.at("status").as_string(), "FAILED");
  EXPECT_EQ(d.at("redriveCount").as_int64(), 1);
  EXPECT_EQ(d.at("redriveStatus").as_string(), "REDRIVABLE");
  ok("DeleteStateMachine", {{"stateMachineArn", sm}});
  d = ok("DescribeExecution", {{"executionArn", arn}});
  EXPECT_EQ(d.at("redriveStatus").as_string(), "NOT_REDRIVABLE");
  EXPECT_EQ(d.at("redriveStatusReason").as_string(), "State machine is in DELETING status");
  EXPECT_EQ(errorType("RedriveExecution", {{"executionArn", arn}}), "ExecutionNotRedrivable");

  std::string express = createMachine(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}})", "EXPRESS", "x");
  auto out = ok("StartSyncExecution", {{"stateMachineArn", express}});
  EXPECT_EQ(out.at("status").as_string(), "FAILED");
  EXPECT_EQ(errorType("RedriveExecution", {{"executionArn", out.at("executionArn")}}), "ExecutionNotRedrivable");
}

}  // namespace
}  // namespace wharf::sfn
