// The default launcher: one OCI bundle per container on an overlay of the image's root
// filesystem, run by an OCI runtime (runc; crun works too) under a wharf-supervisor.
#pragma once

#include <memory>
#include <string>

#include "agent/runtime/launcher.h"
#include "agent/runtime/runtime_layout.h"

namespace wharf::agent {

struct OciLauncherConfig {
  std::string dataDir;
  std::string runtimePath = "runc";
  std::string supervisorPath;  // absolute path of wharf-supervisor (also the containers' init)
};

class OciLauncher final : public Launcher {
 public:
  explicit OciLauncher(OciLauncherConfig config);

  Result<ContainerStatus> start(const LaunchRequest& request) override;
  Result<ContainerStatus> recover(const ContainerRef& ref) override;
  Result<void> stop(const ContainerRef& ref, int signal) override;
  Result<ContainerStatus> inspect(const ContainerRef& ref) override;
  Result<void> remove(const ContainerRef& ref) override;

  // The runtime's id for a container, and its cgroup path (under /wharf/<taskId>/).
  static std::string containerId(const ContainerRef& ref) { return "wharf-" + ref.taskId + "-" + ref.container; }
  static std::string cgroupsPath(const ContainerRef& ref) { return "/wharf/" + ref.taskId + "/" + ref.container; }

 private:
  Result<void> prepareBundle(const LaunchRequest& request, const ContainerRef& ref);

  OciLauncherConfig config_;
  RuntimeLayout layout_;
};

}  // namespace wharf::agent
