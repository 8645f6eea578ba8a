// Builds a new task as ECS reports it right after RunTask/StartTask accepted it.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "agent/task_spec.h"
#include "common/ids.h"
#include "ecs/arns.h"
#include "ecs/entity_table.h"

namespace wharf::ecs {

struct NewTask {
  const agent::TaskSpec* spec = nullptr;
  const boost::json::object* taskDefinition = nullptr;
  const boost::json::object* overrides = nullptr;  // the request's TaskOverride, may be null
  std::string clusterArn;
  std::string launchType;
  std::string platformVersion;       // FARGATE only
  std::string containerInstanceArn;  // not for FARGATE
  std::string group;
  std::string startedBy;
  std::string subnetId;  // awsvpc
  std::string availabilityZone;
  bool enableExecuteCommand = false;
  Tags tags;
  std::chrono::system_clock::time_point createdAt;
};

Entity newTaskEntity(const NewTask& params, const Arns& arns, IdGenerator& ids);

}  // namespace wharf::ecs
