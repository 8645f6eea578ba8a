// The /etc/hosts and /etc/resolv.conf a container gets, as Docker and the ECS agent make them:
// written per container beside its bundle and bind-mounted over the image's.
#pragma once

#include <string>

#include "agent/task_spec.h"

namespace wharf::agent {

// Host mode: the host's file (the container shares its name and network). Otherwise the loopback
// names and `hostname`, on `ipv4` when the task has an address (awsvpc), else on 127.0.1.1.
std::string containerHosts(NetworkMode mode, const std::string& hostname, const std::string& ipv4,
                           const std::string& hostHosts);

// Host mode: the host's file. A task with its own network gets the host's less the loopback
// nameservers (a local resolver such as systemd-resolved's is not reachable from another network
// namespace); network mode none gets one without nameservers.
std::string containerResolvConf(NetworkMode mode, const std::string& hostResolvConf);

}  // namespace wharf::agent
