// Where the runtime keeps per-container state on disk. The layout is the contract between the
// server, the launchers and the supervisors, and what recover() reads after a restart:
//
//   <dataDir>/runtime/tasks/<taskId>/<container>/   bundle, overlay dirs, capture.log, pid files
//   <dataDir>/runtime/exits/<taskId>.<container>.json  exit status, renamed in when it exits
//   <dataDir>/runtime/runc/                            the OCI runtime's own state (--root)
#pragma once

#include <optional>
#include <string>

#include "agent/runtime/launcher.h"

namespace wharf::agent {

class RuntimeLayout {
 public:
  explicit RuntimeLayout(const std::string& dataDir) : root_(dataDir + "/runtime") {}

  // Creates the fixed directories.
  Result<void> prepare() const;

  std::string taskDir(const std::string& taskId) const { return root_ + "/tasks/" + taskId; }
  std::string containerDir(const ContainerRef& r) const { return taskDir(r.taskId) + "/" + r.container; }
  std::string capturePath(const ContainerRef& r) const { return containerDir(r) + "/capture.log"; }
  std::string pidPath(const ContainerRef& r) const { return containerDir(r) + "/pid"; }
  std::string supervisorPidPath(const ContainerRef& r) const { return containerDir(r) + "/supervisor.pid"; }
  std::string exitsDir() const { return root_ + "/exits"; }
  std::string statusPath(const ContainerRef& r) const { return exitsDir() + "/" + statusName(r); }
  std::string runtimeStateDir() const { return root_ + "/runc"; }

  static std::string statusName(const ContainerRef& r) { return r.taskId + "." + r.container + ".json"; }
  // The container a file name in exitsDir() belongs to; nullopt for temporary files.
  static std::optional<ContainerRef> parseStatusName(const std::string& name);

 private:
  std::string root_;
};

}  // namespace wharf::agent
