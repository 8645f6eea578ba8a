// The node's task network allocations (task id → mode and address), kept in a small JSON file
// under the state directory so attach() stays idempotent and addresses stay taken across restarts.
#pragma once

#include <map>
#include <string>

#include "agent/network/unique_fd.h"
#include "agent/task_spec.h"
#include "common/result.h"

namespace wharf::agent {

struct TaskNetworkRecord {
  NetworkMode mode = NetworkMode::kNone;
  std::string ipv4;  // awsvpc only
};

using TaskNetworkRecords = std::map<std::string, TaskNetworkRecord>;

// Not thread-safe by itself: callers serialise in-process and take lock() against other processes.
class NetworkState {
 public:
  // Creates `dir` if needed.
  static Result<NetworkState> open(const std::string& dir);

  // An exclusive inter-process lock on the state, released when the guard is destroyed.
  class LockGuard {
   public:
    explicit LockGuard(int fd) : fd_(fd) {}
    LockGuard(LockGuard&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;
    LockGuard& operator=(LockGuard&&) = delete;
    ~LockGuard();

   private:
    int fd_;
  };
  Result<LockGuard> lock();

  // A missing file is an empty state; a corrupt one is an error (it is never half-written).
  Result<TaskNetworkRecords> load() const;
  // Replaces the file atomically (temporary file + rename).
  Result<void> save(const TaskNetworkRecords& records) const;

 private:
  NetworkState(std::string path, UniqueFd lockFd) : path_(std::move(path)), lockFd_(std::move(lockFd)) {}

  std::string path_;
  UniqueFd lockFd_;
};

}  // namespace wharf::agent
