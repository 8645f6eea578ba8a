#include "logs/log_model.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

namespace wharf::logs {
namespace json = boost::json;
namespace {

constexpr char kSep = '\x1f';

void putOptional(json::object& o, std::string_view key, const std::optional<int64_t>& v) {
  if (v) o[key] = *v;
}

std::optional<int64_t> getOptional(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  return v->to_number<int64_t>();
}

Result<json::object> parseObject(std::string_view what, std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return internalError("corrupt stored " + std::string(what));
  return std::move(v.as_object());
}

}  // namespace

std::string encodeGroup(const LogGroup& g) {
  json::object o;
  o["creationTime"] = g.creationTime;
  if (g.retentionInDays) o["retentionInDays"] = *g.retentionInDays;
  if (!g.kmsKeyId.empty()) o["kmsKeyId"] = g.kmsKeyId;
  o["logGroupClass"] = g.logGroupClass;
  o["deletionProtectionEnabled"] = g.deletionProtectionEnabled;
  json::object tags;
  for (const auto& [k, v] : g.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  return json::serialize(o);
}

Result<LogGroup> decodeGroup(std::string_view name, std::string_view text) {
  auto o = parseObject("log group", text);
  if (!o) return std::unexpected(o.error());
  try {
    LogGroup g;
    g.name = name;
    g.creationTime = o->at("creationTime").to_number<int64_t>();
    if (auto r = getOptional(*o, "retentionInDays")) g.retentionInDays = static_cast<int>(*r);
    if (auto* k = o->if_contains("kmsKeyId")) g.kmsKeyId = k->as_string();
    g.logGroupClass = o->at("logGroupClass").as_string();
    g.deletionProtectionEnabled = o->at("deletionProtectionEnabled").as_bool();
    for (const auto& [k, v] : o->at("tags").as_object()) g.tags[k] = v.as_string();
    return g;
  } catch (const std::exception&) {
    return internalError("corrupt stored log group " + std::string(name));
  }
}

std::string encodeStream(const LogStream& s) {
  json::object o;
  o["uid"] = s.uid;
  o["creationTime"] = s.creationTime;
  putOptional(o, "firstEventTimestamp", s.firstEventTimestamp);
  putOptional(o, "lastEventTimestamp", s.lastEventTimestamp);
  putOptional(o, "lastIngestionTime", s.lastIngestionTime);
  o["storedBytes"] = s.storedBytes;
  o["nextSeq"] = s.nextSeq;
  return json::serialize(o);
}

Result<LogStream> decodeStream(std::string_view name, std::string_view text) {
  auto o = parseObject("log stream", text);
  if (!o) return std::unexpected(o.error());
  try {
    LogStream s;
    s.name = name;
    s.uid = o->at("uid").to_number<uint64_t>();
    s.creationTime = o->at("creationTime").to_number<int64_t>();
    s.firstEventTimestamp = getOptional(*o, "firstEventTimestamp");
    s.lastEventTimestamp = getOptional(*o, "lastEventTimestamp");
    s.lastIngestionTime = getOptional(*o, "lastIngestionTime");
    s.storedBytes = o->at("storedBytes").to_number<int64_t>();
    s.nextSeq = o->at("nextSeq").to_number<uint64_t>();
    return s;
  } catch (const std::exception&) {
    return internalError("corrupt stored log stream " + std::string(name));
  }
}

std::string streamRecordKey(std::string_view group, std::string_view stream) {
  std::string k(group);
  k += kSep;
  k += stream;
  return k;
}

std::optional<std::pair<std::string, std::string>> splitStreamRecordKey(std::string_view key) {
  auto sep = key.find(kSep);  // group names cannot contain the separator; stream names may
  if (sep == std::string_view::npos) return std::nullopt;
  return std::pair{std::string(key.substr(0, sep)), std::string(key.substr(sep + 1))};
}

bool isValidRetention(int days) {
  static constexpr std::array kDays{1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                                    365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};
  return std::ranges::find(kDays, days) != kDays.end();
}

std::string groupArn(const Partition& p, std::string_view group) {
  return "arn:aws:logs:" + p.region + ":" + p.accountId + ":log-group:" + std::string(group);
}

std::string groupArnWildcard(const Partition& p, std::string_view group) { return groupArn(p, group) + ":*"; }

std::string streamArn(const Partition& p, std::string_view group, std::string_view stream) {
  return groupArn(p, group) + ":log-stream:" + std::string(stream);
}

std::optional<std::string> groupNameFromArn(const Partition& p, std::string_view arn) {
  std::string prefix = groupArn(p, "");
  if (!arn.starts_with(prefix)) return std::nullopt;
  std::string_view name = arn.substr(prefix.size());
  if (name.ends_with(":*")) name.remove_suffix(2);
  if (name.empty() || name.find(':') != std::string_view::npos) return std::nullopt;
  return std::string(name);
}

}  // namespace wharf::logs
