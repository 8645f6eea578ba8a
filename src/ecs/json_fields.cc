#include "ecs/json_fields.h"

#include <algorithm>

#include "common/time_format.h"

namespace wharf::ecs {

std::optional<std::string> optString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

std::string stringOr(const json::object& o, std::string_view key, std::string_view fallback) {
  auto s = optString(o, key);
  return s ? *s : std::string(fallback);
}

std::optional<int64_t> optInt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64()) return static_cast<int64_t>(it->value().get_uint64());
  if (it->value().is_double()) return static_cast<int64_t>(it->value().get_double());
  return std::nullopt;
}

bool boolOr(const json::object& o, std::string_view key, bool fallback) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() ? it->value().get_bool() : fallback;
}

const json::array* optArray(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() ? it->value().if_array() : nullptr;
}

const json::object* optObject(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() ? it->value().if_object() : nullptr;
}

std::vector<std::string> stringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* a = optArray(o, key)) {
    for (const json::value& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

json::value timestamp(std::chrono::system_clock::time_point t) { return toEpochSeconds(t); }

}  // namespace wharf::ecs
