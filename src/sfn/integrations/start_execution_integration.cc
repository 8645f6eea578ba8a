#include "sfn/integrations/start_execution_integration.h"

#include <vector>

#include "sfn/integrations/resource_name.h"
#include "sfn/integrations/task_outcome.h"

namespace wharf::sfn {
namespace json = boost::json;
namespace {

// .sync:2 returns the child's Input and Output as JSON rather than as JSON text.
void parseMember(json::object& o, std::string_view key) {
  json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return;
  boost::system::error_code ec;
  json::value parsed = json::parse(v->get_string(), ec);
  if (!ec) *v = std::move(parsed);
}

}  // namespace

bool StartExecutionIntegration::handles(const std::string& resource) const {
  auto name = ResourceName::parse(resource);
  return name && name->service == "states" && name->action == "startExecution" &&
         (name->pattern.empty() || name->pattern == "sync" || name->pattern == "sync:2" ||
          name->pattern == "waitForTaskToken");
}

void StartExecutionIntegration::start(const TaskContext& context, const asl::TaskRequest& request,
                                      TaskOutcomeSink& sink) {
  std::string pattern = ResourceName::parse(request.resource).value_or(ResourceName{}).pattern;
  const api::ModelValidator& models = caller_.models();
  json::object input = request.parameters.is_object()
                           ? models.matchInputMembers(kSfnPrefix, "StartExecution", request.parameters.get_object())
                           : json::object();
  // The integration takes Input as JSON; the API wants it as text.
  if (json::value* in = input.if_contains("input"); in && !in->is_string()) *in = json::serialize(*in);
  if (!input.contains("name")) input["name"] = idempotencyToken(context, request.taskId);

  reportStarted(sink, context, request.taskId);
  Result<json::value> response = caller_.call(context, kSfnPrefix, "StartExecution", input);
  if (!response) {
    const Error& e = response.error();
    return reportFailed(sink, context, request.taskId, "StepFunctions." + (e.type.empty() ? "SFNException" : e.type),
                        e.message);
  }
  json::value output = models.toSdkOutput(kSfnPrefix, "StartExecution", *response);
  if (pattern.empty()) return reportSucceeded(sink, context, request.taskId, std::move(output));
  Key key{context.executionArn, request.taskId};
  if (pattern == "sync" || pattern == "sync:2") {
    const json::value* arn = response->is_object() ? response->get_object().if_contains("executionArn") : nullptr;
    Child child;
    child.context = context;
    child.executionArn = arn && arn->is_string() ? std::string(arn->get_string()) : std::string();
    child.sink = &sink;
    child.parsed = pattern == "sync:2";
    std::lock_guard lock(mutex_);
    children_[key] = std::move(child);
  }
  reportSubmitted(sink, context, request.taskId, std::move(output));
  std::lock_guard lock(mutex_);
  if (auto it = children_.find(key); it != children_.end()) it->second.submitted = true;
}

void StartExecutionIntegration::cancel(const TaskContext& context, const std::string& taskId) {
  std::optional<Child> child;
  {
    std::lock_guard lock(mutex_);
    if (auto it = children_.find({context.executionArn, taskId}); it != children_.end()) {
      child = std::move(it->second);
      children_.erase(it);
    }
  }
  if (!child) return;
  // Best effort: a child that already finished needs no stopping.
  (void)caller_.call(child->context, kSfnPrefix, "StopExecution",
                     {{"executionArn", child->executionArn}, {"cause", "Parent execution stopped or timed out"}});
}

void StartExecutionIntegration::poll() {
  std::map<Key, Child> snapshot;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, child] : children_) {
      if (child.submitted) snapshot.emplace(key, child);
    }
  }
  struct Finished {
    Key key;
    Child child;
    std::optional<std::string> error;
    json::value output;
  };
  std::vector<Finished> finished;
  const api::ModelValidator& models = caller_.models();
  for (auto& [key, child] : snapshot) {
    Result<json::value> described =
        caller_.call(child.context, kSfnPrefix, "DescribeExecution", {{"executionArn", child.executionArn}});
    if (!described) {
      // Transient failures are retried next round; a child that vanished fails the state.
      if (described.error().code == ErrorCode::kNotFound) {
        finished.push_back({key, child, std::string("States.TaskFailed"), json::value(described.error().message)});
      }
      continue;
    }
    const json::value* status = described->is_object() ? described->get_object().if_contains("status") : nullptr;
    if (!status || !status->is_string() || *status == "RUNNING" || *status == "PENDING_REDRIVE") continue;
    json::value output = models.toSdkOutput(kSfnPrefix, "DescribeExecution", *described);
    if (child.parsed && output.is_object()) {
      parseMember(output.get_object(), "Input");
      parseMember(output.get_object(), "Output");
    }
    std::optional<std::string> error;
    if (*status != "SUCCEEDED") error = "States.TaskFailed";
    finished.push_back({key, child, std::move(error), std::move(output)});
  }
  std::vector<Finished> reports;
  {
    std::lock_guard lock(mutex_);
    for (Finished& f : finished) {
      if (children_.erase(f.key) > 0) reports.push_back(std::move(f));  // else cancelled meanwhile
    }
  }
  for (Finished& f : reports) {
    const std::string& taskId = f.key.second;
    if (!f.error) {
      reportSucceeded(*f.child.sink, f.child.context, taskId, std::move(f.output));
    } else {
      std::string cause = f.output.is_string() ? std::string(f.output.get_string()) : json::serialize(f.output);
      reportFailed(*f.child.sink, f.child.context, taskId, *f.error, std::move(cause));
    }
  }
}

}  // namespace wharf::sfn
