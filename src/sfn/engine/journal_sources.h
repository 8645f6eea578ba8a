// The clock and id generator an execution's interpreter reads through. Live, they pass readings
// through from the real sources and record them; on recovery they hand back the recorded readings
// in order, so replaying the journal rebuilds the interpreter exactly as it was.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"

namespace wharf::sfn {

// Not thread-safe: one execution steps on one thread at a time.
class JournalClock final : public Clock {
 public:
  explicit JournalClock(const Clock& base) : base_(base) {}
  std::chrono::system_clock::time_point now() const override;

  // Readings (system_clock ticks) taken since the last call.
  std::vector<int64_t> takeRecorded();
  // Queues readings to hand back instead of reading the base clock; once they run out the clock is
  // live again. replayExhausted() tells whether a replay consumed exactly what was recorded.
  void queueReplay(const std::vector<int64_t>& readings);
  bool replayExhausted() const { return replay_.empty(); }

 private:
  const Clock& base_;
  mutable std::vector<int64_t> recorded_;
  mutable std::deque<int64_t> replay_;
};

class JournalIds final : public IdGenerator {
 public:
  explicit JournalIds(IdGenerator& base) : base_(base) {}
  std::string uuid() override;
  std::string hex(size_t bytes) override;

  std::vector<std::string> takeRecorded();
  void queueReplay(const std::vector<std::string>& ids);
  bool replayExhausted() const { return replay_.empty(); }

 private:
  std::string next(std::string fresh);

  IdGenerator& base_;
  std::vector<std::string> recorded_;
  std::deque<std::string> replay_;
};

}  // namespace wharf::sfn
