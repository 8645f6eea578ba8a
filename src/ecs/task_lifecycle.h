// The controller: launches accepted tasks on the agent, turns the agent's events into ECS task
// state (see task_state_machine.h), stops tasks, and re-attaches to running tasks after a restart.
// Every state change is committed to the store before the agent is asked to act on it.
#pragma once

#include "ecs/ecs_context.h"

namespace wharf::ecs {

class TaskLifecycle {
 public:
  explicit TaskLifecycle(EcsContext& ctx) : ctx_(ctx) {}

  // Agent event sink; called from agent threads.
  void onEvent(const agent::TaskEvent& event);

  // Starts a task that has just been committed. A spec the agent rejects fails the task.
  void launch(const Entity& task);

  // StopTask: desiredStatus STOPPED with `stopCode` and `reason`, then the agent stops it.
  Result<EntityPtr> stop(std::string_view taskId, std::string_view stopCode, std::string_view reason);

  // After a restart: hands every task that is not STOPPED back to the agent (Agent::recover), or
  // finishes its clean-up when all its containers had already exited.
  void recoverAll();

  // The agent spec of a stored task, from its task definition and overrides.
  Result<agent::TaskSpec> specOf(const Entity& task) const;

 private:
  void act(const std::string& taskId, const TaskEffects& effects);
  void fail(const std::string& taskId, std::string reason);

  EcsContext& ctx_;
};

}  // namespace wharf::ecs
