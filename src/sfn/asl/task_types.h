// What passes between the interpreter and the outside world: the commands it asks the engine to
// perform and the inputs it is stepped with. The engine hands Task work to the service
// integrations of src/sfn/integrations/integration.h.
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

// Something that happened outside the interpreter, fed back with Execution::step(). kRedrive
// (RedriveExecution) restarts a FAILED, TIMED_OUT or ABORTED execution; the kinds are journaled
// by number, so new ones go last.
struct StepInput {
  enum class Kind {
    kTaskStarted,
    kTaskSubmitted,
    kTaskSucceeded,
    kTaskFailed,
    kTaskHeartbeat,
    kTimerFired,
    kStop,
    kRedrive
  };
  Kind kind = Kind::kTimerFired;
  std::string id;                           // task id or timer id; kRedrive: the client token
  boost::json::value output;                // kTaskSucceeded / kTaskSubmitted
  std::optional<std::string> error, cause;  // kTaskFailed / kStop
  std::string workerName;                   // kTaskStarted for activities
};

}  // namespace wharf::asl
