#include "scheduler/binpack.h"

namespace wharf::scheduler {
namespace {

Resources freeOf(const NodeSnapshot& n) {
  return {n.capacity.cpuUnits - n.reserved.cpuUnits, n.capacity.memoryMiB - n.reserved.memoryMiB};
}

bool fits(const Resources& free, const Resources& demand) {
  return demand.cpuUnits <= free.cpuUnits && demand.memoryMiB <= free.memoryMiB;
}

// ECS reports memory first when both are short, as its placement engine checks memory first.
std::string shortfall(const Resources& free, const Resources& demand) {
  return demand.memoryMiB > free.memoryMiB ? "RESOURCE:MEMORY" : "RESOURCE:CPU";
}

}  // namespace

std::vector<Placement> placeBinpack(std::vector<NodeSnapshot> nodes, const std::vector<Resources>& demands) {
  std::vector<Placement> plan;
  plan.reserve(demands.size());
  for (const Resources& demand : demands) {
    NodeSnapshot* best = nullptr;
    NodeSnapshot* closest = nullptr;
    for (NodeSnapshot& node : nodes) {
      Resources free = freeOf(node);
      if (fits(free, demand)) {
        if (!best || free.memoryMiB < freeOf(*best).memoryMiB) best = &node;
      } else if (!closest || free.memoryMiB > freeOf(*closest).memoryMiB) {
        closest = &node;
      }
    }
    Placement p;
    if (best) {
      best->reserved.cpuUnits += demand.cpuUnits;
      best->reserved.memoryMiB += demand.memoryMiB;
      p.nodeId = best->id;
    } else if (closest) {
      p.failureNodeId = closest->id;
      p.failureReason = shortfall(freeOf(*closest), demand);
    } else {
      p.failureReason = "RESOURCE:MEMORY";  // no nodes at all
    }
    plan.push_back(std::move(p));
  }
  return plan;
}

}  // namespace wharf::scheduler
