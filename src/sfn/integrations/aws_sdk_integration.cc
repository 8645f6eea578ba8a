#include "sfn/integrations/aws_sdk_integration.h"

#include <optional>

#include "sfn/integrations/resource_name.h"
#include "sfn/integrations/task_outcome.h"

namespace wharf::sfn {
namespace {

struct SdkService {
  std::string_view resourceType;  // as in the Resource ARN
  std::string_view targetPrefix;
  std::string_view errorPrefix;  // the service in error names, PascalCase as AWS writes it
};

constexpr SdkService kServices[] = {
    {"aws-sdk:ecs", kEcsPrefix, "Ecs"},
    {"aws-sdk:cloudwatchlogs", kLogsPrefix, "CloudWatchLogs"},
    {"aws-sdk:sfn", kSfnPrefix, "Sfn"},
};

struct Target {
  const SdkService* service;
  std::string operation;
  std::string pattern;
};

std::optional<Target> target(const std::string& resource) {
  auto name = ResourceName::parse(resource);
  if (!name) return std::nullopt;
  for (const SdkService& s : kServices) {
    if (s.resourceType == name->service) return Target{&s, pascalCase(name->action), name->pattern};
  }
  return std::nullopt;
}

// AWS names SDK errors ServiceName.ErrorName and adds the Exception suffix where the service's own
// name lacks it (ExecutionDoesNotExist -> Sfn.ExecutionDoesNotExistException).
std::string errorName(const SdkService& service, const Error& e) {
  std::string name = e.type.empty() ? std::string(service.errorPrefix) + "Exception" : e.type;
  if (!name.ends_with("Exception")) name += "Exception";
  return std::string(service.errorPrefix) + "." + name;
}

}  // namespace

bool AwsSdkIntegration::handles(const std::string& resource) const {
  auto t = target(resource);
  return t && (t->pattern.empty() || t->pattern == "waitForTaskToken") &&
         caller_.models().hasOperation(t->service->targetPrefix, t->operation);
}

void AwsSdkIntegration::start(const TaskContext& context, const asl::TaskRequest& request, TaskOutcomeSink& sink) {
  reportStarted(sink, context, request.taskId);
  auto t = target(request.resource);
  if (!t) {
    return reportFailed(sink, context, request.taskId, "States.Runtime",
                        "The resource '" + request.resource + "' is not an AWS SDK integration Wharf provides");
  }
  const api::ModelValidator& models = caller_.models();
  boost::json::object input =
      request.parameters.is_object()
          ? models.matchInputMembers(t->service->targetPrefix, t->operation, request.parameters.get_object())
          : boost::json::object();
  Result<boost::json::value> response = caller_.call(context, t->service->targetPrefix, t->operation, input);
  if (!response) {
    return reportFailed(sink, context, request.taskId, errorName(*t->service, response.error()),
                        response.error().message);
  }
  boost::json::value output = models.toSdkOutput(t->service->targetPrefix, t->operation, *response);
  if (t->pattern.empty()) return reportSucceeded(sink, context, request.taskId, std::move(output));
  reportSubmitted(sink, context, request.taskId, std::move(output));
}

}  // namespace wharf::sfn
