// The seam between the Step Functions engine and the services a Task state calls: the engine
// looks an integration up by resource ARN (in one explicit list) and hands it the task; the
// integration reports the outcome back through a TaskOutcomeSink, possibly much later.
#pragma once

#include <string>

#include "sfn/asl/task_types.h"

namespace wharf::sfn {

// Who is asking: the execution that owns the task.
struct TaskContext {
  std::string executionArn;
  std::string stateMachineArn;
  std::string accountId;
  std::string region;
};

class TaskOutcomeSink {
 public:
  virtual ~TaskOutcomeSink() = default;
  // Delivers one outcome (kTaskStarted, kTaskSubmitted, kTaskSucceeded, kTaskFailed,
  // kTaskHeartbeat) for task `input.id` of `executionArn`. Durable before it returns; outcomes for
  // finished executions or unknown tasks are ignored. Thread-safe; may be called from any thread,
  // including from inside Integration::start.
  virtual void report(const std::string& executionArn, const asl::StepInput& input) = 0;
};

class Integration {
 public:
  virtual ~Integration() = default;
  // True when this integration serves `resource` (e.g. "arn:aws:states:::ecs:runTask.sync").
  virtual bool handles(const std::string& resource) const = 0;
  // Starts the work and reports its outcome to `sink` (which outlives the integration). Must be
  // idempotent per (executionArn, taskId): after a crash the engine calls it again for every task
  // that had no outcome, and the work must not be done twice (e.g. pass a clientToken derived
  // from both to ECS RunTask) — a repeated call resumes following the existing work.
  virtual void start(const TaskContext& context, const asl::TaskRequest& request, TaskOutcomeSink& sink) = 0;
  // Best-effort cancellation (task timed out, execution stopped): e.g. StopTask for ECS tasks.
  virtual void cancel(const TaskContext& context, const std::string& taskId) = 0;
};

}  // namespace wharf::sfn
