// arn:aws:states:::ecs:runTask[.sync|.waitForTaskToken]: runs ECS tasks of Wharf for Task states,
// and for .sync follows them until they stop.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sfn/integrations/integration.h"
#include "sfn/integrations/poll_loop.h"
#include "sfn/integrations/service_caller.h"

namespace wharf::sfn {

// Value of startedBy for the tasks Step Functions starts, unless the parameters give one (AWS's).
inline constexpr char kStepFunctionsStartedBy[] = "AWS Step Functions";

class EcsRunTaskIntegration final : public Integration, public Follower {
 public:
  explicit EcsRunTaskIntegration(const ServiceCaller& caller) : caller_(caller) {}

  bool handles(const std::string& resource) const override;
  // Calls RunTask with the Parameters mapped to the API's members, startedBy defaulted and a
  // clientToken derived from (executionArn, taskId), so a repeated start gets the same tasks back.
  // Request-response succeeds with the RunTask response; .sync and .waitForTaskToken report it as
  // submitted (or fail with AmazonECS.Unknown when it lists failures); .sync then succeeds with the
  // task's description once every task stopped, or fails with States.TaskFailed when a task failed
  // to start or an essential container exited non-zero.
  void start(const TaskContext& context, const asl::TaskRequest& request, TaskOutcomeSink& sink) override;
  // StopTask for every task this state started that is still followed.
  void cancel(const TaskContext& context, const std::string& taskId) override;
  // One DescribeTasks round over every followed task (batched per cluster).
  void poll() override;

 private:
  using Key = std::pair<std::string, std::string>;  // executionArn, taskId
  struct Started {
    TaskContext context;
    std::string cluster;
    std::vector<std::string> taskArns;
    TaskOutcomeSink* sink = nullptr;
    bool sync = false;       // report the outcome when all stopped (else only remembered for cancel)
    bool submitted = false;  // TaskSubmitted reported, so an outcome may follow
  };
  struct Outcome {
    Key key;
    Started started;
    std::optional<std::string> error;
    boost::json::value output;  // the task description (success) or the cause
  };

  void stopTasks(const Started& started) const;
  // The outcome of a task whose tasks all stopped; nullopt while any still runs.
  std::optional<Outcome> judge(const Key& key, const Started& started,
                               const std::unordered_map<std::string, boost::json::object>& tasks,
                               const std::unordered_map<std::string, boost::json::object>& missing);
  bool essentialFailed(const TaskContext& context, const boost::json::object& task);
  boost::json::value describe(const boost::json::object& task) const;

  const ServiceCaller& caller_;
  std::mutex mutex_;
  std::map<Key, Started> started_;
  std::set<Key> starting_, cancelled_;                                // cancel() racing a start() still in RunTask
  std::unordered_map<std::string, std::set<std::string>> essential_;  // task definition ARN -> containers
};

}  // namespace wharf::sfn
