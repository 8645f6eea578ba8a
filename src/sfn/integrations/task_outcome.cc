#include "sfn/integrations/task_outcome.h"

#include <openssl/evp.h>

#include <cctype>

namespace wharf::sfn {
namespace {

void report(TaskOutcomeSink& sink, const TaskContext& context, asl::StepInput::Kind kind, const std::string& taskId,
            boost::json::value output = nullptr, std::optional<std::string> error = std::nullopt,
            std::optional<std::string> cause = std::nullopt) {
  asl::StepInput input;
  input.kind = kind;
  input.id = taskId;
  input.output = std::move(output);
  input.error = std::move(error);
  input.cause = std::move(cause);
  sink.report(context.executionArn, input);
}

}  // namespace

void reportStarted(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId) {
  report(sink, context, asl::StepInput::Kind::kTaskStarted, taskId);
}

void reportSubmitted(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId,
                     boost::json::value output) {
  report(sink, context, asl::StepInput::Kind::kTaskSubmitted, taskId, std::move(output));
}

void reportSucceeded(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId,
                     boost::json::value output) {
  report(sink, context, asl::StepInput::Kind::kTaskSucceeded, taskId, std::move(output));
}

void reportFailed(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId, std::string error,
                  std::string cause) {
  report(sink, context, asl::StepInput::Kind::kTaskFailed, taskId, nullptr, std::move(error), std::move(cause));
}

std::string idempotencyToken(const TaskContext& context, std::string_view taskId) {
  // The NUL separator keeps ("a:b", "c") and ("a", "b:c") apart.
  std::string identity = context.executionArn;
  identity.push_back('\0');
  identity.append(taskId);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(identity.data(), identity.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string pascalCase(std::string_view name) {
  std::string out(name);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

}  // namespace wharf::sfn
