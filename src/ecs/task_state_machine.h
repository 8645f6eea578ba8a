// How an ECS task's reported state follows what the agent observes. Pure: it edits the task
// document and says which agent actions must follow; the caller persists and acts.
//
//   lastStatus:    PROVISIONING (awsvpc) ─▶ PENDING ─▶ RUNNING ─▶ DEPROVISIONING (awsvpc) ─▶ STOPPED
//   desiredStatus: RUNNING ─▶ STOPPED   (essential container exited, failed to start, StopTask)
//
// Once every container has exited the task's resources are cleaned up; kCleanedUp makes it
// STOPPED. Events for a STOPPED task change nothing.
#pragma once

#include <chrono>
#include <string>

#include "agent/agent.h"
#include "ecs/entity_table.h"

namespace wharf::ecs {

struct TaskEffects {
  bool changed = false;
  bool stopTask = false;  // ask the agent to stop the remaining containers
  bool cleanup = false;   // every container has exited: release the task's resources
};

TaskEffects applyEvent(Entity& task, const agent::TaskEvent& event, std::chrono::system_clock::time_point now);

// StopTask and similar: desiredStatus STOPPED with `stopCode`/`reason`, unless already stopping.
TaskEffects requestStop(Entity& task, std::string_view stopCode, std::string_view reason,
                        std::chrono::system_clock::time_point now);

// Status fields the registry filters on.
std::string lastStatusOf(const Entity& task);
std::string desiredStatusOf(const Entity& task);

}  // namespace wharf::ecs
