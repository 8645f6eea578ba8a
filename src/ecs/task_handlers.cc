// RunTask, StartTask, StopTask, DescribeTasks, ListTasks.
#include "ecs/errors.h"
#include "ecs/handlers.h"
#include "ecs/json_fields.h"
#include "ecs/pagination.h"

namespace wharf::ecs {
namespace {

using Out = Result<json::value>;

// The task named by id or ARN, if it belongs to `clusterArn`.
EntityPtr taskIn(EcsContext& ctx, std::string_view given, std::string_view clusterArn) {
  auto id = taskId(given);
  EntityPtr task = id ? ctx.tasks.get(*id) : nullptr;
  return task && stringOr(task->doc, "clusterArn", "") == clusterArn ? task : nullptr;
}

bool matches(const Entity& t, const json::object& in) {
  std::string desired = stringOr(in, "desiredStatus", "RUNNING");
  if (desiredStatusOf(t) != desired) return false;
  if (auto family = optString(in, "family")) {
    if (!stringOr(t.doc, "taskDefinitionArn", "").contains("task-definition/" + *family + ":")) return false;
  }
  if (auto startedBy = optString(in, "startedBy"); startedBy && stringOr(t.doc, "startedBy", "") != *startedBy) {
    return false;
  }
  if (auto launchType = optString(in, "launchType"); launchType && stringOr(t.doc, "launchType", "") != *launchType) {
    return false;
  }
  return !in.contains("serviceName");  // no services on this server yet
}

}  // namespace

void registerTaskHandlers(api::Router& router, EcsContext& ctx, TaskRunner& runner, TaskLifecycle& lifecycle) {
  router.add(kTargetPrefix, "RunTask",
             [&](const api::RequestContext&, const json::object& in) { return runner.runTask(in); });
  router.add(kTargetPrefix, "StartTask",
             [&](const api::RequestContext&, const json::object& in) { return runner.startTask(in); });

  router.add(kTargetPrefix, "StopTask", [&](const api::RequestContext&, const json::object& in) {
    auto cluster = ctx.clusters.active(stringOr(in, "cluster", "default"));
    if (!cluster) return Out(std::unexpected(cluster.error()));
    EntityPtr task = taskIn(ctx, stringOr(in, "task", ""), stringOr((*cluster)->doc, "clusterArn", ""));
    if (!task) return Out(invalidParam("The referenced task was not found."));
    std::string reason = stringOr(in, "reason", "");
    auto stopped = lifecycle.stop(taskId(stringOr(in, "task", "")).value_or(""), "UserInitiated",
                                  reason.empty() ? "Task stopped by user" : reason);
    if (!stopped) return Out(std::unexpected(stopped.error()));
    return Out(json::object{{"task", taskJson(**stopped, false)}});
  });

  // The hottest read: answered from each task's serialized document, without copying it.
  router.addText(
      kTargetPrefix, "DescribeTasks",
      [&](const api::RequestContext&, const json::object& in) -> Result<std::string> {
        auto cluster = ctx.clusters.active(stringOr(in, "cluster", "default"));
        if (!cluster) return std::unexpected(cluster.error());
        std::string clusterArn = stringOr((*cluster)->doc, "clusterArn", "");
        std::string clusterName = stringOr((*cluster)->doc, "clusterName", "");
        const json::array* given = optArray(in, "tasks");
        if (!given || given->empty() || given->size() > 100) {
          return invalidParam("Tasks cannot be empty and can contain at most 100 entries.");
        }
        bool withTags = contains(stringList(in, "include"), "TAGS");
        std::string tasks;
        json::array failures;
        for (const json::value& v : *given) {
          std::string_view ref = v.as_string();
          if (EntityPtr task = taskIn(ctx, ref, clusterArn)) {
            tasks += tasks.empty() ? "" : ",";
            tasks += withTags ? json::serialize(taskJson(*task, true)) : task->docJson;
          } else {
            std::string arn = ref.starts_with("arn:") ? std::string(ref) : ctx.arns.task(clusterName, ref);
            failures.push_back(json::object{{"arn", arn}, {"reason", "MISSING"}});
          }
        }
        return R"({"tasks":[)" + tasks + R"(],"failures":)" + json::serialize(failures) + "}";
      },
      api::HandlerMode::kInline);

  router.add(
      kTargetPrefix, "ListTasks",
      [&](const api::RequestContext&, const json::object& in) {
        auto cluster = ctx.clusters.active(stringOr(in, "cluster", "default"));
        if (!cluster) return Out(std::unexpected(cluster.error()));
        auto page = pageRequest(in);
        if (!page) return Out(std::unexpected(page.error()));
        std::string clusterArn = stringOr((*cluster)->doc, "clusterArn", "");
        auto listed = ctx.tasks.all(
            [&](const Entity& t) { return stringOr(t.doc, "clusterArn", "") == clusterArn && matches(t, in); });
        std::vector<std::string> ids;
        for (const auto& [id, task] : listed) ids.push_back(id);
        PagedKeys result = paginate(ids, *page);
        json::array arns;
        for (const std::string& id : result.keys) {
          arns.push_back(json::string(ctx.arns.task(stringOr((*cluster)->doc, "clusterName", ""), id)));
        }
        json::object out{{"taskArns", std::move(arns)}};
        if (result.nextToken) out["nextToken"] = *result.nextToken;
        return Out(std::move(out));
      },
      api::HandlerMode::kInline);
}

}  // namespace wharf::ecs
