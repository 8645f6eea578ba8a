#include "ecs/tags.h"

#include <algorithm>

#include "ecs/errors.h"
#include "ecs/json_fields.h"

namespace wharf::ecs {
namespace {
constexpr size_t kMaxTags = 50;
}

Result<Tags> parseTags(const json::array* tags) {
  Tags out;
  if (!tags) return out;
  for (const json::value& v : *tags) {
    const json::object* tag = v.if_object();
    if (!tag) return invalidParam("Tags must be objects with a key and a value.");
    std::string key = stringOr(*tag, "key", "");
    std::string value = stringOr(*tag, "value", "");
    if (key.empty() || key.size() > 128) return invalidParam("Tag keys must be between 1 and 128 characters.");
    if (value.size() > 256) return invalidParam("Tag values must be at most 256 characters.");
    if (key.starts_with("aws:")) return invalidParam("Tag keys prefixed with 'aws:' are reserved for AWS use.");
    out.emplace_back(std::move(key), std::move(value));
  }
  return mergeTags({}, out);
}

json::array tagsToJson(const Tags& tags) {
  json::array out;
  for (const auto& [key, value] : tags) out.push_back(json::object{{"key", key}, {"value", value}});
  return out;
}

Result<Tags> mergeTags(Tags base, const Tags& update) {
  for (const auto& [key, value] : update) {
    auto it = std::find_if(base.begin(), base.end(), [&](const auto& t) { return t.first == key; });
    if (it != base.end()) {
      it->second = value;
    } else {
      base.emplace_back(key, value);
    }
  }
  if (base.size() > kMaxTags) return invalidParam("A resource can have at most 50 tags.");
  return base;
}

void removeTags(Tags& tags, const std::vector<std::string>& keys) {
  std::erase_if(tags, [&](const auto& t) { return contains(keys, t.first); });
}

}  // namespace wharf::ecs
