// arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]: child executions of
// Wharf's own state machines, followed to completion for .sync.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "sfn/integrations/integration.h"
#include "sfn/integrations/poll_loop.h"
#include "sfn/integrations/service_caller.h"

namespace wharf::sfn {

class StartExecutionIntegration final : public Integration, public Follower {
 public:
  explicit StartExecutionIntegration(const ServiceCaller& caller) : caller_(caller) {}

  bool handles(const std::string& resource) const override;
  // Starts the child through StartExecution, named after (executionArn, taskId) unless Name is
  // given, so a repeated start finds the same child. Request-response succeeds with ExecutionArn
  // and StartDate; .waitForTaskToken and .sync report that as submitted; .sync then succeeds with
  // the child's DescribeExecution (Input and Output as JSON text, or parsed for .sync:2) or fails
  // with States.TaskFailed and that description as cause. API errors fail with
  // StepFunctions.ErrorName.
  void start(const TaskContext& context, const asl::TaskRequest& request, TaskOutcomeSink& sink) override;
  // Stops a child started with .sync (StopExecution).
  void cancel(const TaskContext& context, const std::string& taskId) override;
  // One DescribeExecution per followed child.
  void poll() override;

 private:
  using Key = std::pair<std::string, std::string>;  // executionArn, taskId
  struct Child {
    TaskContext context;
    std::string executionArn;
    TaskOutcomeSink* sink = nullptr;
    bool parsed = false;     // .sync:2
    bool submitted = false;  // TaskSubmitted reported, so an outcome may follow
  };

  const ServiceCaller& caller_;
  std::mutex mutex_;
  std::map<Key, Child> children_;
};

}  // namespace wharf::sfn
