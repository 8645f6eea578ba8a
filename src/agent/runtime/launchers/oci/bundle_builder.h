// Writes the OCI runtime config (config.json) of one container: process, user, rlimits,
// namespaces, mounts, capabilities (Docker's defaults with the container's additions and drops),
// the seccomp filter, runc's default masked paths and the cgroup limits derived from the task
// definition.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "agent/runtime/launcher.h"
#include "common/result.h"

namespace wharf::agent {

// Where init lives inside a container with initProcessEnabled (bind-mounted read-only).
inline constexpr const char* kContainerInitPath = "/sbin/wharf-init";

struct BundleOptions {
  std::string rootfs = "rootfs";  // root.path, relative to the bundle
  std::string cgroupsPath;        // e.g. /wharf/<taskId>/<container>
  std::string initBinary;         // host path of the init helper (the supervisor binary)
  std::string hostsPath{};        // host file bind-mounted at /etc/hosts; empty = none
  std::string resolvConfPath{};   // host file bind-mounted at /etc/resolv.conf; empty = none
  std::string seccompBpf{};       // the profile precompiled for crun (seccomp_bpf.h); empty = none
};

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additionalGids;
  std::string home = "/";
};

// Resolves "", "uid", "uid:gid", "name" or "name:group" against <rootfs>/etc/passwd and
// <rootfs>/etc/group (as Docker does). An unknown name is an error.
Result<ResolvedUser> resolveUser(const std::string& rootfs, const std::string& user);

// The task's short host name: the first 12 characters of its id.
std::string taskHostname(const std::string& taskId);

// The capabilities the container holds: Docker's defaults with its additions and drops, as Docker
// applies them. An unknown name is an error.
Result<std::set<std::string>> containerCapabilities(const ContainerSpec& container);

// The config.json text for the container.
Result<std::string> buildOciConfig(const LaunchRequest& request, const BundleOptions& options);

}  // namespace wharf::agent
