// The semantic rules of RegisterTaskDefinition: validates a request the API layer has type-checked
// and returns the task definition as ECS echoes it (defaults filled in, cpu/memory normalized to
// units, requiresAttributes and compatibilities computed). The registry adds identity and status.
#pragma once

#include <boost/json.hpp>

#include "common/result.h"

namespace wharf::ecs {

Result<boost::json::object> buildTaskDefinition(const boost::json::object& request);

}  // namespace wharf::ecs
