// The Step Functions service integrations Wharf provides, built over one Router and followed by
// one poll thread: the explicit list the engine looks Task resources up in.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "sfn/integrations/aws_sdk_integration.h"
#include "sfn/integrations/ecs_run_task_integration.h"
#include "sfn/integrations/poll_loop.h"
#include "sfn/integrations/service_caller.h"
#include "sfn/integrations/start_execution_integration.h"

namespace wharf::sfn {

struct ServiceIntegrationsConfig {
  // How often outstanding .sync work (ECS tasks, child executions) is checked; each check reads
  // Wharf's in-memory state, so this is latency, not load.
  std::chrono::milliseconds pollInterval{200};
};

class ServiceIntegrations {
 public:
  // `router` (holding the ECS, Logs and Step Functions handlers) and `ids` must outlive this.
  ServiceIntegrations(const api::Router& router, IdGenerator& ids, ServiceIntegrationsConfig config = {});
  ~ServiceIntegrations() { stop(); }

  // Every integration, in lookup order; owned by this object.
  std::vector<Integration*> list();
  // Starts following .sync work; call once the engine can take reports. Idempotent.
  void start() { loop_.start(); }
  // Stops following (joins the poll thread); call before the engine and the router go away.
  void stop() { loop_.stop(); }

 private:
  ServiceCaller caller_;
  EcsRunTaskIntegration ecs_;
  StartExecutionIntegration states_;
  AwsSdkIntegration sdk_;
  PollLoop loop_;
};

}  // namespace wharf::sfn
