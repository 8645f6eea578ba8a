// Named network namespaces: a namespace kept alive by a bind mount of its nsfs file, the way
// `ip netns` does it, so it outlives the process that made it (and a restart of the server).
#pragma once

#include <string>

#include "agent/network/rt_netlink.h"
#include "agent/network/unique_fd.h"
#include "common/result.h"

namespace wharf::agent {

struct NamedNetns {
  UniqueFd fd;        // the namespace, for IFLA_NET_NS_FD and setns()
  RtNetlink netlink;  // a socket acting inside the namespace
};

// Creates `dir` and makes it a shared mount point, so a namespace unmounted here is also released
// in mount namespaces (containers) that copied the mount table in the meantime.
Result<void> prepareNetnsDir(const std::string& dir);

// Whether `path` is a mounted network namespace (it stops being one after a reboot).
bool isNetnsMounted(const std::string& path);

// Creates a new network namespace bound to `path` (which must not be mounted), loopback up.
Result<NamedNetns> createNetns(const std::string& path);

// Unmounts and deletes `path`; the namespace goes once no process is left in it. Idempotent.
Result<void> removeNetns(const std::string& path);

}  // namespace wharf::agent
