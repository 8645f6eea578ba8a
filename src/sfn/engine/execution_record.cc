#include "sfn/engine/execution_record.h"

namespace wharf::sfn {
namespace json = boost::json;

namespace {

std::optional<asl::ExecutionStatus> parseStatus(std::string_view name) {
  for (auto s : {asl::ExecutionStatus::kRunning, asl::ExecutionStatus::kSucceeded, asl::ExecutionStatus::kFailed,
                 asl::ExecutionStatus::kTimedOut, asl::ExecutionStatus::kAborted}) {
    if (asl::executionStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<std::string> optionalString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

std::string ExecutionRecord::toStored() const {
  json::object o;
  o["executionArn"] = executionArn;
  o["stateMachineArn"] = stateMachineArn;
  o["stateMachineName"] = stateMachineName;
  o["name"] = name;
  o["definition"] = definition ? *definition : std::string();
  o["roleArn"] = roleArn;
  o["status"] = asl::executionStatusName(status);
  o["input"] = input;
  if (output) o["output"] = *output;
  if (error) o["error"] = *error;
  if (cause) o["cause"] = *cause;
  o["startMillis"] = startMillis;
  o["stopMillis"] = stopMillis;
  o["eventCount"] = eventCount;
  o["redriveCount"] = redriveCount;
  o["redriveMillis"] = redriveMillis;
  o["journalKept"] = journalKept;
  json::array tokens;
  for (const auto& [token, millis] : redriveTokens) tokens.push_back(json::array{json::string(token), millis});
  o["redriveTokens"] = std::move(tokens);
  return json::serialize(o);
}

Result<ExecutionRecord> ExecutionRecord::fromStored(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return internalError("corrupt execution record");
  const json::object& o = v.get_object();
  ExecutionRecord r;
  r.executionArn = optionalString(o, "executionArn").value_or("");
  r.stateMachineArn = optionalString(o, "stateMachineArn").value_or("");
  r.stateMachineName = optionalString(o, "stateMachineName").value_or("");
  r.name = optionalString(o, "name").value_or("");
  r.definition = std::make_shared<const std::string>(optionalString(o, "definition").value_or(""));
  r.roleArn = optionalString(o, "roleArn").value_or("");
  auto status = parseStatus(optionalString(o, "status").value_or(""));
  if (!status || r.executionArn.empty()) return internalError("corrupt execution record");
  r.status = *status;
  r.input = optionalString(o, "input").value_or("{}");
  r.output = optionalString(o, "output");
  r.error = optionalString(o, "error");
  r.cause = optionalString(o, "cause");
  for (auto [key, field] : {std::pair{"startMillis", &r.startMillis},
                            {"stopMillis", &r.stopMillis},
                            {"eventCount", &r.eventCount},
                            {"redriveCount", &r.redriveCount},
                            {"redriveMillis", &r.redriveMillis}}) {
    if (const json::value* n = o.if_contains(key); n && n->is_int64()) *field = n->get_int64();
  }
  if (const json::value* b = o.if_contains("journalKept"); b && b->is_bool()) r.journalKept = b->get_bool();
  if (const json::value* a = o.if_contains("redriveTokens"); a && a->is_array()) {
    for (const auto& t : a->get_array()) {
      const json::array* pair = t.if_array();
      if (pair && pair->size() == 2 && (*pair)[0].is_string() && (*pair)[1].is_int64())
        r.redriveTokens.emplace_back(std::string((*pair)[0].get_string()), (*pair)[1].get_int64());
    }
  }
  return r;
}

}  // namespace wharf::sfn
