// The node-local executor the ECS control plane drives: it resolves images, sets up the task's
// network and starts, watches and stops its containers through a launcher. Task lifecycle as the
// agent sees it (ECS maps these to lastStatus):
//
//   launch() ─▶ kPulled ─▶ kNetworkReady ─▶ kContainerStarted (per container) ─▶ kContainerExited
//                  │ (image missing, runtime error)                  (per container, with exit code)
//                  └──▶ kFailedToStart
//   after every container has exited and resources are released ─▶ kCleanedUp
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/task_spec.h"
#include "common/result.h"

namespace wharf::agent {

struct TaskEvent {
  enum class Kind { kPulled, kNetworkReady, kContainerStarted, kContainerExited, kFailedToStart, kCleanedUp };
  Kind kind;
  std::string taskId;
  std::string container;         // for container events
  std::optional<int> exitCode;   // kContainerExited
  std::string reason;            // e.g. "OutOfMemoryError: Container killed due to memory usage",
                                 // "CannotPullContainerError: ..." (kFailedToStart)
  std::string privateIpv4;       // kNetworkReady in awsvpc mode
  std::string macAddress;        // kNetworkReady in awsvpc mode
  std::chrono::system_clock::time_point at;  // when it happened (exit time survives restarts)
};

using TaskEventSink = std::function<void(const TaskEvent&)>;

struct NodeResources {
  int cpuUnits = 0;    // 1024 per host CPU
  int memoryMiB = 0;   // host memory usable by tasks
};

class Agent {
 public:
  virtual ~Agent() = default;

  // Receives every task event, from agent threads, in order per task. Set once before launch().
  virtual void setEventSink(TaskEventSink sink) = 0;

  // Starts the task asynchronously; progress arrives as events. Idempotent per taskId: a second
  // call for a task already known does nothing. Errors here are only for invalid specs; a task
  // that cannot start reports kFailedToStart.
  virtual Result<void> launch(const TaskSpec& spec) = 0;

  // Sends SIGTERM to every running container of the task, then SIGKILL after each container's
  // stopTimeout. Returns at once; exits arrive as events. Unknown or finished task: no-op.
  virtual Result<void> stop(const std::string& taskId) = 0;

  // Stops one container the same way (ECS stops the others when an essential one exits).
  virtual Result<void> stopContainer(const std::string& taskId, const std::string& container) = 0;

  // After a server restart: re-attaches to a task's supervisors from the state on disk and
  // replays, as events, everything that happened while the server was down (exits with their
  // real exit codes). Containers keep running; nothing is restarted.
  virtual Result<void> recover(const TaskSpec& spec) = 0;

  // Releases everything the task holds on the node (network namespace, bundles, cgroups) once its
  // containers have exited; reports kCleanedUp. Idempotent.
  virtual Result<void> cleanup(const std::string& taskId) = 0;

  virtual NodeResources resources() const = 0;
};

}  // namespace wharf::agent
