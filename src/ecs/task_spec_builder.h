// Resolves a task definition plus RunTask overrides into the agent's TaskSpec. Deterministic, so
// recovery after a restart rebuilds exactly the spec the task was launched with.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "agent/task_spec.h"
#include "common/result.h"

namespace wharf::ecs {

struct TaskIdentity {
  std::string taskId;
  std::string taskArn;
  std::string cluster;
  std::string volumeRoot;  // parent of per-task dirs for volumes without a host sourcePath
};

// `overrides` is the TaskOverride shape (containerOverrides, cpu, memory). Fails with
// InvalidParameterException for overrides naming unknown containers, and for features this
// server does not support (environmentFiles).
Result<agent::TaskSpec> buildTaskSpec(const boost::json::object& taskDefinition, const boost::json::object& overrides,
                                      const TaskIdentity& identity);

// What the task reserves on a node: task-level cpu/memory, else the sum over its containers.
// Fargate has no container instance to run out of CPU on: the node's CPUs are shared by time (each
// task still gets its CFS quota), so a FARGATE launch reserves memory only, which cannot be shared.
struct TaskDemand {
  int cpuUnits = 0;
  int memoryMiB = 0;
};
TaskDemand demandOf(const agent::TaskSpec& spec, std::string_view launchType);

}  // namespace wharf::ecs
