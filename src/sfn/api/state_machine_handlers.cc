// CreateStateMachine … ValidateStateMachineDefinition, and the tagging operations.
#include <fmt/format.h>

#include "sfn/api/sfn_model.h"
#include "sfn/asl/definition.h"

namespace wharf::sfn {
namespace json = boost::json;

namespace {

json::value defaultLogging() { return json::object{{"level", "OFF"}, {"includeExecutionData", false}}; }
json::value defaultTracing() { return json::object{{"enabled", false}}; }

Result<void> checkLogging(SfnModel& m, const json::value& config) {
  return checkLoggingConfiguration(config, m.logsPartition(), m.config.logStore);
}

// Executions log per the machine's configuration from their next step on.
void applyLogging(SfnModel& m, const StateMachineEntry& e) {
  if (m.logger) m.logger->configure(e.arn, e.loggingConfiguration);
}

std::unexpected<Error> machineMissing(const std::string& arn) {
  return fail(ErrorCode::kNotFound, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
}

Result<json::value> createStateMachine(SfnModel& m, const json::object& in) {
  std::string name = stringField(in, "name");
  if (auto r = checkName(name); !r) return std::unexpected(r.error());
  std::string definition = stringField(in, "definition");
  auto parsed = asl::parseDefinition(definition);
  if (!parsed) return fail(ErrorCode::kInvalidArgument, "InvalidDefinition", parsed.error().message);
  auto tags = parseTags(in);
  if (!tags) return std::unexpected(tags.error());
  StateMachineEntry e;
  e.arn = m.arn("stateMachine", name);
  e.name = name;
  e.definition = std::make_shared<const std::string>(std::move(definition));
  e.roleArn = stringField(in, "roleArn");
  e.type = stringField(in, "type", "STANDARD");
  e.description = stringField(in, "versionDescription");
  e.revisionId = m.ids.uuid();
  e.loggingConfiguration = in.contains("loggingConfiguration") ? in.at("loggingConfiguration") : defaultLogging();
  e.tracingConfiguration = in.contains("tracingConfiguration") ? in.at("tracingConfiguration") : defaultTracing();
  if (auto r = checkLogging(m, e.loggingConfiguration); !r) return std::unexpected(r.error());
  e.creationMillis = e.updateMillis = m.clock.nowMillis();
  e.parsed = *parsed;
  std::lock_guard lock(m.mu);
  if (auto it = m.machines.find(e.arn); it != m.machines.end()) {
    const auto& old = it->second;
    if (*old.definition != *e.definition || old.roleArn != e.roleArn || old.type != e.type)
      return fail(ErrorCode::kConflict, "StateMachineAlreadyExists", "State Machine Already Exists: '" + e.arn + "'");
    return json::object{{"stateMachineArn", old.arn}, {"creationDate", epochSeconds(old.creationMillis)}};
  }
  WriteBatch b;
  if (auto r = m.saveTags(e.arn, *tags, &b); !r) return std::unexpected(r.error());
  (void)m.saveMachine(e, &b);
  if (auto r = m.store.commit(std::move(b)); !r) return std::unexpected(r.error());
  if (!tags->empty()) m.tags[e.arn] = *tags;
  json::object out{{"stateMachineArn", e.arn}, {"creationDate", epochSeconds(e.creationMillis)}};
  applyLogging(m, e);
  m.machines[e.arn] = std::move(e);
  return out;
}

json::object describeMachine(const StateMachineEntry& e) {
  return json::object{{"stateMachineArn", e.arn},
                      {"name", e.name},
                      {"status", "ACTIVE"},
                      {"definition", *e.definition},
                      {"roleArn", e.roleArn},
                      {"type", e.type},
                      {"creationDate", epochSeconds(e.creationMillis)},
                      {"loggingConfiguration", e.loggingConfiguration},
                      {"tracingConfiguration", e.tracingConfiguration},
                      {"revisionId", e.revisionId}};
}

Result<json::value> describeStateMachine(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "stateMachineArn");
  if (auto r = checkArn(arn, "stateMachine"); !r) return std::unexpected(r.error());
  std::lock_guard lock(m.mu);
  auto it = m.machines.find(arn);
  if (it == m.machines.end()) return machineMissing(arn);
  return describeMachine(it->second);
}

Result<json::value> updateStateMachine(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "stateMachineArn");
  if (auto r = checkArn(arn, "stateMachine"); !r) return std::unexpected(r.error());
  auto definition = optionalField(in, "definition");
  auto role = optionalField(in, "roleArn");
  if (!definition && !role && !in.contains("loggingConfiguration") && !in.contains("tracingConfiguration"))
    return fail(ErrorCode::kInvalidArgument, "MissingRequiredParameter",
                "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be "
                "specified");
  asl::DefinitionPtr parsed;
  if (definition) {
    auto p = asl::parseDefinition(*definition);
    if (!p) return fail(ErrorCode::kInvalidArgument, "InvalidDefinition", p.error().message);
    parsed = *p;
  }
  if (const json::value* logging = in.if_contains("loggingConfiguration")) {
    if (auto r = checkLogging(m, *logging); !r) return std::unexpected(r.error());
  }
  std::lock_guard lock(m.mu);
  auto it = m.machines.find(arn);
  if (it == m.machines.end()) return machineMissing(arn);
  StateMachineEntry e = it->second;
  if (definition) {
    e.definition = std::make_shared<const std::string>(std::move(*definition));
    e.parsed = parsed;
  }
  if (role) e.roleArn = *role;
  if (in.contains("loggingConfiguration")) e.loggingConfiguration = in.at("loggingConfiguration");
  if (in.contains("tracingConfiguration")) e.tracingConfiguration = in.at("tracingConfiguration");
  e.updateMillis = m.clock.nowMillis();
  e.revisionId = m.ids.uuid();
  if (auto r = m.saveMachine(e); !r) return std::unexpected(r.error());
  json::object out{{"updateDate", epochSeconds(e.updateMillis)}, {"revisionId", e.revisionId}};
  applyLogging(m, e);
  it->second = std::move(e);
  return out;
}

Result<json::value> deleteStateMachine(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "stateMachineArn");
  if (auto r = checkArn(arn, "stateMachine"); !r) return std::unexpected(r.error());
  std::lock_guard lock(m.mu);
  if (!m.machines.contains(arn)) return json::object{};
  if (auto r = eraseMachine(m, arn); !r) return std::unexpected(r.error());
  m.machines.erase(arn);
  m.tags.erase(arn);
  if (m.logger) m.logger->forget(arn);
  return json::object{};
}

Result<json::value> listStateMachines(SfnModel& m, const json::object& in) {
  std::lock_guard lock(m.mu);
  std::vector<std::string> keys;
  for (const auto& [arn, e] : m.machines) keys.push_back(arn);
  return listPage(in, keys, "stateMachines", [&](size_t i) -> json::value {
    const auto& e = m.machines.at(keys[i]);
    return json::object{{"stateMachineArn", e.arn},
                        {"name", e.name},
                        {"type", e.type},
                        {"creationDate", epochSeconds(e.creationMillis)}};
  });
}

Result<json::value> describeStateMachineForExecution(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "executionArn");
  auto rec = m.engine->describe(arn);
  if (!rec) return fail(ErrorCode::kNotFound, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  json::object out{{"stateMachineArn", rec->stateMachineArn},
                   {"name", rec->stateMachineName},
                   {"definition", rec->definition ? *rec->definition : std::string()},
                   {"roleArn", rec->roleArn},
                   {"updateDate", epochSeconds(rec->startMillis)}};
  std::lock_guard lock(m.mu);
  if (auto it = m.machines.find(rec->stateMachineArn); it != m.machines.end()) {
    out["loggingConfiguration"] = it->second.loggingConfiguration;
    out["tracingConfiguration"] = it->second.tracingConfiguration;
    out["revisionId"] = it->second.revisionId;
  }
  return out;
}

Result<json::value> validateStateMachineDefinition(SfnModel&, const json::object& in) {
  json::array diagnostics;
  for (const auto& d : asl::validateDefinition(stringField(in, "definition"))) {
    json::object o{{"severity", "ERROR"}, {"code", d.code}, {"message", d.message}};
    if (!d.location.empty()) o["location"] = d.location;
    diagnostics.push_back(std::move(o));
  }
  json::object out;
  out["result"] = diagnostics.empty() ? "OK" : "FAIL";
  out["diagnostics"] = std::move(diagnostics);
  out["truncated"] = false;
  return out;
}

// Tags belong to state machines and activities.
Result<void> checkTaggable(SfnModel& m, const std::string& arn) {
  if (m.machines.contains(arn) || m.activities.contains(arn)) return {};
  if (!arn.starts_with("arn:aws:states:"))
    return fail(ErrorCode::kInvalidArgument, "InvalidArn", "Invalid Arn: '" + arn + "'");
  return fail(ErrorCode::kNotFound, "ResourceNotFound", "Resource not found: '" + arn + "'");
}

Result<json::value> tagResource(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "resourceArn");
  auto add = parseTags(in);
  if (!add) return std::unexpected(add.error());
  std::lock_guard lock(m.mu);
  if (auto r = checkTaggable(m, arn); !r) return std::unexpected(r.error());
  Tags t = m.tags[arn];
  for (const auto& [k, v] : *add) t[k] = v;
  if (t.size() > 50) return fail(ErrorCode::kLimitExceeded, "TooManyTags", "Too many tags: at most 50 per resource");
  if (auto r = m.saveTags(arn, t); !r) return std::unexpected(r.error());
  m.tags[arn] = std::move(t);
  return json::object{};
}

Result<json::value> untagResource(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "resourceArn");
  std::lock_guard lock(m.mu);
  if (auto r = checkTaggable(m, arn); !r) return std::unexpected(r.error());
  Tags t = m.tags[arn];
  if (const json::value* keys = in.if_contains("tagKeys"); keys && keys->is_array()) {
    for (const auto& k : keys->get_array()) {
      if (k.is_string()) t.erase(std::string(k.get_string()));
    }
  }
  if (auto r = m.saveTags(arn, t); !r) return std::unexpected(r.error());
  m.tags[arn] = std::move(t);
  return json::object{};
}

Result<json::value> listTagsForResource(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "resourceArn");
  std::lock_guard lock(m.mu);
  if (auto r = checkTaggable(m, arn); !r) return std::unexpected(r.error());
  json::array list;
  for (const auto& [k, v] : m.tags[arn]) list.push_back(json::object{{"key", k}, {"value", v}});
  return json::object{{"tags", std::move(list)}};
}

}  // namespace

void registerStateMachineHandlers(SfnModel& m, api::Router& router) {
  addHandlers(m, router,
              {{"CreateStateMachine", createStateMachine},
               {"DescribeStateMachine", describeStateMachine},
               {"UpdateStateMachine", updateStateMachine},
               {"DeleteStateMachine", deleteStateMachine},
               {"ListStateMachines", listStateMachines},
               {"DescribeStateMachineForExecution", describeStateMachineForExecution},
               {"ValidateStateMachineDefinition", validateStateMachineDefinition},
               {"TagResource", tagResource},
               {"UntagResource", untagResource},
               {"ListTagsForResource", listTagsForResource}});
}

}  // namespace wharf::sfn
