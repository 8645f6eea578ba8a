// Per-task networking on this node: network namespaces, the awsvpc bridge and address pool.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/task_spec.h"
#include "common/result.h"

namespace wharf::agent {

struct NetworkAttachment {
  std::string netnsPath;  // bind-mounted namespace to join; empty = the host's (host mode)
  std::string ipv4;       // awsvpc: the task's private address
  std::string macAddress;
  std::string gateway;
  int prefixLength = 0;
};

struct NetworkConfig {
  std::string bridgeName = "wharf0";
  std::string subnet = "10.88.0.0/16";  // awsvpc addresses come from here; .1 is the bridge
  std::string stateDir;                 // where allocations are kept across restarts
};

class NetworkManager {
 public:
  virtual ~NetworkManager() = default;
  // Creates the task's network: nothing for host mode, a namespace with only loopback for none,
  // a namespace with a veth on the bridge and an address from the pool for awsvpc, reachable from
  // the host at that address on every port the containers listen on. Idempotent per task id:
  // a second call returns the existing attachment (also after a restart). Thread-safe.
  virtual Result<NetworkAttachment> attach(const std::string& taskId, NetworkMode mode,
                                           const std::vector<PortSpec>& ports) = 0;
  // Removes the namespace and frees the address. Idempotent. Thread-safe.
  virtual Result<void> detach(const std::string& taskId) = 0;
};

Result<std::unique_ptr<NetworkManager>> makeNetworkManager(const NetworkConfig& config);

}  // namespace wharf::agent
