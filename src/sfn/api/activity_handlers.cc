// CreateActivity … DeleteActivity and the GetActivityTask long poll.
#include "sfn/api/sfn_model.h"

namespace wharf::sfn {
namespace json = boost::json;

namespace {

std::unexpected<Error> activityMissing(const std::string& arn) {
  return fail(ErrorCode::kNotFound, "ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'");
}

Result<json::value> createActivity(SfnModel& m, const json::object& in) {
  std::string name = stringField(in, "name");
  if (auto r = checkName(name); !r) return std::unexpected(r.error());
  auto tags = parseTags(in);
  if (!tags) return std::unexpected(tags.error());
  ActivityEntry a{m.arn("activity", name), name, m.clock.nowMillis()};
  std::lock_guard lock(m.mu);
  // CreateActivity is idempotent: the existing activity is returned.
  if (auto it = m.activities.find(a.arn); it != m.activities.end())
    return json::object{{"activityArn", a.arn}, {"creationDate", epochSeconds(it->second.creationMillis)}};
  if (auto r = m.saveActivity(a); !r) return std::unexpected(r.error());
  if (!tags->empty()) {
    if (auto r = m.saveTags(a.arn, *tags); !r) return std::unexpected(r.error());
    m.tags[a.arn] = *tags;
  }
  m.activities[a.arn] = a;
  return json::object{{"activityArn", a.arn}, {"creationDate", epochSeconds(a.creationMillis)}};
}

Result<json::value> describeActivity(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "activityArn");
  if (auto r = checkArn(arn, "activity"); !r) return std::unexpected(r.error());
  std::lock_guard lock(m.mu);
  auto it = m.activities.find(arn);
  if (it == m.activities.end()) return activityMissing(arn);
  return json::object{
      {"activityArn", arn}, {"name", it->second.name}, {"creationDate", epochSeconds(it->second.creationMillis)}};
}

Result<json::value> listActivities(SfnModel& m, const json::object& in) {
  std::lock_guard lock(m.mu);
  std::vector<std::string> keys;
  for (const auto& [arn, a] : m.activities) keys.push_back(arn);
  return listPage(in, keys, "activities", [&](size_t i) -> json::value {
    const auto& a = m.activities.at(keys[i]);
    return json::object{{"activityArn", a.arn}, {"name", a.name}, {"creationDate", epochSeconds(a.creationMillis)}};
  });
}

Result<json::value> deleteActivity(SfnModel& m, const json::object& in) {
  std::string arn = stringField(in, "activityArn");
  if (auto r = checkArn(arn, "activity"); !r) return std::unexpected(r.error());
  std::lock_guard lock(m.mu);
  if (!m.activities.contains(arn)) return json::object{};
  if (auto r = eraseActivity(m, arn); !r) return std::unexpected(r.error());
  m.activities.erase(arn);
  m.tags.erase(arn);
  return json::object{};
}

void getActivityTask(SfnModel& m, const json::object& in, api::Reply reply) {
  std::string arn = stringField(in, "activityArn");
  if (auto r = checkArn(arn, "activity"); !r) return reply(std::unexpected(r.error()));
  {
    std::lock_guard lock(m.mu);
    if (!m.activities.contains(arn)) return reply(activityMissing(arn));
  }
  m.engine->pollActivity(arn, stringField(in, "workerName"), [reply](std::optional<ActivityTask> task) {
    // AWS answers a poll that timed out with neither token nor input.
    if (!task) return reply(json::object{});
    reply(json::object{{"taskToken", task->taskToken}, {"input", task->input}});
  });
}

}  // namespace

void registerActivityHandlers(SfnModel& m, api::Router& router) {
  addHandlers(m, router,
              {{"CreateActivity", createActivity},
               {"DescribeActivity", describeActivity},
               {"ListActivities", listActivities},
               {"DeleteActivity", deleteActivity}});
  addAsyncHandlers(m, router, {{"GetActivityTask", getActivityTask}});
}

}  // namespace wharf::sfn
