// The controller: launches accepted tasks on the agent, turns the agent's events into ECS task
// state (see task_state_machine.h), stops tasks, and re-attaches to running tasks after a restart.
// Every state change is committed to the store before the agent is asked to act on it.
#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "ecs/ecs_context.h"

namespace wharf::ecs {

class TaskLifecycle {
 public:
  explicit TaskLifecycle(EcsContext& ctx) : ctx_(ctx) {}

  // Agent event sink; called from agent threads. Returns once the event is recorded and acted
  // on. Events delivered concurrently (of different tasks) are recorded in one store commit.
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
  struct Recording;
  // Applies the events of `group` to their tasks and commits the changes as one batch.
  void record(const std::vector<Recording*>& group);
  void act(const std::string& taskId, const TaskEffects& effects);
  void fail(const std::string& taskId, std::string reason);

  EcsContext& ctx_;
  // Group commit of events: the first caller records every queued event while later ones wait.
  std::mutex queue_mu_;
  std::condition_variable recorded_;
  std::vector<Recording*> queue_;
  bool recording_ = false;
};

}  // namespace wharf::ecs
