#include "logs/event_codec.h"

#include <fmt/format.h>

#include <charconv>

namespace wharf::logs {

std::string hex64(uint64_t v) { return fmt::format("{:016x}", v); }

std::optional<uint64_t> parseHex64(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

std::string streamKeyPrefix(uint64_t uid) { return hex64(uid); }

std::string eventKey(uint64_t uid, EventPos pos) { return hex64(uid) + encodePos(pos); }

std::optional<EventPos> decodeEventKey(uint64_t uid, std::string_view key) {
  if (key.size() != 48 || key.substr(0, 16) != hex64(uid)) return std::nullopt;
  return decodePos(key.substr(16));
}

std::string encodePos(EventPos pos) { return hex64(static_cast<uint64_t>(pos.timestamp)) + hex64(pos.seq); }

std::optional<EventPos> decodePos(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  auto ts = parseHex64(text.substr(0, 16));
  auto seq = parseHex64(text.substr(16));
  if (!ts || !seq || *ts > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return EventPos{static_cast<int64_t>(*ts), *seq};
}

std::string encodeEventValue(int64_t ingestionTime, std::string_view message) {
  std::string v = std::to_string(ingestionTime);
  v += ' ';
  v += message;
  return v;
}

std::optional<EventValue> decodeEventValue(std::string_view value) {
  auto space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  EventValue out;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + space, out.ingestionTime);
  if (ec != std::errc() || ptr != value.data() + space) return std::nullopt;
  out.message = value.substr(space + 1);
  return out;
}

std::string eventId(uint64_t uid, EventPos pos) {
  return fmt::format("{:020}{:020}{:020}", pos.timestamp, uid, pos.seq);
}

}  // namespace wharf::logs
