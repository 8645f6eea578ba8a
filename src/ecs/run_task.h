// RunTask and StartTask: validate the request against the task definition, place the tasks with
// the scheduler, commit every accepted task (and the clientToken) to the store, answer, and only
// then hand the tasks to the agent.
#pragma once

#include <boost/json.hpp>

#include "ecs/ecs_context.h"
#include "ecs/task_lifecycle.h"

namespace wharf::ecs {

class TaskRunner {
 public:
  TaskRunner(EcsContext& ctx, TaskLifecycle& lifecycle) : ctx_(ctx), lifecycle_(lifecycle) {}

  Result<boost::json::value> runTask(const boost::json::object& input);
  Result<boost::json::value> startTask(const boost::json::object& input);

 private:
  struct Prepared;
  // Validates the request and resolves `count` task specs.
  Result<Prepared> prepare(const boost::json::object& input, std::string_view launchType, int64_t count);
  // The earlier answer for a live clientToken; ConflictException when the parameters differ.
  std::optional<Result<boost::json::value>> replayIfKnown(const std::string& tokenKey, const std::string& fingerprint);
  // With the tasks' write lock held: commits the tasks placed on nodes[i] (empty = not placed)
  // and the client token, publishes them, releases the lock, launches them, builds the answer.
  Result<boost::json::value> accept(std::unique_lock<std::mutex>& writes, Prepared& prepared,
                                    const std::vector<std::string>& nodes, boost::json::array failures,
                                    const std::string& tokenKey, const std::string& fingerprint);

  EcsContext& ctx_;
  TaskLifecycle& lifecycle_;
};

// A task as returned by RunTask/DescribeTasks/StopTask; tags only when asked for.
boost::json::object taskJson(const Entity& task, bool withTags);

}  // namespace wharf::ecs
