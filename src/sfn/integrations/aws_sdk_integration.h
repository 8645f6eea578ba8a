// arn:aws:states:::aws-sdk:{ecs,cloudwatchlogs,sfn}:ACTION[.waitForTaskToken]: any operation of
// Wharf's ECS, CloudWatch Logs and Step Functions APIs, with the SDK integrations' PascalCase
// members and ServiceName.ErrorName errors.
#pragma once

#include "sfn/integrations/integration.h"
#include "sfn/integrations/service_caller.h"

namespace wharf::sfn {

class AwsSdkIntegration final : public Integration {
 public:
  explicit AwsSdkIntegration(const ServiceCaller& caller) : caller_(caller) {}

  // True for the three services, an action naming an operation of their model, and no pattern
  // or .waitForTaskToken (AWS offers no .sync for SDK integrations).
  bool handles(const std::string& resource) const override;
  // Calls the operation with the Parameters' members matched to the model, then succeeds with the
  // response in PascalCase (or reports it submitted for .waitForTaskToken); an API error fails the
  // state with e.g. Ecs.ClusterNotFoundException and the message as cause.
  void start(const TaskContext& context, const asl::TaskRequest& request, TaskOutcomeSink& sink) override;
  // Nothing to cancel: the call completed within start().
  void cancel(const TaskContext& context, const std::string& taskId) override {}

 private:
  const ServiceCaller& caller_;
};

}  // namespace wharf::sfn
