#include "sfn/engine/activity_broker.h"

#include <algorithm>

namespace wharf::sfn {

std::optional<ActivityBroker::Poller> ActivityBroker::push(const std::string& activityArn, ActivityTask task) {
  std::lock_guard lock(mu_);
  Queue& q = queues_[activityArn];
  while (!q.pollers.empty()) {
    auto node = parked_.extract(q.pollers.front());
    q.pollers.pop_front();
    if (!node.empty()) return std::move(node.mapped().second);
  }
  q.tasks.push_back(std::move(task));
  return std::nullopt;
}

std::variant<ActivityTask, uint64_t> ActivityBroker::poll(const std::string& activityArn, Poller poller) {
  std::lock_guard lock(mu_);
  Queue& q = queues_[activityArn];
  if (!q.tasks.empty()) {
    ActivityTask t = std::move(q.tasks.front());
    q.tasks.pop_front();
    return t;
  }
  uint64_t id = next_poller_++;
  q.pollers.push_back(id);
  parked_.emplace(id, std::pair{activityArn, std::move(poller)});
  return id;
}

std::optional<ActivityBroker::Poller> ActivityBroker::expire(uint64_t pollerId) {
  std::lock_guard lock(mu_);
  auto node = parked_.extract(pollerId);
  if (node.empty()) return std::nullopt;
  auto& q = queues_[node.mapped().first].pollers;
  q.erase(std::remove(q.begin(), q.end(), pollerId), q.end());
  return std::move(node.mapped().second);
}

bool ActivityBroker::remove(const std::string& activityArn, const std::string& taskId) {
  std::lock_guard lock(mu_);
  auto it = queues_.find(activityArn);
  if (it == queues_.end()) return false;
  auto& tasks = it->second.tasks;
  auto t = std::find_if(tasks.begin(), tasks.end(), [&](const ActivityTask& a) { return a.taskId == taskId; });
  if (t == tasks.end()) return false;
  tasks.erase(t);
  return true;
}

}  // namespace wharf::sfn
