// The ECS control plane: API handlers over in-memory read models written through to the store,
// and the controller that drives tasks on the node agent.
#pragma once

#include <memory>

#include "agent/agent.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/ids.h"
#include "ecs/ecs_config.h"
#include "store/store.h"

namespace wharf::ecs {

struct EcsContext;
class TaskLifecycle;
class TaskRunner;

class EcsService {
 public:
  // Loads clusters, task definitions and tasks from `store`, installs itself as the agent's event
  // sink and re-attaches to every task that is not STOPPED (Agent::recover), so exits missed while
  // the server was down are replayed. All references must outlive the service.
  static Result<std::unique_ptr<EcsService>> open(Store& store, agent::Agent& agent, const Clock& clock,
                                                  IdGenerator& ids, EcsConfig config);
  ~EcsService();

  // Registers every ECS operation on `router`; the handlers reference this service.
  void registerHandlers(api::Router& router);

  // Forgets tasks STOPPED longer than config.stoppedTaskRetention and expired RunTask client
  // tokens. Call periodically (e.g. every minute). Thread-safe.
  Result<void> sweep();

 private:
  explicit EcsService(std::unique_ptr<EcsContext> ctx);

  std::unique_ptr<EcsContext> ctx_;
  std::unique_ptr<TaskLifecycle> lifecycle_;
  std::unique_ptr<TaskRunner> runner_;
};

}  // namespace wharf::ecs
