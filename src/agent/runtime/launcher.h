// A launcher starts, watches and stops the containers of tasks on this node. Every container runs
// under its own wharf-supervisor process, which outlives the server and leaves the container's
// state on disk (see RuntimeLayout), so a new server re-attaches with inspect()/recover().
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/images/image_store.h"
#include "agent/task_spec.h"
#include "common/result.h"

namespace wharf::agent {

struct ContainerRef {
  std::string taskId;
  std::string container;
};

struct LaunchRequest {
  const TaskSpec& task;
  const ContainerSpec& container;
  const Image& image;
  std::string netnsPath;  // namespace to join; empty = a new empty one, or none in host mode
  std::string ipv4;       // the task's address (awsvpc), for /etc/hosts; empty = unknown
};

struct ContainerStatus {
  enum class State { kAbsent, kRunning, kExited };
  State state = State::kAbsent;
  std::optional<int> exitCode;
  std::string reason;  // set for OOM kills and lost supervisors
  std::chrono::system_clock::time_point startedAt;
  std::chrono::system_clock::time_point exitedAt;
};

class Launcher {
 public:
  virtual ~Launcher() = default;

  // Starts the container and returns once it runs (a start error is the Result's error, type
  // "CannotStartContainerError"). Idempotent per (task id, container): a container that already
  // started is not started again; its status is returned. Thread-safe.
  virtual Result<ContainerStatus> start(const LaunchRequest& request) = 0;

  // After a server restart: checks that the container's supervisor still watches it (a container
  // whose supervisor died is recorded as exited with no exit code) and returns its status.
  virtual Result<ContainerStatus> recover(const ContainerRef& ref) = 0;

  // Sends `signal` to the container's main process. No-op for exited or unknown containers.
  virtual Result<void> stop(const ContainerRef& ref, int signal) = 0;

  // The container's state as recorded on disk. Thread-safe.
  virtual Result<ContainerStatus> inspect(const ContainerRef& ref) = 0;

  // Releases the container's bundle, root filesystem mount, runtime state and cgroup. Idempotent.
  virtual Result<void> remove(const ContainerRef& ref) = 0;
};

}  // namespace wharf::agent
