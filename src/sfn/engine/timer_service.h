// One timer thread for every Wait state, task timeout, heartbeat, execution timeout and
// GetActivityTask long poll: a min-heap of due times read from the injected Clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "common/clock.h"

namespace wharf::sfn {

class TimerService {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // With `runThread` false nothing fires on its own: the owner calls runDue() (tests with a
  // ManualClock). Otherwise a thread sleeps until the earliest due time.
  TimerService(const Clock& clock, bool runThread);
  ~TimerService();  // stops the thread; pending callbacks never run

  // Calls `fn` on the timer thread at or after `due` (at once if already past). `fn` must be quick.
  // Returns an id for cancel(). Thread-safe.
  uint64_t schedule(TimePoint due, std::function<void()> fn);
  // Forgets a pending timer; false when it already ran or was cancelled. Thread-safe.
  bool cancel(uint64_t id);
  // Runs every timer due by the clock's now(), on the calling thread. Thread-safe.
  void runDue();
  size_t pending() const;

 private:
  void loop();

  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<TimePoint, uint64_t> due_;
  std::map<uint64_t, std::pair<TimePoint, std::function<void()>>> timers_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wharf::sfn
