// The AWS ECS error shapes the handlers return, with AWS's wording where it is fixed.
#pragma once

#include <string>

#include "common/result.h"

namespace wharf::ecs {

inline std::unexpected<Error> clusterNotFound() {
  return fail(ErrorCode::kNotFound, "ClusterNotFoundException", "Cluster not found.");
}
inline std::unexpected<Error> clientError(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "ClientException", std::move(message));
}
inline std::unexpected<Error> invalidParam(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "InvalidParameterException", std::move(message));
}
inline std::unexpected<Error> unknownTaskDefinition() { return clientError("Unable to describe task definition."); }

}  // namespace wharf::ecs
