// One background thread that follows every outstanding .sync task: each round it asks every
// Follower to check its work, which reads Wharf's in-memory state through the in-process APIs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace wharf::sfn {

class Follower {
 public:
  virtual ~Follower() = default;
  // Checks all outstanding work once and reports what finished. Called from the poll thread (or a
  // test); must not block for long.
  virtual void poll() = 0;
};

class PollLoop {
 public:
  // `followers` must outlive the loop.
  PollLoop(std::vector<Follower*> followers, std::chrono::milliseconds interval)
      : followers_(std::move(followers)), interval_(interval) {}
  ~PollLoop() { stop(); }

  // Starts the thread; idempotent.
  void start();
  // Stops and joins the thread; idempotent, and safe if never started.
  void stop();

 private:
  void run(std::stop_token stop);

  std::vector<Follower*> followers_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace wharf::sfn
