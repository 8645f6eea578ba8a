// Reading events back from the store: one stream forwards or backwards from a position
// (GetLogEvents), or many streams merged in (timestamp, stream, sequence) order (FilterLogEvents).
// Pages hold at most `limit` events and 1 MB of messages (26 bytes of overhead counted per event).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "logs/event_codec.h"
#include "logs/filter_pattern.h"
#include "logs/log_model.h"
#include "store/store.h"

namespace wharf::logs {

struct ReadEvent {
  const LogStream* stream = nullptr;  // points into the query's streams
  EventPos pos;
  int64_t ingestionTime = 0;
  std::string message;
};

struct StreamPage {
  std::vector<ReadEvent> events;  // ascending
};

// Events of `stream` after `after`, with timestamp < endTime, ascending.
Result<StreamPage> readForward(Store& store, const LogStream& stream, EventPos after, int64_t endTime, size_t limit);
// The last events of `stream` before `before`, with timestamp >= startTime, ascending.
Result<StreamPage> readBackward(Store& store, const LogStream& stream, EventPos before, int64_t startTime,
                                size_t limit);

// A position in a log group's merged event order.
struct GroupPos {
  int64_t timestamp = 0;
  uint64_t uid = 0;
  uint64_t seq = 0;
  auto operator<=>(const GroupPos&) const = default;
};
std::string encodeGroupPos(const GroupPos& pos);
std::optional<GroupPos> decodeGroupPos(std::string_view text);

struct FilterQuery {
  std::vector<LogStream> streams;
  int64_t startTime = 0;        // inclusive
  int64_t endTime = INT64_MAX;  // inclusive
  const FilterPattern* pattern = nullptr;
  size_t limit = 10'000;
  std::optional<GroupPos> after;  // from a nextToken
};

struct FilterPage {
  std::vector<ReadEvent> events;
  std::optional<GroupPos> next;  // nullopt: nothing more to read
};

// Matching events across the query's streams. A page may be short (even empty) with a `next`
// position when a stream had many non-matching events to skip.
Result<FilterPage> filterEvents(Store& store, const FilterQuery& query);

}  // namespace wharf::logs
