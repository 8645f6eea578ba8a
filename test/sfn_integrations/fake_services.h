// Test double of Wharf's ECS and Step Functions APIs behind a real api::Router: records every
// call and keeps just enough state (tasks, client tokens, executions) for the integrations.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/router.h"
#include "common/ids.h"
#include "sfn/integrations/integration.h"
#include "sfn/integrations/service_caller.h"

namespace wharf::sfn::testing {

namespace json = boost::json;

struct Call {
  std::string operation;
  json::object input;
};

inline std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

class FakeServices {
 public:
  FakeServices() {
    ecs("RunTask", [this](const json::object& in) { return runTask(in); });
    ecs("DescribeTasks", [this](const json::object& in) -> Result<json::value> {
      json::array found, failures;
      for (const auto& arn : in.at("tasks").as_array()) {
        auto it = tasks.find(std::string(arn.as_string()));
        if (it == tasks.end()) {
          failures.push_back(json::object{{"arn", arn}, {"reason", "MISSING"}});
        } else {
          found.push_back(it->second);
        }
      }
      return json::object{{"tasks", found}, {"failures", failures}};
    });
    ecs("DescribeTaskDefinition", [this](const json::object& in) -> Result<json::value> {
      json::array containers;
      for (std::string name : {"app", "sidecar"}) {
        bool essential = std::find(nonEssential.begin(), nonEssential.end(), name) == nonEssential.end();
        containers.push_back(json::object{{"name", name}, {"essential", essential}});
      }
      return json::object{
          {"taskDefinition", {{"taskDefinitionArn", in.at("taskDefinition")}, {"containerDefinitions", containers}}}};
    });
    ecs("StopTask", [this](const json::object& in) -> Result<json::value> {
      json::object& t = tasks.at(str(in, "task"));
      t["desiredStatus"] = "STOPPED";
      t["stopCode"] = "UserInitiated";
      return json::object{{"task", t}};
    });
    ecs("DescribeClusters", [](const json::object& in) -> Result<json::value> {
      json::array clusters;
      for (const auto& c : in.at("clusters").as_array()) {
        if (c == "missing") return fail(ErrorCode::kNotFound, "ClusterNotFoundException", "Cluster not found.");
        clusters.push_back(json::object{{"clusterName", c}, {"status", "ACTIVE"}, {"runningTasksCount", 2}});
      }
      return json::object{{"clusters", clusters}, {"failures", json::array()}};
    });
    sfn("StartExecution", [this](const json::object& in) -> Result<json::value> {
      std::string arn = str(in, "stateMachineArn");
      arn.replace(arn.find(":stateMachine:"), 14, ":execution:");
      arn += ":" + str(in, "name");
      if (auto it = executions.find(arn); it != executions.end()) {
        if (str(it->second, "input") != str(in, "input")) {
          return fail(ErrorCode::kConflict, "ExecutionAlreadyExists", "Execution Already Exists: '" + arn + "'");
        }
      } else {
        executions[arn] = {{"executionArn", arn},
                           {"stateMachineArn", in.at("stateMachineArn")},
                           {"name", in.at("name")},
                           {"status", "RUNNING"},
                           {"startDate", 1700000000.25},
                           {"input", in.contains("input") ? in.at("input") : "{}"},
                           {"inputDetails", {{"included", true}}}};
      }
      return json::object{{"executionArn", arn}, {"startDate", executions[arn].at("startDate")}};
    });
    sfn("DescribeExecution", [this](const json::object& in) -> Result<json::value> {
      auto it = executions.find(str(in, "executionArn"));
      if (it == executions.end()) {
        return fail(ErrorCode::kNotFound, "ExecutionDoesNotExist",
                    "Execution Does Not Exist: '" + str(in, "executionArn") + "'");
      }
      return it->second;
    });
    sfn("StopExecution", [this](const json::object& in) -> Result<json::value> {
      executions.at(str(in, "executionArn"))["status"] = "ABORTED";
      return json::object{{"stopDate", 1700000001.0}};
    });
    router.add("Logs_20140328", "ListTagsForResource",
               record("ListTagsForResource", [](const json::object&) -> Result<json::value> {
                 return json::object{{"tags", {{"team-key", "data"}}}};
               }));
    router.add("Logs_20140328", "DescribeLogGroups",
               record("DescribeLogGroups", [](const json::object& in) -> Result<json::value> {
                 return json::object{
                     {"logGroups", json::array{json::object{{"logGroupName", str(in, "logGroupNamePrefix") + "-1"},
                                                            {"creationTime", 1700000000000}}}}};
               }));
  }

  api::Router router;
  std::vector<Call> calls;
  std::map<std::string, json::object> tasks;       // ECS tasks by ARN, as DescribeTasks shows them
  std::map<std::string, json::object> executions;  // Step Functions executions by ARN
  std::vector<std::string> nonEssential;           // container names the task definition marks so
  std::string runTaskFailure;                      // when set, RunTask lists this failure reason

  std::vector<Call> callsOf(const std::string& operation) const {
    std::vector<Call> out;
    for (const Call& c : calls) {
      if (c.operation == operation) out.push_back(c);
    }
    return out;
  }

  // Moves a task to STOPPED with the given exit codes of its containers "app" and "sidecar".
  void stopTask(const std::string& arn, std::optional<int> appExit, std::optional<int> sidecarExit,
                const std::string& stopCode = "EssentialContainerExited") {
    json::object& t = tasks.at(arn);
    t["lastStatus"] = "STOPPED";
    t["stopCode"] = stopCode;
    t["stoppedAt"] = 1700000100.0;
    json::array& containers = t["containers"].as_array();
    for (auto [i, code] : {std::pair{0, appExit}, std::pair{1, sidecarExit}}) {
      json::object& c = containers[i].as_object();
      c["lastStatus"] = "STOPPED";
      if (code) c["exitCode"] = *code;
    }
  }

 private:
  using Fake = std::function<Result<json::value>(const json::object&)>;

  api::Handler record(std::string operation, Fake fake) {
    return [this, operation, fake](const api::RequestContext& ctx, const json::object& in) {
      calls.push_back({operation, in});
      return fake(in);
    };
  }
  void ecs(std::string operation, Fake fake) {
    router.add("AmazonEC2ContainerServiceV20141113", operation, record(operation, std::move(fake)));
  }
  void sfn(std::string operation, Fake fake) {
    router.add("AWSStepFunctions", operation, record(operation, std::move(fake)));
  }

  Result<json::value> runTask(const json::object& in) {
    std::string cluster = in.contains("cluster") ? str(in, "cluster") : "default";
    if (cluster == "missing") return fail(ErrorCode::kNotFound, "ClusterNotFoundException", "Cluster not found.");
    std::string token = str(in, "clientToken");
    if (auto it = tokens_.find(token); !token.empty() && it != tokens_.end()) return it->second;
    json::object response{{"tasks", json::array()}, {"failures", json::array()}};
    if (!runTaskFailure.empty()) {
      response["failures"].as_array().push_back(json::object{{"reason", runTaskFailure}});
    } else {
      int64_t count = in.contains("count") ? in.at("count").to_number<int64_t>() : 1;
      for (int64_t i = 0; i < count; ++i) {
        std::string arn = "arn:aws:ecs:us-east-1:123456789012:task/" + cluster + "/" + std::to_string(++next_);
        json::object task{
            {"taskArn", arn},
            {"clusterArn", "arn:aws:ecs:us-east-1:123456789012:cluster/" + cluster},
            {"taskDefinitionArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/" + str(in, "taskDefinition")},
            {"lastStatus", "PROVISIONING"},
            {"desiredStatus", "RUNNING"},
            {"startedBy", in.at("startedBy")},
            {"createdAt", 1700000000.5},
            {"containers", json::array{json::object{{"name", "app"}, {"lastStatus", "PENDING"}},
                                       json::object{{"name", "sidecar"}, {"lastStatus", "PENDING"}}}}};
        if (in.contains("overrides")) task["overrides"] = in.at("overrides");
        tasks[arn] = task;
        response["tasks"].as_array().push_back(task);
      }
    }
    if (!token.empty()) tokens_[token] = response;
    return response;
  }

  std::map<std::string, json::object> tokens_;  // RunTask responses by clientToken
  int next_ = 0;
};

// Collects everything the integrations report, in order.
class RecordingSink : public TaskOutcomeSink {
 public:
  void report(const std::string& executionArn, const asl::StepInput& input) override {
    std::lock_guard lock(mutex_);
    reports.emplace_back(executionArn, input);
  }
  std::vector<asl::StepInput::Kind> kinds() const {
    std::vector<asl::StepInput::Kind> out;
    for (const auto& [arn, in] : reports) out.push_back(in.kind);
    return out;
  }
  const asl::StepInput& last() const { return reports.back().second; }

  std::vector<std::pair<std::string, asl::StepInput>> reports;

 private:
  std::mutex mutex_;
};

inline TaskContext testContext(std::string executionArn = "arn:aws:states:us-east-1:123456789012:execution:sm:run1") {
  return {std::move(executionArn), "arn:aws:states:us-east-1:123456789012:stateMachine:sm", "123456789012",
          "us-east-1"};
}

inline asl::TaskRequest taskRequest(std::string resource, json::value parameters, std::string taskId = "task-1") {
  asl::TaskRequest r;
  r.taskId = std::move(taskId);
  r.resource = std::move(resource);
  r.parameters = std::move(parameters);
  return r;
}

// The integration under test, calling the fake services, with a sink and a context to start it.
template <typename IntegrationType>
class IntegrationTest : public ::testing::Test {
 protected:
  std::unique_ptr<IdGenerator> ids_ = makeSequentialIdGenerator();
  FakeServices fake_;
  ServiceCaller caller_{fake_.router, *ids_};
  IntegrationType integration_{caller_};
  RecordingSink sink_;
  TaskContext context_ = testContext();
};

}  // namespace wharf::sfn::testing
