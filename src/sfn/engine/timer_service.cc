#include "sfn/engine/timer_service.h"

#include <vector>

namespace wharf::sfn {

TimerService::TimerService(const Clock& clock, bool runThread) : clock_(clock) {
  if (runThread) thread_ = std::thread([this] { loop(); });
}

TimerService::~TimerService() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t TimerService::schedule(TimePoint due, std::function<void()> fn) {
  uint64_t id;
  bool earliest;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    earliest = due_.empty() || due < due_.begin()->first;
    due_.emplace(due, id);
    timers_.emplace(id, std::pair{due, std::move(fn)});
  }
  if (earliest) cv_.notify_all();
  return id;
}

bool TimerService::cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  auto [lo, hi] = due_.equal_range(it->second.first);
  for (auto d = lo; d != hi; ++d) {
    if (d->second == id) {
      due_.erase(d);
      break;
    }
  }
  timers_.erase(it);
  return true;
}

size_t TimerService::pending() const {
  std::lock_guard lock(mu_);
  return timers_.size();
}

void TimerService::runDue() {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    TimePoint now = clock_.now();
    while (!due_.empty() && due_.begin()->first <= now) {
      auto node = timers_.extract(due_.begin()->second);
      due_.erase(due_.begin());
      ready.push_back(std::move(node.mapped().second));
    }
  }
  for (auto& fn : ready) fn();
}

void TimerService::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (due_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto wait = due_.begin()->first - clock_.now();
    if (wait > std::chrono::system_clock::duration::zero()) {
      // The wall clock may jump; re-check at least once a second.
      cv_.wait_for(lock, std::min<std::chrono::system_clock::duration>(wait, std::chrono::seconds(1)));
      continue;
    }
    lock.unlock();
    runDue();
    lock.lock();
  }
}

}  // namespace wharf::sfn
