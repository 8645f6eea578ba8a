// The server's side of the wharf-supervisor protocol (see supervisor/main.cc): spawning a
// supervisor detached from the server, and reading the state it leaves on disk.
#pragma once

#include <string>
#include <vector>

#include "agent/runtime/launcher.h"
#include "agent/runtime/runtime_layout.h"
#include "common/result.h"

namespace wharf::agent {

// The number under which the supervisor receives SupervisorCommand::inheritFd.
inline constexpr int kSupervisorInheritedFd = 4;

struct SupervisorCommand {
  std::vector<std::string> argv;  // the supervisor binary first
  std::vector<std::string> env;   // its environment (the container's in process mode)
  std::string cwd;                // its working directory; empty = the server's
  std::string logPath;            // its own stdout/stderr
  int inheritFd = -1;             // a descriptor it gets as kSupervisorInheritedFd; -1 = none
};

// Spawns the supervisor in a new session (it forks once more, so it is nobody's child here) and
// waits until it reports the container running. The error carries the runtime's message.
Result<void> startSupervisor(const SupervisorCommand& command);

// The container's state from the files its supervisor left.
ContainerStatus readContainerStatus(const RuntimeLayout& layout, const ContainerRef& ref);

// readContainerStatus(), but a running container whose supervisor is gone is recorded (in its
// status file) as exited with no exit code, since nothing would ever report its exit.
ContainerStatus recoverContainerStatus(const RuntimeLayout& layout, const ContainerRef& ref);

// The pid of the container's main process in the host's pid namespace, or 0.
int readContainerPid(const RuntimeLayout& layout, const ContainerRef& ref);

// Writes a file so that readers see all of it or nothing.
Result<void> writeFileAtomic(const std::string& path, const std::string& content);

}  // namespace wharf::agent
