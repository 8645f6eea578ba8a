#include "sfn/integrations/ecs_run_task_integration.h"

#include <fmt/format.h>

#include "sfn/integrations/resource_name.h"
#include "sfn/integrations/task_outcome.h"

namespace wharf::sfn {
namespace json = boost::json;
namespace {

constexpr size_t kDescribeBatch = 100;  // DescribeTasks' limit per call

int httpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal:
    case ErrorCode::kUnavailable:
      return 500;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kAccessDenied:
      return 403;
    default:
      return 400;
  }
}

// The optimized ECS integration surfaces API errors as the AWS SDK for Java's AmazonECSException,
// naming the service's error code in the cause.
void reportApiError(TaskOutcomeSink& sink, const TaskContext& context, const std::string& taskId, const Error& e) {
  reportFailed(sink, context, taskId, "ECS.AmazonECSException",
               fmt::format("{} (Service: AmazonECS; Status Code: {}; Error Code: {})", e.message, httpStatus(e.code),
                           e.type.empty() ? "ServerException" : e.type));
}

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

bool EcsRunTaskIntegration::handles(const std::string& resource) const {
  auto name = ResourceName::parse(resource);
  return name && name->service == "ecs" && name->action == "runTask" &&
         (name->pattern.empty() || name->pattern == "sync" || name->pattern == "waitForTaskToken");
}

void EcsRunTaskIntegration::start(const TaskContext& context, const asl::TaskRequest& request, TaskOutcomeSink& sink) {
  std::string pattern = ResourceName::parse(request.resource).value_or(ResourceName{}).pattern;
  const api::ModelValidator& models = caller_.models();
  json::object input = request.parameters.is_object()
                           ? models.matchInputMembers(kEcsPrefix, "RunTask", request.parameters.get_object())
                           : json::object();
  if (!input.contains("startedBy")) input["startedBy"] = kStepFunctionsStartedBy;
  if (!input.contains("clientToken")) input["clientToken"] = idempotencyToken(context, request.taskId);

  Key key{context.executionArn, request.taskId};
  reportStarted(sink, context, request.taskId);
  {
    std::lock_guard lock(mutex_);
    starting_.insert(key);
  }
  Result<json::value> response = caller_.call(context, kEcsPrefix, "RunTask", input);
  Started started;
  started.context = context;
  started.sink = &sink;
  started.sync = pattern == "sync";
  if (response && response->is_object()) {
    if (const json::array* tasks =
            response->get_object().if_contains("tasks") ? response->get_object().at("tasks").if_array() : nullptr) {
      for (const json::value& t : *tasks) {
        if (!t.is_object()) continue;
        started.taskArns.push_back(text(t.get_object(), "taskArn"));
        started.cluster = text(t.get_object(), "clusterArn");
      }
    }
  }
  bool cancelled = false;
  {
    std::lock_guard lock(mutex_);
    starting_.erase(key);
    cancelled = cancelled_.erase(key) > 0;
    // Request-response leaves the tasks to themselves, as AWS does; the others are remembered so
    // cancel() can stop them.
    if (!cancelled && !pattern.empty() && !started.taskArns.empty()) started_[key] = started;
  }
  if (cancelled) {
    stopTasks(started);
    return;
  }
  if (!response) return reportApiError(sink, context, request.taskId, response.error());

  json::value output = models.toSdkOutput(kEcsPrefix, "RunTask", *response);
  if (pattern.empty()) return reportSucceeded(sink, context, request.taskId, std::move(output));
  const json::value* failures = output.is_object() ? output.get_object().if_contains("Failures") : nullptr;
  if ((failures && failures->is_array() && !failures->get_array().empty()) || started.taskArns.empty()) {
    {
      std::lock_guard lock(mutex_);
      started_.erase(key);
    }
    return reportFailed(sink, context, request.taskId, "AmazonECS.Unknown", json::serialize(output));
  }
  reportSubmitted(sink, context, request.taskId, std::move(output));
  std::lock_guard lock(mutex_);
  if (auto it = started_.find(key); it != started_.end()) it->second.submitted = true;
}

void EcsRunTaskIntegration::cancel(const TaskContext& context, const std::string& taskId) {
  Key key{context.executionArn, taskId};
  std::optional<Started> started;
  {
    std::lock_guard lock(mutex_);
    if (starting_.contains(key)) cancelled_.insert(key);
    if (auto it = started_.find(key); it != started_.end()) {
      started = std::move(it->second);
      started_.erase(it);
    }
  }
  if (started) stopTasks(*started);
}

void EcsRunTaskIntegration::stopTasks(const Started& started) const {
  for (const std::string& arn : started.taskArns) {
    json::object input{{"cluster", started.cluster}, {"task", arn}, {"reason", "Stopped by AWS Step Functions"}};
    // Best effort: a task that already stopped or vanished needs no stopping.
    (void)caller_.call(started.context, kEcsPrefix, "StopTask", input);
  }
}

void EcsRunTaskIntegration::poll() {
  std::map<Key, Started> snapshot;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, started] : started_) {
      if (started.submitted) snapshot.emplace(key, started);
    }
  }
  if (snapshot.empty()) return;

  // Every followed task, batched per cluster; tasks ECS no longer knows are "missing".
  std::map<std::string, std::pair<TaskContext, std::vector<std::string>>> byCluster;
  for (const auto& [key, started] : snapshot) {
    auto& [context, arns] =
        byCluster.try_emplace(started.cluster, started.context, std::vector<std::string>{}).first->second;
    arns.insert(arns.end(), started.taskArns.begin(), started.taskArns.end());
  }
  std::unordered_map<std::string, json::object> tasks, missing;
  std::set<std::string> unknown;  // clusters whose tasks could not be read this round
  for (const auto& [cluster, entry] : byCluster) {
    const auto& [context, arns] = entry;
    for (size_t i = 0; i < arns.size(); i += kDescribeBatch) {
      json::array batch(arns.begin() + static_cast<std::ptrdiff_t>(i),
                        arns.begin() + static_cast<std::ptrdiff_t>(std::min(arns.size(), i + kDescribeBatch)));
      Result<json::value> described =
          caller_.call(context, kEcsPrefix, "DescribeTasks", {{"cluster", cluster}, {"tasks", std::move(batch)}});
      if (!described && described.error().code == ErrorCode::kNotFound) {
        for (size_t j = i; j < std::min(arns.size(), i + kDescribeBatch); ++j) {
          missing[arns[j]] = {{"arn", arns[j]}, {"reason", described.error().message}};
        }
        continue;
      }
      if (!described || !described->is_object()) {
        unknown.insert(cluster);
        continue;
      }
      const json::object& o = described->get_object();
      if (const json::array* found = o.contains("tasks") ? o.at("tasks").if_array() : nullptr) {
        for (const json::value& t : *found) {
          if (t.is_object()) tasks[text(t.get_object(), "taskArn")] = t.get_object();
        }
      }
      if (const json::array* failures = o.contains("failures") ? o.at("failures").if_array() : nullptr) {
        for (const json::value& f : *failures) {
          if (f.is_object()) missing[text(f.get_object(), "arn")] = f.get_object();
        }
      }
    }
  }

  std::vector<Outcome> outcomes;
  for (const auto& [key, started] : snapshot) {
    if (unknown.contains(started.cluster)) continue;
    if (auto outcome = judge(key, started, tasks, missing)) outcomes.push_back(std::move(*outcome));
  }
  std::vector<Outcome> reports;
  {
    std::lock_guard lock(mutex_);
    for (Outcome& o : outcomes) {
      // Cancelled meanwhile: the engine no longer waits for it.
      if (started_.erase(o.key) == 0 || !o.started.sync) continue;
      reports.push_back(std::move(o));
    }
  }
  for (Outcome& o : reports) {
    const std::string& taskId = o.key.second;
    if (o.error) {
      reportFailed(*o.started.sink, o.started.context, taskId, *o.error, json::serialize(o.output));
    } else {
      reportSucceeded(*o.started.sink, o.started.context, taskId, std::move(o.output));
    }
  }
}

std::optional<EcsRunTaskIntegration::Outcome> EcsRunTaskIntegration::judge(
    const Key& key, const Started& started, const std::unordered_map<std::string, json::object>& tasks,
    const std::unordered_map<std::string, json::object>& missing) {
  for (const std::string& arn : started.taskArns) {
    auto t = tasks.find(arn);
    if (t != tasks.end() && text(t->second, "lastStatus") != "STOPPED") return std::nullopt;
    if (t == tasks.end() && !missing.contains(arn)) return std::nullopt;
  }
  if (!started.sync) return Outcome{key, started, std::nullopt, {}};
  // The output is the description of the (first) task; the first task that failed decides a failure.
  for (const std::string& arn : started.taskArns) {
    if (auto m = missing.find(arn); m != missing.end()) {
      return Outcome{
          key, started, std::string("States.TaskFailed"),
          caller_.models().toSdkOutput(kEcsPrefix, "DescribeTasks", json::object{{"failures", {m->second}}})};
    }
    const json::object& task = tasks.at(arn);
    if (essentialFailed(started.context, task)) {
      return Outcome{key, started, std::string("States.TaskFailed"), describe(task)};
    }
  }
  return Outcome{key, started, std::nullopt, describe(tasks.at(started.taskArns.front()))};
}

bool EcsRunTaskIntegration::essentialFailed(const TaskContext& context, const json::object& task) {
  if (text(task, "stopCode") == "TaskFailedToStart") return true;
  std::string definitionArn = text(task, "taskDefinitionArn");
  std::optional<std::set<std::string>> essential;
  {
    std::lock_guard lock(mutex_);
    if (auto it = essential_.find(definitionArn); it != essential_.end()) essential = it->second;
  }
  if (!essential) {
    // Task definitions never change once registered, so their essential containers are cached.
    Result<json::value> described =
        caller_.call(context, kEcsPrefix, "DescribeTaskDefinition", {{"taskDefinition", definitionArn}});
    const json::value* definition =
        described && described->is_object() ? described->get_object().if_contains("taskDefinition") : nullptr;
    const json::value* containers =
        definition && definition->is_object() ? definition->get_object().if_contains("containerDefinitions") : nullptr;
    if (containers && containers->is_array()) {
      essential.emplace();
      for (const json::value& c : containers->get_array()) {
        if (!c.is_object()) continue;
        const json::value* flag = c.get_object().if_contains("essential");
        if (!flag || !flag->is_bool() || flag->get_bool()) essential->insert(text(c.get_object(), "name"));
      }
      std::lock_guard lock(mutex_);
      essential_[definitionArn] = *essential;
    }
  }
  const json::value* containers = task.if_contains("containers");
  if (!containers || !containers->is_array()) return false;
  for (const json::value& c : containers->get_array()) {
    if (!c.is_object()) continue;
    // Without the definition every container counts as essential.
    if (essential && !essential->contains(text(c.get_object(), "name"))) continue;
    const json::value* exitCode = c.get_object().if_contains("exitCode");
    if (!exitCode || !exitCode->is_number() || exitCode->to_number<int64_t>() != 0) return true;
  }
  return false;
}

json::value EcsRunTaskIntegration::describe(const json::object& task) const {
  json::value sdk = caller_.models().toSdkOutput(kEcsPrefix, "DescribeTasks", json::object{{"tasks", {task}}});
  return sdk.at("Tasks").at(0);
}

}  // namespace wharf::sfn
