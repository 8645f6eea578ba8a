#include "sfn/engine/journal_sources.h"

#include <utility>

namespace wharf::sfn {

std::chrono::system_clock::time_point JournalClock::now() const {
  int64_t ticks;
  if (!replay_.empty()) {
    ticks = replay_.front();
    replay_.pop_front();
  } else {
    ticks = base_.now().time_since_epoch().count();
  }
  recorded_.push_back(ticks);
  return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(ticks));
}

std::vector<int64_t> JournalClock::takeRecorded() { return std::exchange(recorded_, {}); }

void JournalClock::queueReplay(const std::vector<int64_t>& readings) {
  replay_.insert(replay_.end(), readings.begin(), readings.end());
}

std::string JournalIds::uuid() { return next(replay_.empty() ? base_.uuid() : std::string()); }

std::string JournalIds::hex(size_t bytes) { return next(replay_.empty() ? base_.hex(bytes) : std::string()); }

std::string JournalIds::next(std::string fresh) {
  if (!replay_.empty()) {
    fresh = std::move(replay_.front());
    replay_.pop_front();
  }
  recorded_.push_back(fresh);
  return fresh;
}

std::vector<std::string> JournalIds::takeRecorded() { return std::exchange(recorded_, {}); }

void JournalIds::queueReplay(const std::vector<std::string>& ids) {
  replay_.insert(replay_.end(), ids.begin(), ids.end());
}

}  // namespace wharf::sfn
