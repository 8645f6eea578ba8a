#include "sfn/integrations/poll_loop.h"

namespace wharf::sfn {

void PollLoop::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void PollLoop::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();  // also wakes the waiting thread
  thread_.join();
  thread_ = std::jthread();
}

void PollLoop::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    for (Follower* f : followers_) f->poll();
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, interval_, [] { return false; });
  }
}

}  // namespace wharf::sfn
