// The opt-in launcher for machines without an OCI runtime: a container's process runs directly on
// the host, without isolation or resource limits, with the same supervisor, capture file and
// lifecycle as OCI containers. The image only supplies the command and environment.
#pragma once

#include <string>

#include "agent/runtime/launcher.h"
#include "agent/runtime/runtime_layout.h"

namespace wharf::agent {

struct ProcessLauncherConfig {
  std::string dataDir;
  std::string supervisorPath;  // absolute path of wharf-supervisor
};

class ProcessLauncher final : public Launcher {
 public:
  explicit ProcessLauncher(ProcessLauncherConfig config);

  Result<ContainerStatus> start(const LaunchRequest& request) override;
  Result<ContainerStatus> recover(const ContainerRef& ref) override;
  // Signals the container's whole process group.
  Result<void> stop(const ContainerRef& ref, int signal) override;
  Result<ContainerStatus> inspect(const ContainerRef& ref) override;
  Result<void> remove(const ContainerRef& ref) override;

 private:
  ProcessLauncherConfig config_;
  RuntimeLayout layout_;
};

}  // namespace wharf::agent
