// A small fixed pool of threads that runs queued jobs in FIFO order.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wharf::sfn {

class WorkPool {
 public:
  explicit WorkPool(size_t threads);
  ~WorkPool();  // runs the jobs already queued, then joins

  // Queues a job; thread-safe, callable from jobs.
  void post(std::function<void()> job);

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wharf::sfn
