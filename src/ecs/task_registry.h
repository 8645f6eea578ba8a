// Tasks: the in-memory model every read is served from, written through to the store. Also
// what the scheduler needs (reservations of tasks that still hold resources) and the expiry of
// STOPPED tasks.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ecs/entity_table.h"
#include "ecs/task_spec_builder.h"
#include "ecs/task_state_machine.h"

namespace wharf::ecs {

class TaskRegistry {
 public:
  explicit TaskRegistry(Store& store) : table_(store, "ecs.tasks") {}

  Result<void> load() { return table_.load(); }
  EntityTable& table() { return table_; }

  EntityPtr get(std::string_view taskId) const { return table_.get(taskId); }
  std::vector<std::pair<std::string, EntityPtr>> all(const std::function<bool(const Entity&)>& keep) const {
    return table_.all(keep);
  }

  // Applies `change` to the task, persists it when it reports a change, and returns the task
  // after the change with the effects to act on. kNotFound when the task is unknown.
  struct Changed {
    EntityPtr task;
    TaskEffects effects;
  };
  Result<Changed> change(std::string_view taskId, const std::function<TaskEffects(Entity&)>& change);

  // Sum of what not-yet-STOPPED tasks reserve. Callers hold table().lockWrites() when they
  // place tasks with it, so two RunTasks cannot both take the last free memory.
  TaskDemand reserved() const;

  struct Counts {
    int running = 0;
    int pending = 0;
    int runningFargate = 0, runningEc2 = 0, pendingFargate = 0, pendingEc2 = 0;
    int active = 0;  // not STOPPED
  };
  Counts counts(std::string_view clusterArn) const;

  // Forgets tasks STOPPED before `cutoff`, in the store and in memory.
  Result<void> expire(std::chrono::system_clock::time_point cutoff);

  static void setDemand(Entity& task, const TaskDemand& demand);

 private:
  EntityTable table_;
};

}  // namespace wharf::ecs
