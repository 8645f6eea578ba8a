// What passes between the interpreter and the outside world: the commands it asks the engine to
// perform, the inputs it is stepped with, and the service-integration seam Task states use.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace wharf::asl {

// How a Task's Resource is reported in history events.
enum class ResourceFamily { kLambda, kActivity, kService };

struct TaskRequest {
  std::string taskId;    // unique within the execution; results must quote it
  std::string resource;  // the Task's Resource ARN as written
  ResourceFamily family = ResourceFamily::kService;
  std::string resourceType;  // "lambda", "sqs", ... (kService)
  std::string action;        // "invoke", "sendMessage.waitForTaskToken", ... (kService)
  boost::json::value parameters;
  std::optional<int64_t> timeoutSeconds, heartbeatSeconds;
  std::string taskToken;               // set for .waitForTaskToken resources and activities
  std::optional<std::string> roleArn;  // Credentials.RoleArn, evaluated: the role to assume
};

struct Command {
  enum class Kind { kScheduleTask, kCancelTask, kStartTimer };
  Kind kind = Kind::kScheduleTask;
  TaskRequest task;                              // kScheduleTask
  std::string id;                                // task id (kCancelTask) or timer id (kStartTimer)
  std::chrono::system_clock::time_point fireAt;  // kStartTimer
};

// Something that happened outside the interpreter, fed back with Execution::step().
struct StepInput {
  enum class Kind { kTaskStarted, kTaskSubmitted, kTaskSucceeded, kTaskFailed, kTaskHeartbeat, kTimerFired, kStop };
  Kind kind = Kind::kTimerFired;
  std::string id;                           // task id or timer id
  boost::json::value output;                // kTaskSucceeded / kTaskSubmitted
  std::optional<std::string> error, cause;  // kTaskFailed / kStop
  std::string workerName;                   // kTaskStarted for activities
};

// A service integration performs Task work for resources it recognises. The engine looks one up
// by resource ARN in an explicit registry and reports the outcome back as StepInputs.
class ServiceIntegration {
 public:
  virtual ~ServiceIntegration() = default;
  // True when this integration serves `resource` (e.g. "arn:aws:states:::ecs:runTask.sync").
  virtual bool handles(const std::string& resource) const = 0;
  // Starts the work. Must be idempotent per request.taskId (the engine may repeat it after a
  // crash). Completion is reported asynchronously with kTaskSucceeded/kTaskFailed.
  virtual void start(const TaskRequest& request) = 0;
  // Best-effort cancellation when the task times out or the execution stops.
  virtual void cancel(const std::string& taskId) = 0;
};

}  // namespace wharf::asl
