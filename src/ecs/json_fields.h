// Small accessors for request members the API layer has already type-checked.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::ecs {

namespace json = boost::json;

std::optional<std::string> optString(const json::object& o, std::string_view key);
std::string stringOr(const json::object& o, std::string_view key, std::string_view fallback);
std::optional<int64_t> optInt(const json::object& o, std::string_view key);
bool boolOr(const json::object& o, std::string_view key, bool fallback);
const json::array* optArray(const json::object& o, std::string_view key);
const json::object* optObject(const json::object& o, std::string_view key);
std::vector<std::string> stringList(const json::object& o, std::string_view key);
bool contains(const std::vector<std::string>& list, std::string_view value);
// AWS JSON timestamps: epoch seconds with a fraction.
json::value timestamp(std::chrono::system_clock::time_point t);

}  // namespace wharf::ecs
