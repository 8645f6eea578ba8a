// What the agent needs to run one ECS task on this node, already resolved from the task
// definition and the RunTask overrides by the ECS control plane (no ECS JSON in here).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wharf::agent {

enum class NetworkMode { kNone, kHost, kAwsvpc, kBridge };

struct Ulimit {
  std::string name;  // ECS names: nofile, nproc, core, ... (RLIMIT_ lower-cased)
  int64_t soft = 0;
  int64_t hard = 0;
};

struct MountSpec {
  std::string hostPath;       // absolute; a task volume's host sourcePath, or a per-task scratch dir
  std::string containerPath;  // absolute path inside the container
  bool readOnly = false;
};

struct PortSpec {
  int containerPort = 0;
  int hostPort = 0;  // 0 = none requested
  std::string protocol = "tcp";
};

// Where a container's stdout/stderr lines go, besides the capture file the supervisor keeps.
struct LogSpec {
  std::string driver;  // "awslogs" or empty (none)
  std::map<std::string, std::string> options;
};

struct ContainerSpec {
  std::string name;
  std::string image;  // reference as written in the task definition, e.g. busybox:latest
  bool essential = true;
  std::optional<std::vector<std::string>> entryPoint;  // nullopt = the image's
  std::optional<std::vector<std::string>> command;     // nullopt = the image's
  std::vector<std::pair<std::string, std::string>> environment;  // merged over the image's Env
  std::optional<std::string> workingDirectory;
  std::optional<std::string> user;  // "uid", "uid:gid", or a name from the image's /etc/passwd
  bool readonlyRootFilesystem = false;
  bool initProcessEnabled = false;
  // linuxParameters.capabilities: names as ECS writes them ("SYS_ADMIN", "ALL"), applied to
  // Docker's default set the way Docker applies them.
  std::vector<std::string> capabilitiesAdd;
  std::vector<std::string> capabilitiesDrop;
  bool seccompUnconfined = false;  // dockerSecurityOptions "seccomp=unconfined" (or "seccomp:unconfined")
  int cpu = 0;                          // CPU units (1024 = one vCPU); 0 = no own limit
  std::optional<int> memoryMiB;         // hard limit
  std::optional<int> memoryReservationMiB;
  std::vector<Ulimit> ulimits;
  std::vector<MountSpec> mounts;
  std::vector<PortSpec> ports;
  std::chrono::seconds stopTimeout{30};  // SIGTERM → SIGKILL grace
  LogSpec log;
};

struct TaskSpec {
  std::string taskId;  // 32 hex digits, unique per node
  std::string taskArn;
  std::string clusterName;
  std::string family;
  int cpu = 0;                   // task-level CPU units; 0 = unlimited
  std::optional<int> memoryMiB;  // task-level hard limit
  NetworkMode networkMode = NetworkMode::kAwsvpc;
  std::vector<ContainerSpec> containers;
};

}  // namespace wharf::agent
