// How log events are laid out in the store: collection kEventsCollection, one entry per event,
// keyed <stream uid><timestamp><sequence> (fixed-width hex) so a stream's events scan in
// (timestamp, sequence) order, valued "<ingestionTime> <message>".
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::logs {

inline constexpr std::string_view kEventsCollection = "logs.events";

// A point in one stream's event order. Sequences start at 1, so {ts, 0} sorts before every event
// with timestamp ts.
struct EventPos {
  int64_t timestamp = 0;
  uint64_t seq = 0;
  auto operator<=>(const EventPos&) const = default;
};

inline constexpr EventPos kFirstPos{0, 0};
inline constexpr EventPos kLastPos{INT64_MAX, UINT64_MAX};

std::string streamKeyPrefix(uint64_t uid);
std::string eventKey(uint64_t uid, EventPos pos);
// The position of an event key of stream `uid`; nullopt when the key belongs to another stream.
std::optional<EventPos> decodeEventKey(uint64_t uid, std::string_view key);

struct EventValue {
  int64_t ingestionTime = 0;
  std::string_view message;
};
std::string encodeEventValue(int64_t ingestionTime, std::string_view message);
std::optional<EventValue> decodeEventValue(std::string_view value);

// A position as 32 hex digits (the body of GetLogEvents tokens).
std::string encodePos(EventPos pos);
std::optional<EventPos> decodePos(std::string_view text);

// The eventId FilterLogEvents returns: unique within a log group and stable across calls, as
// `aws logs tail --follow` de-duplicates by it.
std::string eventId(uint64_t uid, EventPos pos);

// Fixed-width lower-case hex of a 64-bit number, and back (nullopt unless exactly 16 hex digits).
std::string hex64(uint64_t v);
std::optional<uint64_t> parseHex64(std::string_view text);

}  // namespace wharf::logs
