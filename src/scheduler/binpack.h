// Pure task placement: given a snapshot of nodes (capacity and what running tasks reserve) and the
// tasks to place, decides where each one goes. No I/O, no clock; the caller applies the plan.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace wharf::scheduler {

struct Resources {
  int cpuUnits = 0;  // 1024 per vCPU
  int memoryMiB = 0;
};

struct NodeSnapshot {
  std::string id;      // e.g. the container instance ARN; echoed in placements and failures
  Resources capacity;  // what the node offers to tasks
  Resources reserved;  // what its non-stopped tasks already hold
};

struct Placement {
  std::optional<std::string> nodeId;  // set when placed
  std::string failureNodeId;          // when not placed: the node that came closest
  std::string failureReason;          // "RESOURCE:MEMORY" or "RESOURCE:CPU" (ECS wording)
};

// Places `demands` in order, one Placement per demand, packing by memory the way ECS's default
// binpack strategy does: each task goes to the node with the least free memory that still fits
// it, so large gaps stay available for large tasks. Reservations of tasks placed earlier in the
// same call count against later ones.
std::vector<Placement> placeBinpack(std::vector<NodeSnapshot> nodes, const std::vector<Resources>& demands);

}  // namespace wharf::scheduler
