// What the ECS handlers and the controller share: dependencies, configuration and read models.
#pragma once

#include "agent/agent.h"
#include "common/clock.h"
#include "common/ids.h"
#include "ecs/arns.h"
#include "ecs/cluster_registry.h"
#include "ecs/ecs_config.h"
#include "ecs/task_definition_registry.h"
#include "ecs/task_registry.h"

namespace wharf::ecs {

struct EcsContext {
  EcsContext(Store& s, agent::Agent& a, const Clock& c, IdGenerator& i, EcsConfig cfg)
      : store(s),
        agent(a),
        clock(c),
        ids(i),
        config(std::move(cfg)),
        arns(config.region, config.accountId),
        clusters(s, arns),
        taskDefinitions(s, arns, c),
        tasks(s),
        clientTokens(s, "ecs.client-tokens") {}

  // This node as ECS names it in a cluster (tasks that are not Fargate report it).
  std::string containerInstanceArn(std::string_view cluster) const {
    return arns.containerInstance(cluster, config.nodeId);
  }

  Store& store;
  agent::Agent& agent;
  const Clock& clock;
  IdGenerator& ids;
  const EcsConfig config;
  const Arns arns;
  ClusterRegistry clusters;
  TaskDefinitionRegistry taskDefinitions;
  TaskRegistry tasks;
  EntityTable clientTokens;  // RunTask idempotency, keyed cluster/token
};

}  // namespace wharf::ecs
