// Conversions between time points and the text/number forms AWS APIs use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf {

// AWS JSON protocols send timestamps as epoch seconds with a fraction (e.g. 1700000000.123).
double toEpochSeconds(std::chrono::system_clock::time_point t);
// ISO 8601 in UTC with milliseconds: 2024-01-01T00:00:00.000Z.
std::string toIso8601(std::chrono::system_clock::time_point t);
// Parses an RFC 3339 / ISO 8601 date-time with a zone (Z or ±hh:mm); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parseIso8601(std::string_view text);
// SigV4's compact form: 20240101T000000Z.
std::string toAmzDate(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parseAmzDate(std::string_view text);

}  // namespace wharf
