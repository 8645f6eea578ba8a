// Registration of the ECS API operations (AWS JSON 1.1, target prefix below), grouped by resource.
#pragma once

#include "api/router.h"
#include "ecs/ecs_context.h"
#include "ecs/run_task.h"
#include "ecs/task_lifecycle.h"

namespace wharf::ecs {

inline constexpr char kTargetPrefix[] = "AmazonEC2ContainerServiceV20141113";

void registerClusterHandlers(api::Router& router, EcsContext& ctx);
void registerTaskDefinitionHandlers(api::Router& router, EcsContext& ctx);
void registerTaskHandlers(api::Router& router, EcsContext& ctx, TaskRunner& runner, TaskLifecycle& lifecycle);
void registerTagHandlers(api::Router& router, EcsContext& ctx);

}  // namespace wharf::ecs
