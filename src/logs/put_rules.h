// The rules CloudWatch Logs applies to a batch of events it is asked to store (PutLogEvents
// documentation): size and count limits, chronological order, and the accepted time window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/result.h"
#include "logs/log_store.h"

namespace wharf::logs {

inline constexpr size_t kMaxBatchBytes = 1'048'576;
inline constexpr size_t kEventOverheadBytes = 26;
inline constexpr int64_t kMaxEventAgeMs = 14 * kMillisPerDay;
inline constexpr int64_t kMaxEventFutureMs = 2 * 3'600'000;
inline constexpr int64_t kMaxBatchSpanMs = kMillisPerDay;

// Which events of a valid batch are stored: [begin, end); the rest are reported as rejected.
struct AcceptedEvents {
  size_t begin = 0;
  size_t end = 0;
  std::optional<size_t> tooNewStart;
  std::optional<size_t> tooOldEnd;
  std::optional<size_t> expiredEnd;
};

// InvalidParameterException when the batch is too large, out of order, or its accepted events
// span more than 24 hours. `cutoff` is the group's retention cutoff (retentionCutoff()).
Result<AcceptedEvents> checkPutBatch(std::span<const NewEvent> events, int64_t nowMs, std::optional<int64_t> cutoff);

// Whether an event with this timestamp would be accepted (neither too old, expired nor too new).
bool inAcceptedWindow(int64_t timestamp, int64_t nowMs, std::optional<int64_t> cutoff);

}  // namespace wharf::logs
