// Settings of the ECS control plane that come from the server's configuration.
#pragma once

#include <chrono>
#include <string>

namespace wharf::ecs {

struct EcsConfig {
  std::string accountId = "000000000000";
  std::string region = "us-east-1";
  std::string nodeId = "local";                       // container instance id of this node
  std::string volumeRoot = "/var/lib/wharf/volumes";  // per-task dirs for volumes without a host path
  std::chrono::seconds stoppedTaskRetention{3600};    // AWS keeps stopped tasks visible about 1 h
  std::chrono::seconds clientTokenTtl{24 * 3600};     // RunTask clientToken lifetime, as AWS
};

}  // namespace wharf::ecs
