// The parts of a service-integration Resource ARN: arn:PARTITION:states:::SERVICE:ACTION[.PATTERN],
// where SERVICE is "ecs", "states" or "aws-sdk:NAME" and PATTERN is "sync", "sync:2" or
// "waitForTaskToken".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::sfn {

struct ResourceName {
  std::string service;  // "ecs", "states", "aws-sdk:ecs", ...
  std::string action;   // "runTask", "startExecution", "describeTasks", ...
  std::string pattern;  // empty for request-response

  // nullopt unless `resource` names a service integration (empty region and account).
  static std::optional<ResourceName> parse(std::string_view resource);
};

}  // namespace wharf::sfn
