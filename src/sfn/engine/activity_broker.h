// Matches activity tasks with GetActivityTask pollers: a FIFO of tasks and a FIFO of parked pollers
// per activity. Pure bookkeeping; the engine delivers the match and times pollers out.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

namespace wharf::sfn {

struct ActivityTask {
  std::string executionArn;
  std::string taskId;
  std::string taskToken;
  std::string input;  // JSON text
};

class ActivityBroker {
 public:
  struct Poller {
    std::string workerName;
    std::function<void(std::optional<ActivityTask>)> reply;
  };

  // Queues `task`, or returns the parked poller that must receive it now. Thread-safe.
  std::optional<Poller> push(const std::string& activityArn, ActivityTask task);
  // A queued task for this poller, or the id under which the poller was parked. Thread-safe.
  std::variant<ActivityTask, uint64_t> poll(const std::string& activityArn, Poller poller);
  // Un-parks a poller whose wait ran out; nullopt when it was served meanwhile. Thread-safe.
  std::optional<Poller> expire(uint64_t pollerId);
  // Drops a queued (not yet delivered) task; false when it is not queued. Thread-safe.
  bool remove(const std::string& activityArn, const std::string& taskId);

 private:
  struct Queue {
    std::deque<ActivityTask> tasks;
    std::deque<uint64_t> pollers;
  };
  std::mutex mu_;
  std::map<std::string, Queue, std::less<>> queues_;
  std::map<uint64_t, std::pair<std::string, Poller>> parked_;
  uint64_t next_poller_ = 1;
};

}  // namespace wharf::sfn
