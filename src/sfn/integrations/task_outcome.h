// Small shared vocabulary of the integrations: reporting outcomes to the engine, idempotency
// tokens derived from the task's identity, and the SDK's PascalCase member names.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "sfn/integrations/integration.h"

namespace wharf::sfn {

// Reports to `sink` for task `taskId` of the execution in `context`.
void reportStarted(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId);
void reportSubmitted(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId,
                     boost::json::value output);
void reportSucceeded(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId,
                     boost::json::value output);
void reportFailed(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId, std::string error,
                  std::string cause);

// 64 lower-case hex digits, the same for every start() of one task (SHA-256 of its identity), so
// a repeated start finds the work the first one began instead of beginning it again.
std::string idempotencyToken(const TaskContext& context, std::string_view taskId);

// "describeTasks" -> "DescribeTasks".
std::string pascalCase(std::string_view name);

}  // namespace wharf::sfn
