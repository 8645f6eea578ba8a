#include "logs/event_reader.h"

#include <algorithm>
#include <deque>

namespace wharf::logs {
namespace {

constexpr size_t kMaxPageBytes = 1'048'576;
constexpr size_t kEventOverhead = 26;
constexpr size_t kMaxScannedPerStream = 50'000;  // bounds the work of one FilterLogEvents call
constexpr int64_t kFirstBackwardWindowMs = 60'000;

size_t eventBytes(const std::string& message) { return message.size() + kEventOverhead; }

EventPos successor(EventPos p) {
  if (p.seq != UINT64_MAX) return {p.timestamp, p.seq + 1};
  return {p.timestamp == INT64_MAX ? INT64_MAX : p.timestamp + 1, 0};
}

// Calls fn(pos, value) for the events of `stream` from `from` on, until fn returns false.
template <typename Fn>
Result<void> scanStream(Store& store, const LogStream& stream, EventPos from, Fn&& fn) {
  Result<void> bad;
  auto r = store.scan(kEventsCollection, eventKey(stream.uid, from), 0, [&](std::string_view key, std::string_view v) {
    auto pos = decodeEventKey(stream.uid, key);
    if (!pos) return false;
    auto value = decodeEventValue(v);
    if (!value) return (bad = internalError("corrupt log event " + std::string(key))), false;
    return fn(*pos, *value);
  });
  if (!r) return r;
  return bad;
}

}  // namespace

Result<StreamPage> readForward(Store& store, const LogStream& stream, EventPos after, int64_t endTime, size_t limit) {
  StreamPage page;
  if (after == kLastPos) return page;
  size_t bytes = 0;
  auto r = scanStream(store, stream, successor(after), [&](EventPos pos, const EventValue& v) {
    if (pos.timestamp >= endTime) return false;
    std::string message(v.message);
    bytes += eventBytes(message);
    if (!page.events.empty() && bytes > kMaxPageBytes) return false;
    page.events.push_back({&stream, pos, v.ingestionTime, std::move(message)});
    return page.events.size() < limit;
  });
  if (!r) return std::unexpected(r.error());
  return page;
}

Result<StreamPage> readBackward(Store& store, const LogStream& stream, EventPos before, int64_t startTime,
                                size_t limit) {
  StreamPage page;
  if (!stream.firstEventTimestamp) return page;
  int64_t lowest = std::max(startTime, *stream.firstEventTimestamp);
  // Probe ever larger time windows ending at `before`, as the store only scans forwards.
  int64_t top = std::min(before.timestamp, *stream.lastEventTimestamp);
  for (int64_t window = kFirstBackwardWindowMs;; window *= 8) {
    int64_t from = top - lowest <= window ? lowest : top - window;
    std::deque<ReadEvent> kept;
    size_t bytes = 0;
    bool dropped = false;
    auto r = scanStream(store, stream, {from, 0}, [&](EventPos pos, const EventValue& v) {
      if (pos >= before) return false;
      kept.push_back({&stream, pos, v.ingestionTime, std::string(v.message)});
      bytes += eventBytes(kept.back().message);
      while (kept.size() > limit || (kept.size() > 1 && bytes > kMaxPageBytes)) {
        bytes -= eventBytes(kept.front().message);
        kept.pop_front();
        dropped = true;
      }
      return true;
    });
    if (!r) return std::unexpected(r.error());
    if (dropped || from == lowest) {
      page.events.assign(std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end()));
      return page;
    }
  }
}

std::string encodeGroupPos(const GroupPos& pos) {
  return hex64(static_cast<uint64_t>(pos.timestamp)) + hex64(pos.uid) + hex64(pos.seq);
}

std::optional<GroupPos> decodeGroupPos(std::string_view text) {
  if (text.size() != 48) return std::nullopt;
  auto ts = parseHex64(text.substr(0, 16));
  auto uid = parseHex64(text.substr(16, 16));
  auto seq = parseHex64(text.substr(32));
  if (!ts || !uid || !seq || *ts > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return GroupPos{static_cast<int64_t>(*ts), *uid, *seq};
}

Result<FilterPage> filterEvents(Store& store, const FilterQuery& q) {
  std::vector<ReadEvent> matches;
  std::optional<GroupPos> frontier;  // everything up to here was looked at in every stream
  for (const auto& stream : q.streams) {
    if (!stream.firstEventTimestamp || *stream.lastEventTimestamp < q.startTime ||
        *stream.firstEventTimestamp > q.endTime) {
      continue;
    }
    EventPos from{q.startTime, 0};
    if (q.after) {
      const GroupPos& a = *q.after;
      EventPos resume = stream.uid > a.uid    ? EventPos{a.timestamp, 0}
                        : stream.uid == a.uid ? successor({a.timestamp, a.seq})
                                              : successor({a.timestamp, UINT64_MAX});
      from = std::max(from, resume);
    }
    size_t scanned = 0, found = 0;
    std::optional<GroupPos> last;
    bool exhausted = true;
    auto r = scanStream(store, stream, from, [&](EventPos pos, const EventValue& v) {
      if (pos.timestamp > q.endTime) return false;
      last = GroupPos{pos.timestamp, stream.uid, pos.seq};
      if (!q.pattern || q.pattern->matches(v.message)) {
        matches.push_back({&stream, pos, v.ingestionTime, std::string(v.message)});
        ++found;
      }
      if (found >= q.limit || ++scanned >= kMaxScannedPerStream) {
        exhausted = false;
        return false;
      }
      return true;
    });
    if (!r) return std::unexpected(r.error());
    if (!exhausted) frontier = frontier ? std::min(*frontier, *last) : *last;
  }
  auto key = [](const ReadEvent& e) { return GroupPos{e.pos.timestamp, e.stream->uid, e.pos.seq}; };
  std::ranges::sort(matches, {}, key);
  FilterPage page;
  size_t bytes = 0;
  for (auto& e : matches) {
    if (frontier && key(e) > *frontier) break;
    bytes += eventBytes(e.message);
    if (page.events.size() == q.limit || (!page.events.empty() && bytes > kMaxPageBytes)) {
      page.next = key(page.events.back());
      return page;
    }
    page.events.push_back(std::move(e));
  }
  page.next = frontier;
  return page;
}

}  // namespace wharf::logs
