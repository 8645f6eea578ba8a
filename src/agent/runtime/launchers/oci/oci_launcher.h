// The default launcher: one OCI bundle per container on an overlay of the image's root
// filesystem, run by an OCI runtime (crun or runc) under a wharf-supervisor.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "agent/network/unique_fd.h"
#include "agent/runtime/launcher.h"
#include "agent/runtime/runtime_layout.h"

namespace wharf::agent {

// The runtime to use for `requested`: "auto" (or "") picks crun when it is on PATH, as it costs a
// fraction of runc's CPU per container, else runc; anything else is used as given.
std::string resolveOciRuntime(const std::string& requested);

struct OciLauncherConfig {
  std::string dataDir;
  std::string runtimePath = "runc";  // a binary name or path, not "auto" (see resolveOciRuntime)
  std::string supervisorPath;        // absolute path of wharf-supervisor (also the containers' init)
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
  // The container's seccomp program precompiled for crun, or empty (runc, or compilation failed:
  // the runtime then compiles the profile itself).
  std::string precompiledSeccomp(const ContainerSpec& container);

  OciLauncherConfig config_;
  RuntimeLayout layout_;
  std::string hiddenMount_;  // mount the runtime must not see (wharf-supervisor --hide-mount), or empty
  UniqueFd runtimeCopy_;     // sealed copy of the runtime (sealed_binary.h); invalid: run it by name
  bool precompileSeccomp_;   // the runtime is crun, which takes a compiled filter
  // Compiling costs as much as a quarter of a container start, and containers hold few distinct
  // capability sets: one program per set.
  std::mutex seccompMutex_;
  std::map<std::set<std::string>, std::string> seccompPrograms_;
};

}  // namespace wharf::agent
