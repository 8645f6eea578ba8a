// StartExecution … GetExecutionHistory, RedriveExecution, and the task-token callbacks.
#include <fmt/format.h>

#include "sfn/api/sfn_model.h"
#include "sfn/asl/json_text.h"

namespace wharf::sfn {
namespace json = boost::json;

namespace {

std::unexpected<Error> executionMissing(const std::string& arn) {
  return fail(ErrorCode::kNotFound, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
}

std::string statusName(const ExecutionSummary& r) { return std::string(asl::executionStatusName(r.status)); }

json::object describeRecord(const ExecutionRecord& r) {
  json::object o{{"executionArn", r.executionArn},
                 {"stateMachineArn", r.stateMachineArn},
                 {"name", r.name},
                 {"status", statusName(r)},
                 {"startDate", epochSeconds(r.startMillis)},
                 {"input", r.input},
                 {"inputDetails", json::object{{"included", true}}}};
  if (!r.running()) o["stopDate"] = epochSeconds(r.stopMillis);
  if (r.output) {
    o["output"] = *r.output;
    o["outputDetails"] = json::object{{"included", true}};
  }
  if (r.error) o["error"] = *r.error;
  if (r.cause) o["cause"] = *r.cause;
  return o;
}

constexpr std::string_view kMachineDeleted = "State machine is in DELETING status";

bool machineExists(SfnModel& m, const std::string& arn) {
  std::lock_guard lock(m.mu);
  return m.machines.contains(arn);
}

// Why the execution cannot be redriven now, or nullopt: the engine's reasons, and a state machine
// that was deleted meanwhile.
std::optional<std::string> notRedrivable(SfnModel& m, const ExecutionRecord& r) {
  if (auto reason = notRedrivableReason(r, m.clock.nowMillis())) return reason;
  if (!machineExists(m, r.stateMachineArn)) return std::string(kMachineDeleted);
  return std::nullopt;
}

void addRedriveCount(json::object& o, const ExecutionSummary& r) {
  o["redriveCount"] = r.redriveCount;
  if (r.redriveCount > 0) o["redriveDate"] = epochSeconds(r.redriveMillis);
}

// Checks the request and builds the record of the execution to start.
Result<std::pair<ExecutionRecord, asl::DefinitionPtr>> prepare(SfnModel& m, const json::object& in, bool sync) {
  std::string smArn = stringField(in, "stateMachineArn");
  if (auto r = checkArn(smArn, "stateMachine"); !r) return std::unexpected(r.error());
  std::string name = stringField(in, "name");
  if (name.empty()) name = m.ids.uuid();
  if (auto r = checkName(name); !r) return std::unexpected(r.error());
  std::string input = stringField(in, "input", "{}");
  if (auto parsed = asl::parseJsonText(input); !parsed)
    return fail(ErrorCode::kInvalidArgument, "InvalidExecutionInput",
                "Invalid State Machine Execution Input: '" + parsed.error().message + "'");
  std::lock_guard lock(m.mu);
  auto it = m.machines.find(smArn);
  if (it == m.machines.end())
    return fail(ErrorCode::kNotFound, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + smArn + "'");
  const StateMachineEntry& sm = it->second;
  bool express = sm.type == "EXPRESS";
  if (sync && !express)
    return fail(ErrorCode::kInvalidArgument, "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine");
  ExecutionRecord r;
  r.executionArn = express ? m.arn("express", fmt::format("{}:{}:{}", sm.name, name, m.ids.uuid()))
                           : m.arn("execution", fmt::format("{}:{}", sm.name, name));
  r.stateMachineArn = sm.arn;
  r.stateMachineName = sm.name;
  r.name = name;
  r.express = express;
  r.definition = sm.definition;
  r.roleArn = sm.roleArn;
  r.input = std::move(input);
  return std::pair{std::move(r), sm.parsed};
}

void startExecution(SfnModel& m, const json::object& in, api::Reply reply) {
  auto prepared = prepare(m, in, false);
  if (!prepared) return reply(std::unexpected(prepared.error()));
  m.engine->start(std::move(prepared->first), std::move(prepared->second), [reply](Result<ExecutionRecord> r) {
    if (!r) return reply(std::unexpected(r.error()));
    reply(json::object{{"executionArn", r->executionArn}, {"startDate", epochSeconds(r->startMillis)}});
  });
}

void startSyncExecution(SfnModel& m, const json::object& in, api::Reply reply) {
  auto prepared = prepare(m, in, true);
  if (!prepared) return reply(std::unexpected(prepared.error()));
  auto finished = [reply](Result<ExecutionRecord> r) {
    if (!r) return reply(std::unexpected(r.error()));
    json::object o = describeRecord(*r);
    int64_t billed = std::max<int64_t>(100, (r->stopMillis - r->startMillis + 99) / 100 * 100);
    o["billingDetails"] = json::object{{"billedMemoryUsedInMB", 64}, {"billedDurationInMilliseconds", billed}};
    reply(std::move(o));
  };
  m.engine->start(
      std::move(prepared->first), std::move(prepared->second),
      [reply](Result<ExecutionRecord> r) {
        if (!r) reply(std::unexpected(r.error()));
      },
      std::move(finished));
}

Result<json::value> stopExecution(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "executionArn");
  auto r = m.engine->stop(arn, optionalField(in, "error"), optionalField(in, "cause"));
  if (!r) return std::unexpected(r.error());
  return json::object{{"stopDate", epochSeconds(r->stopMillis)}};
}

Result<json::value> describeExecution(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "executionArn");
  auto r = m.engine->describe(arn);
  if (!r) return executionMissing(arn);
  json::object o = describeRecord(*r);
  addRedriveCount(o, *r);
  auto reason = notRedrivable(m, *r);
  o["redriveStatus"] = reason ? "NOT_REDRIVABLE" : "REDRIVABLE";
  if (reason) o["redriveStatusReason"] = *reason;
  return o;
}

Result<json::value> listExecutions(SfnModel& m, const json::object& in) {
  std::string smArn = stringField(in, "stateMachineArn");
  if (!smArn.empty()) {
    std::lock_guard lock(m.mu);
    if (!m.machines.contains(smArn))
      return fail(ErrorCode::kNotFound, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + smArn + "'");
  }
  auto filter = optionalField(in, "statusFilter");
  auto redriveFilter = optionalField(in, "redriveFilter");
  if (redriveFilter && *redriveFilter != "REDRIVEN" && *redriveFilter != "NOT_REDRIVEN")
    return fail(ErrorCode::kInvalidArgument, "ValidationException",
                "1 validation error detected: Value '" + *redriveFilter +
                    "' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: "
                    "[REDRIVEN, NOT_REDRIVEN]");
  std::vector<ExecutionSummary> selected = m.engine->list(smArn, [&](const ExecutionRecord& r) {
    return (!filter || statusName(r) == *filter) &&
           (!redriveFilter || (r.redriveCount > 0) == (*redriveFilter == "REDRIVEN"));
  });
  std::vector<std::string> keys;
  for (const auto& r : selected) keys.push_back(r.executionArn);
  return listPage(in, keys, "executions", [&](size_t i) -> json::value {
    const ExecutionSummary& r = selected[i];
    json::object o{{"executionArn", r.executionArn},
                   {"stateMachineArn", r.stateMachineArn},
                   {"name", r.name},
                   {"status", statusName(r)},
                   {"startDate", epochSeconds(r.startMillis)}};
    if (!r.running()) o["stopDate"] = epochSeconds(r.stopMillis);
    addRedriveCount(o, r);
    return o;
  });
}

// includeExecutionData=false: events keep their shape without inputs and outputs.
void stripData(json::object& event) {
  for (auto& [key, details] : event) {
    if (!details.is_object() || !key.ends_with("EventDetails")) continue;
    for (auto field : {"input", "output", "inputDetails", "outputDetails", "parameters"})
      details.as_object().erase(field);
  }
}

Result<json::value> getExecutionHistory(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "executionArn");
  auto rec = m.engine->describe(arn);
  if (!rec) return executionMissing(arn);
  if (rec->express)
    return fail(ErrorCode::kInvalidArgument, "InvalidArn",
                "Invalid Arn: 'Resource type not valid in this context: express'");
  int64_t max = intField(in, "maxResults", 0);
  if (max == 0) max = 100;
  bool reverse = in.contains("reverseOrder") && in.at("reverseOrder").is_bool() && in.at("reverseOrder").get_bool();
  const json::value* includeData = in.if_contains("includeExecutionData");
  bool include = !includeData || !includeData->is_bool() || includeData->get_bool();
  int64_t total = rec->eventCount;
  int64_t next = reverse ? total : 1;  // the first event id of this page (last, when reversed)
  if (auto token = optionalField(in, "nextToken")) {
    char* end = nullptr;
    long long v = std::strtoll(token->c_str(), &end, 10);
    if (token->empty() || *end != '\0' || v < 1 || v > total)
      return fail(ErrorCode::kInvalidArgument, "InvalidToken", "Invalid Token: '" + *token + "'");
    next = v;
  }
  int64_t lo = reverse ? std::max<int64_t>(1, next - max + 1) : next;
  int64_t hi = reverse ? next : std::min(total, next + max - 1);
  auto events = hi >= lo ? m.engine->history(arn, lo, static_cast<size_t>(hi - lo + 1))
                         : Result<std::vector<json::object>>(std::vector<json::object>{});
  if (!events) return std::unexpected(events.error());
  if (reverse) std::reverse(events->begin(), events->end());
  json::array list;
  for (auto& e : *events) {
    if (!include) stripData(e);
    list.push_back(std::move(e));
  }
  json::object out{{"events", std::move(list)}};
  if (reverse ? lo > 1 : hi < total) out["nextToken"] = std::to_string(reverse ? lo - 1 : hi + 1);
  return out;
}

Result<json::value> redriveExecution(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "executionArn");
  auto token = optionalField(in, "clientToken");
  if (token && (token->empty() || token->size() > 64))
    return fail(ErrorCode::kInvalidArgument, "ValidationException",
                "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have "
                "length between 1 and 64");
  auto rec = m.engine->describe(arn);
  if (!rec) return executionMissing(arn);
  if (!machineExists(m, rec->stateMachineArn))
    return fail(ErrorCode::kConflict, "ExecutionNotRedrivable", std::string(kMachineDeleted));
  // The engine checks the rest in the step that redrives, so concurrent requests agree.
  auto r = m.engine->redrive(arn, token.value_or(""));
  if (!r) return std::unexpected(r.error());
  return json::object{{"redriveDate", epochSeconds(r->redriveMillis)}};
}

Result<json::value> empty(Result<void> r) {
  if (!r) return std::unexpected(r.error());
  return json::object{};
}

Result<json::value> sendTaskSuccess(SfnModel& m, const json::object& in) {
  return empty(m.engine->sendTaskSuccess(stringField(in, "taskToken"), stringField(in, "output")));
}

Result<json::value> sendTaskFailure(SfnModel& m, const json::object& in) {
  return empty(
      m.engine->sendTaskFailure(stringField(in, "taskToken"), optionalField(in, "error"), optionalField(in, "cause")));
}

Result<json::value> sendTaskHeartbeat(SfnModel& m, const json::object& in) {
  return empty(m.engine->sendTaskHeartbeat(stringField(in, "taskToken")));
}

}  // namespace

void registerExecutionHandlers(SfnModel& m, api::Router& router) {
  addHandlers(m, router,
              {{"StopExecution", stopExecution},
               {"DescribeExecution", describeExecution},
               {"ListExecutions", listExecutions},
               {"GetExecutionHistory", getExecutionHistory},
               {"RedriveExecution", redriveExecution},
               {"SendTaskSuccess", sendTaskSuccess},
               {"SendTaskFailure", sendTaskFailure},
               {"SendTaskHeartbeat", sendTaskHeartbeat}});
  addAsyncHandlers(m, router, {{"StartExecution", startExecution}, {"StartSyncExecution", startSyncExecution}});
}

}  // namespace wharf::sfn
