// TagResource, UntagResource, ListTagsForResource (by log group ARN) and the older
// TagLogGroup, UntagLogGroup, ListTagsLogGroup (by name).
#include "logs/handlers.h"

namespace wharf::logs {
namespace json = boost::json;
namespace {

constexpr size_t kMaxTags = 50;

Result<std::string> groupFromResourceArn(const json::object& in, const Partition& p) {
  std::string arn = reqString(in, "resourceArn");
  auto name = groupNameFromArn(p, arn);
  if (!name) return invalidParameter("Invalid or unsupported resource ARN: " + arn);
  return *name;
}

json::value tagsJson(const LogGroup& g) {
  json::object tags;
  for (const auto& [k, v] : g.tags) tags[k] = v;
  return json::object{{"tags", std::move(tags)}};
}

Result<json::value> tag(LogStore& store, const std::string& group, const json::object& in) {
  auto* tags = in.if_contains("tags");
  if (!tags || !tags->is_object()) return invalidParameter("tags must be a map");
  return emptyOr(store.updateGroup(group, [&](LogGroup& g) { return mergeTags(g.tags, tags->get_object()); }));
}

Result<json::value> untag(LogStore& store, const std::string& group, const json::value* keys) {
  return emptyOr(store.updateGroup(group, [&](LogGroup& g) -> Result<void> {
    if (keys && keys->is_array()) {
      for (const auto& k : keys->get_array()) {
        if (k.is_string()) g.tags.erase(std::string(k.get_string()));
      }
    }
    return {};
  }));
}

Result<json::value> listTags(LogStore& store, const std::string& group) {
  auto g = store.group(group);
  if (!g) return std::unexpected(g.error());
  return tagsJson(*g);
}

}  // namespace

Result<void> mergeTags(std::map<std::string, std::string>& tags, const json::object& add) {
  auto merged = tags;
  for (const auto& [k, v] : add) {
    if (k.starts_with("aws:")) return invalidParameter("Tag keys beginning with aws: are reserved.");
    if (!v.is_string()) return invalidParameter("Tag values must be strings.");
    merged[std::string(k)] = std::string(v.get_string());
  }
  if (merged.size() > kMaxTags) {
    return fail(ErrorCode::kLimitExceeded, "TooManyTagsException", "A resource can have no more than 50 tags.");
  }
  tags = std::move(merged);
  return {};
}

void registerTagHandlers(api::Router& router, LogStore& store, const LogsConfig& config) {
  auto byArn = [&store, &config](auto op) {
    return [&store, &config, op](const api::RequestContext& ctx, const json::object& in) -> Result<json::value> {
      auto group = groupFromResourceArn(in, partitionOf(ctx, config));
      if (!group) return std::unexpected(group.error());
      return op(store, *group, in);
    };
  };
  router.add(kTargetPrefix, "TagResource",
             byArn([](LogStore& s, const std::string& g, const json::object& in) { return tag(s, g, in); }));
  router.add(kTargetPrefix, "UntagResource", byArn([](LogStore& s, const std::string& g, const json::object& in) {
               return untag(s, g, in.if_contains("tagKeys"));
             }));
  router.add(kTargetPrefix, "ListTagsForResource",
             byArn([](LogStore& s, const std::string& g, const json::object&) { return listTags(s, g); }));
  router.add(kTargetPrefix, "TagLogGroup", [&store](const api::RequestContext&, const json::object& in) {
    return tag(store, reqString(in, "logGroupName"), in);
  });
  router.add(kTargetPrefix, "UntagLogGroup", [&store](const api::RequestContext&, const json::object& in) {
    return untag(store, reqString(in, "logGroupName"), in.if_contains("tags"));
  });
  router.add(kTargetPrefix, "ListTagsLogGroup", [&store](const api::RequestContext&, const json::object& in) {
    return listTags(store, reqString(in, "logGroupName"));
  });
}

}  // namespace wharf::logs
