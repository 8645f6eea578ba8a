// CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy, DeleteRetentionPolicy.
#include <algorithm>

#include "logs/handlers.h"

namespace wharf::logs {
namespace json = boost::json;
namespace {

constexpr size_t kDefaultDescribeLimit = 50;

json::object describeGroup(const GroupSnapshot& g, const Partition& p, bool namesOnly) {
  json::object o;
  o["logGroupName"] = g.group.name;
  o["creationTime"] = g.group.creationTime;
  o["arn"] = groupArnWildcard(p, g.group.name);
  if (namesOnly) return o;  // what AWS returns for logGroupNamePattern searches
  if (g.group.retentionInDays) o["retentionInDays"] = *g.group.retentionInDays;
  o["metricFilterCount"] = 0;
  o["storedBytes"] = g.storedBytes;
  if (!g.group.kmsKeyId.empty()) o["kmsKeyId"] = g.group.kmsKeyId;
  o["logGroupClass"] = g.group.logGroupClass;
  o["logGroupArn"] = groupArn(p, g.group.name);
  o["deletionProtectionEnabled"] = g.group.deletionProtectionEnabled;
  return o;
}

Result<json::value> createLogGroup(LogStore& store, const json::object& in) {
  LogGroup group;
  group.name = reqString(in, "logGroupName");
  if (group.name.starts_with("aws/")) return invalidParameter("Log group names can't start with the string aws/");
  group.kmsKeyId = optString(in, "kmsKeyId").value_or("");
  group.logGroupClass = optString(in, "logGroupClass").value_or("STANDARD");
  group.deletionProtectionEnabled = optBool(in, "deletionProtectionEnabled", false);
  if (auto* tags = in.if_contains("tags"); tags && tags->is_object()) {
    if (auto r = mergeTags(group.tags, tags->get_object()); !r) return std::unexpected(r.error());
  }
  if (auto r = store.createGroup(std::move(group)); !r) return std::unexpected(r.error());
  return json::object{};
}

Result<json::value> describeLogGroups(LogStore& store, const Partition& p, const json::object& in) {
  auto prefix = optString(in, "logGroupNamePrefix");
  auto pattern = optString(in, "logGroupNamePattern");
  auto cls = optString(in, "logGroupClass");
  auto* identifiers = in.if_contains("logGroupIdentifiers");
  if (prefix && pattern) {
    return invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  if (identifiers && (prefix || pattern)) {
    return invalidParameter("logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.");
  }
  std::vector<std::string> wanted;
  if (identifiers && identifiers->is_array()) {
    for (const auto& id : identifiers->get_array()) {
      json::object one{{"logGroupIdentifier", id}};
      auto name = resolveGroupName(one, p);
      if (!name) return std::unexpected(name.error());
      wanted.push_back(std::move(*name));
    }
  }
  std::string after;
  if (auto token = optString(in, "nextToken")) {
    auto decoded = decodeToken(*token);
    if (!decoded) return std::unexpected(decoded.error());
    after = std::move(*decoded);
  }
  size_t limit = static_cast<size_t>(optInt(in, "limit").value_or(kDefaultDescribeLimit));
  json::array out;
  std::optional<std::string> last;
  for (const auto& group : store.groups()) {
    const std::string& name = group.name;
    if (!after.empty() && name <= after) continue;
    if (prefix && !name.starts_with(*prefix)) continue;
    if (pattern && name.find(*pattern) == std::string::npos) continue;
    if (cls && group.logGroupClass != *cls) continue;
    if (identifiers && std::ranges::find(wanted, name) == wanted.end()) continue;
    if (out.size() == limit) {
      json::object result{{"logGroups", std::move(out)}, {"nextToken", encodeToken(*last)}};
      return result;
    }
    auto snap = store.snapshot(name);
    if (!snap) continue;  // deleted meanwhile
    out.push_back(describeGroup(*snap, p, pattern.has_value()));
    last = name;
  }
  return json::object{{"logGroups", std::move(out)}};
}

}  // namespace

void registerGroupHandlers(api::Router& router, LogStore& store, const LogsConfig& config) {
  router.add(kTargetPrefix, "CreateLogGroup",
             [&store](const api::RequestContext&, const json::object& in) { return createLogGroup(store, in); });
  router.add(kTargetPrefix, "DeleteLogGroup", [&store](const api::RequestContext&, const json::object& in) {
    return emptyOr(store.deleteGroup(reqString(in, "logGroupName")));
  });
  router.add(kTargetPrefix, "DescribeLogGroups",
             [&store, &config](const api::RequestContext& ctx, const json::object& in) {
               return describeLogGroups(store, partitionOf(ctx, config), in);
             });
  router.add(kTargetPrefix, "PutRetentionPolicy", [&store](const api::RequestContext&, const json::object& in) {
    int64_t days = optInt(in, "retentionInDays").value_or(0);
    if (days < INT32_MIN || days > INT32_MAX || !isValidRetention(static_cast<int>(days))) {
      return Result<json::value>(invalidParameter(
          "1 validation error detected: Value '" + std::to_string(days) +
          "' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, "
          "14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"));
    }
    return emptyOr(store.updateGroup(reqString(in, "logGroupName"), [days](LogGroup& g) -> Result<void> {
      g.retentionInDays = static_cast<int>(days);
      return {};
    }));
  });
  router.add(kTargetPrefix, "DeleteRetentionPolicy", [&store](const api::RequestContext&, const json::object& in) {
    return emptyOr(store.updateGroup(reqString(in, "logGroupName"), [](LogGroup& g) -> Result<void> {
      g.retentionInDays.reset();
      return {};
    }));
  });
}

}  // namespace wharf::logs
