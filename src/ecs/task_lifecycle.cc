#include "ecs/task_lifecycle.h"

#include <spdlog/spdlog.h>

#include "ecs/json_fields.h"

namespace wharf::ecs {

void TaskLifecycle::onEvent(const agent::TaskEvent& event) {
  auto changed =
      ctx_.tasks.change(event.taskId, [&](Entity& task) { return applyEvent(task, event, ctx_.clock.now()); });
  if (!changed) {
    spdlog::warn("ecs: task {}: event not recorded: {}", event.taskId, changed.error().message);
    return;
  }
  act(event.taskId, changed->effects);
}

void TaskLifecycle::act(const std::string& taskId, const TaskEffects& effects) {
  if (effects.stopTask) {
    if (auto stopped = ctx_.agent.stop(taskId); !stopped) {
      spdlog::warn("ecs: task {}: stop failed: {}", taskId, stopped.error().message);
    }
  }
  if (effects.cleanup) {
    if (auto cleaned = ctx_.agent.cleanup(taskId); !cleaned) {
      spdlog::warn("ecs: task {}: cleanup failed: {}", taskId, cleaned.error().message);
    }
  }
}

void TaskLifecycle::fail(const std::string& taskId, std::string reason) {
  agent::TaskEvent event;
  event.kind = agent::TaskEvent::Kind::kFailedToStart;
  event.taskId = taskId;
  event.reason = std::move(reason);
  event.at = ctx_.clock.now();
  onEvent(event);
}

Result<agent::TaskSpec> TaskLifecycle::specOf(const Entity& task) const {
  auto td = ctx_.taskDefinitions.resolve(stringOr(task.doc, "taskDefinitionArn", ""));
  if (!td) return std::unexpected(td.error());
  static const json::object kNoOverrides;
  const json::object* overrides = optObject(task.doc, "overrides");
  std::string taskArn = stringOr(task.doc, "taskArn", "");
  TaskIdentity identity{taskArn.substr(taskArn.rfind('/') + 1), taskArn,
                        clusterName(stringOr(task.doc, "clusterArn", "")).value_or(""), ctx_.config.volumeRoot};
  return buildTaskSpec((*td)->doc, overrides ? *overrides : kNoOverrides, identity);
}

void TaskLifecycle::launch(const Entity& task) {
  std::string taskArn = stringOr(task.doc, "taskArn", "");
  std::string taskId = taskArn.substr(taskArn.rfind('/') + 1);
  auto spec = specOf(task);
  auto launched = spec ? ctx_.agent.launch(*spec) : Result<void>(std::unexpected(spec.error()));
  if (!launched) fail(taskId, "TaskFailedToStart: " + launched.error().message);
}

Result<EntityPtr> TaskLifecycle::stop(std::string_view taskId, std::string_view stopCode, std::string_view reason) {
  auto changed =
      ctx_.tasks.change(taskId, [&](Entity& task) { return requestStop(task, stopCode, reason, ctx_.clock.now()); });
  if (!changed) return std::unexpected(changed.error());
  act(std::string(taskId), changed->effects);
  return changed->task;
}

void TaskLifecycle::recoverAll() {
  for (const auto& [id, task] : ctx_.tasks.all([](const Entity& t) { return lastStatusOf(t) != "STOPPED"; })) {
    bool exited = !task->doc.at("containers").as_array().empty();
    for (const json::value& c : task->doc.at("containers").as_array()) {
      exited &= stringOr(c.as_object(), "lastStatus", "") == "STOPPED";
    }
    if (exited) {
      act(id, TaskEffects{.cleanup = true});
      continue;
    }
    auto spec = specOf(*task);
    auto recovered = spec ? ctx_.agent.recover(*spec) : Result<void>(std::unexpected(spec.error()));
    if (!recovered) fail(id, "TaskFailedToStart: could not recover the task: " + recovered.error().message);
  }
}

}  // namespace wharf::ecs
