#include "ecs/task_lifecycle.h"

#include <spdlog/spdlog.h>

#include <map>

#include "ecs/json_fields.h"

namespace wharf::ecs {

struct TaskLifecycle::Recording {
  const agent::TaskEvent& event;
  Result<TaskEffects> effects = TaskEffects{};
  bool done = false;
};

void TaskLifecycle::onEvent(const agent::TaskEvent& event) {
  Recording mine{event};
  {
    std::unique_lock lock(queue_mu_);
    queue_.push_back(&mine);
    recorded_.wait(lock, [&] { return mine.done || !recording_; });
    if (!mine.done) {
      recording_ = true;
      std::vector<Recording*> group;
      group.swap(queue_);
      lock.unlock();
      record(group);
      lock.lock();
      for (Recording* r : group) r->done = true;
      recording_ = false;
      recorded_.notify_all();
    }
  }
  if (!mine.effects) {
    spdlog::warn("ecs: task {}: event not recorded: {}", event.taskId, mine.effects.error().message);
    return;
  }
  act(event.taskId, *mine.effects);
}

void TaskLifecycle::record(const std::vector<Recording*>& group) {
  EntityTable& table = ctx_.tasks.table();
  auto writes = table.lockWrites();
  std::map<std::string, Entity> changed;  // a task may have several events in the group
  for (Recording* r : group) {
    const std::string& id = r->event.taskId;
    auto it = changed.find(id);
    EntityPtr stored = it == changed.end() ? table.get(id) : nullptr;
    if (it == changed.end() && !stored) {
      r->effects = wharf::fail(ErrorCode::kNotFound, "InvalidParameterException", "The referenced task was not found.");
      continue;
    }
    Entity next = it == changed.end() ? *stored : it->second;
    TaskEffects effects = applyEvent(next, r->event, ctx_.clock.now());
    r->effects = effects;
    if (effects.changed) changed.insert_or_assign(id, std::move(next));
  }
  if (changed.empty()) return;
  WriteBatch batch;
  for (const auto& [id, task] : changed) table.stagePut(batch, id, task);
  if (auto committed = ctx_.store.commit(std::move(batch)); !committed) {
    for (Recording* r : group) {
      if (r->effects && r->effects->changed) r->effects = std::unexpected(committed.error());
    }
    return;
  }
  for (auto& [id, task] : changed) table.publish(id, std::move(task));
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
