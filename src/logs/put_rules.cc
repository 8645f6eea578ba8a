#include "logs/put_rules.h"

#include <fmt/format.h>

namespace wharf::logs {

Result<AcceptedEvents> checkPutBatch(std::span<const NewEvent> events, int64_t nowMs, std::optional<int64_t> cutoff) {
  size_t bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    bytes += events[i].message.size() + kEventOverheadBytes;
    if (i > 0 && events[i].timestamp < events[i - 1].timestamp) {
      return invalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  if (bytes > kMaxBatchBytes) {
    return invalidParameter(fmt::format("Upload too large: {} bytes exceeds limit of {}", bytes, kMaxBatchBytes));
  }
  AcceptedEvents out{0, events.size(), {}, {}, {}};
  for (size_t i = 0; i < events.size(); ++i) {
    int64_t ts = events[i].timestamp;
    if (ts < nowMs - kMaxEventAgeMs) out.tooOldEnd = i;
    if (cutoff && ts < *cutoff) out.expiredEnd = i;
    if (ts > nowMs + kMaxEventFutureMs && !out.tooNewStart) out.tooNewStart = i;
  }
  if (out.tooOldEnd) out.begin = *out.tooOldEnd + 1;
  if (out.expiredEnd) out.begin = std::max(out.begin, *out.expiredEnd + 1);
  if (out.tooNewStart) out.end = *out.tooNewStart;
  if (out.begin < out.end && events[out.end - 1].timestamp - events[out.begin].timestamp > kMaxBatchSpanMs) {
    return invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
  }
  return out;
}

bool inAcceptedWindow(int64_t timestamp, int64_t nowMs, std::optional<int64_t> cutoff) {
  return timestamp >= nowMs - kMaxEventAgeMs && (!cutoff || timestamp >= *cutoff) &&
         timestamp <= nowMs + kMaxEventFutureMs;
}

}  // namespace wharf::logs
