#include "ecs/task_registry.h"

#include "common/time_format.h"
#include "ecs/json_fields.h"

namespace wharf::ecs {

Result<TaskRegistry::Changed> TaskRegistry::change(std::string_view taskId,
                                                   const std::function<TaskEffects(Entity&)>& fn) {
  TaskEffects effects;
  auto task = table_.update(std::string(taskId), [&](const Entity* current) -> Result<std::optional<Entity>> {
    if (!current) return fail(ErrorCode::kNotFound, "InvalidParameterException", "The referenced task was not found.");
    Entity next = *current;
    effects = fn(next);
    if (!effects.changed) return std::nullopt;
    return next;
  });
  if (!task) return std::unexpected(task.error());
  return Changed{*task, effects};
}

void TaskRegistry::setDemand(Entity& task, const TaskDemand& demand) {
  task.internal["reservedCpu"] = demand.cpuUnits;
  task.internal["reservedMemory"] = demand.memoryMiB;
}

TaskDemand TaskRegistry::reserved() const {
  TaskDemand sum;
  for (const auto& [id, task] : table_.all([](const Entity& t) { return lastStatusOf(t) != "STOPPED"; })) {
    sum.cpuUnits += static_cast<int>(optInt(task->internal, "reservedCpu").value_or(0));
    sum.memoryMiB += static_cast<int>(optInt(task->internal, "reservedMemory").value_or(0));
  }
  return sum;
}

TaskRegistry::Counts TaskRegistry::counts(std::string_view clusterArn) const {
  Counts c;
  for (const auto& [id, task] : table_.all([&](const Entity& t) {
         return stringOr(t.doc, "clusterArn", "") == clusterArn && lastStatusOf(t) != "STOPPED";
       })) {
    ++c.active;
    std::string status = lastStatusOf(*task);
    bool fargate = stringOr(task->doc, "launchType", "") == "FARGATE";
    if (status == "RUNNING") {
      ++c.running;
      ++(fargate ? c.runningFargate : c.runningEc2);
    } else if (status == "PROVISIONING" || status == "PENDING") {
      ++c.pending;
      ++(fargate ? c.pendingFargate : c.pendingEc2);
    }
  }
  return c;
}

Result<void> TaskRegistry::expire(std::chrono::system_clock::time_point cutoff) {
  auto writes = table_.lockWrites();
  double limit = toEpochSeconds(cutoff);
  auto expired = table_.all([&](const Entity& t) {
    const json::value* stoppedAt = t.doc.if_contains("stoppedAt");
    return lastStatusOf(t) == "STOPPED" && stoppedAt && stoppedAt->to_number<double>() < limit;
  });
  if (expired.empty()) return {};
  WriteBatch batch;
  for (const auto& [id, task] : expired) table_.stageErase(batch, id);
  if (auto committed = table_.store().commit(std::move(batch)); !committed) return committed;
  for (const auto& [id, task] : expired) table_.publish(id, std::nullopt);
  return {};
}

}  // namespace wharf::ecs
