#include "sfn/integrations/service_integrations.h"

namespace wharf::sfn {

ServiceIntegrations::ServiceIntegrations(const api::Router& router, IdGenerator& ids, ServiceIntegrationsConfig config)
    : caller_(router, ids),
      ecs_(caller_),
      states_(caller_),
      sdk_(caller_),
      loop_({&ecs_, &states_}, config.pollInterval) {}

std::vector<Integration*> ServiceIntegrations::list() { return {&ecs_, &states_, &sdk_}; }

}  // namespace wharf::sfn
