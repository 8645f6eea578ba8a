#include "sfn_http_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "sfn/asl/definition.h"
#include "sfn/asl/json_text.h"

namespace wharf::conformance {
namespace {

using Json = boost::json::value;

// The recorded role is masked (snf_role_arn); any role will do, Wharf assumes none.
constexpr std::string_view kRoleArn = "arn:aws:iam::111111111111:role/sfn-conformance";
// Small pages, so that most histories take several GetExecutionHistory calls.
constexpr int kHistoryPage = 10;
// The longest recorded execution (timeouts/global_timeout) takes 5 s.
constexpr std::chrono::seconds kExecutionTimeout{120};
constexpr std::chrono::milliseconds kFirstPoll{10}, kMaxPoll{250};

CaseResult failed(std::string detail) { return {CaseResult::Kind::kFailed, std::move(detail)}; }

std::string describe(const Error& e) { return e.type.empty() ? e.message : e.type + ": " + e.message; }

std::optional<std::string> optionalString(const boost::json::object& o, std::string_view key) {
  const Json* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

// Acts as the recorded activity worker: takes each task with GetActivityTask under the recorded
// worker name and answers it as the recording did (a heartbeat first where one was asked for).
std::optional<std::string> workActivities(SfnHttpClient& client, const Json& activityArn,
                                          const boost::json::array& recorded) {
  std::string workerName = "worker";
  bool heartbeat = false;
  for (const Json& e : recorded) {
    std::string_view type = e.at("type").as_string();
    const auto& event = e.as_object();
    if (type == "ActivityScheduled") {
      heartbeat = event.at("activityScheduledEventDetails").as_object().contains("heartbeatInSeconds");
    } else if (type == "ActivityStarted") {
      workerName = std::string(event.at("activityStartedEventDetails").at("workerName").as_string());
    } else if (type == "ActivitySucceeded" || type == "ActivityFailed") {
      auto task = client.call("GetActivityTask", {{"activityArn", activityArn}, {"workerName", workerName}});
      if (!task) return "GetActivityTask: " + describe(task.error());
      const Json* token = task->if_contains("taskToken");
      if (!token || !token->is_string() || token->get_string().empty()) return "GetActivityTask returned no task";
      if (heartbeat) {
        if (auto r = client.call("SendTaskHeartbeat", {{"taskToken", *token}}); !r)
          return "SendTaskHeartbeat: " + describe(r.error());
      }
      auto text = [](const Json& v) { return v.is_string() ? std::string(v.get_string()) : asl::toJsonText(v); };
      Result<boost::json::object> answered;
      if (type == "ActivitySucceeded") {
        const Json& output = event.at("activitySucceededEventDetails").at("output");
        answered = client.call("SendTaskSuccess", {{"taskToken", *token}, {"output", text(output)}});
      } else {
        boost::json::object failure{{"taskToken", *token}};
        for (const auto& [key, value] : event.at("activityFailedEventDetails").as_object()) failure[key] = text(value);
        answered = client.call("SendTaskFailure", failure);
      }
      if (!answered) return std::string(type) + " answer: " + describe(answered.error());
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> replayOnlyReason(const boost::json::object& c) {
  for (const Json& r : c.at("requires").as_array()) {
    std::string_view need = r.as_string();
    if (need == "callback") return "needs an outside caller of SendTaskSuccess/Failure";
    if (need == "stop-execution") return "was ended by an outside StopExecution";
    if (need == "credentials") return "assumes roles in other accounts";
    if (need == "sfn" || need == "aws-sdk:sfn") return "starts nested state machines the corpus does not record";
  }
  boost::json::array lacking;
  for (const Json& r : c.at("requires").as_array()) {
    if (r != "activity") lacking.push_back(r);
  }
  if (lacking.empty()) return std::nullopt;
  return fmt::format("needs {} (not in Wharf)", boost::json::serialize(lacking));
}

CaseResult runOverHttp(SfnHttpClient& client, const boost::json::object& c, const std::string& name) {
  const auto& expected = c.at("expected").as_object();
  const auto& requires_ = c.at("requires").as_array();
  const Json* recorded = expected.if_contains("events");
  Json definitionJson = c.at("definition");
  Json activityArn;
  if (std::find(requires_.begin(), requires_.end(), Json("activity")) != requires_.end()) {
    if (!recorded) return {CaseResult::Kind::kSkipped, "an activity case without a recorded history to answer from"};
    auto activity = client.call("CreateActivity", {{"name", name}});
    if (!activity) return failed("CreateActivity: " + describe(activity.error()));
    activityArn = activity->at("activityArn");
    substituteActivityArns(definitionJson, activityArn.as_string());
  }
  std::string definition = asl::toJsonText(definitionJson);
  auto machine = asl::parseDefinition(definition);
  if (!machine) return failed("definition: " + machine.error().message);

  auto created = client.call("CreateStateMachine",
                             {{"name", name}, {"definition", definition}, {"roleArn", kRoleArn}, {"type", "STANDARD"}});
  if (!created) return failed("CreateStateMachine: " + describe(created.error()));
  auto started = client.call(
      "StartExecution",
      {{"stateMachineArn", created->at("stateMachineArn")}, {"name", name}, {"input", asl::toJsonText(c.at("input"))}});
  if (!started) return failed("StartExecution: " + describe(started.error()));
  const Json arn = started->at("executionArn");
  if (!activityArn.is_null()) {
    if (auto problem = workActivities(client, activityArn, recorded->as_array())) return failed(*problem);
  }

  boost::json::object described;
  auto delay = kFirstPoll;
  auto deadline = std::chrono::steady_clock::now() + kExecutionTimeout;
  for (;;) {
    auto d = client.call("DescribeExecution", {{"executionArn", arn}});
    if (!d) return failed("DescribeExecution: " + describe(d.error()));
    described = std::move(*d);
    if (described.at("status") != "RUNNING") break;
    if (std::chrono::steady_clock::now() > deadline)
      return failed(fmt::format("still RUNNING after {} s", kExecutionTimeout.count()));
    std::this_thread::sleep_for(delay);
    delay = std::min(kMaxPoll, delay * 2);
  }

  Outcome outcome;
  outcome.status = std::string(described.at("status").as_string());
  if (auto text = optionalString(described, "output")) {
    auto parsed = asl::parseJsonText(*text);
    if (!parsed) return failed("DescribeExecution output is not JSON: " + *text);
    outcome.output = std::move(*parsed);
  }
  outcome.error = optionalString(described, "error");
  outcome.cause = optionalString(described, "cause");
  boost::json::object page{{"executionArn", arn}, {"maxResults", kHistoryPage}};
  for (;;) {
    auto h = client.call("GetExecutionHistory", page);
    if (!h) return failed("GetExecutionHistory: " + describe(h.error()));
    auto& events = h->at("events").as_array();
    if (events.size() > static_cast<size_t>(kHistoryPage))
      return failed(
          fmt::format("GetExecutionHistory returned {} events for maxResults {}", events.size(), kHistoryPage));
    for (auto& e : events) outcome.history.push_back(std::move(e));
    const Json* next = h->if_contains("nextToken");
    if (!next || next->is_null()) break;
    page["nextToken"] = *next;
  }
  return compareOutcome(expected, **machine, outcome);
}

}  // namespace wharf::conformance
