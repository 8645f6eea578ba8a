// TagResource, UntagResource, ListTagsForResource for clusters, task definitions and tasks.
#include "ecs/errors.h"
#include "ecs/handlers.h"
#include "ecs/json_fields.h"

namespace wharf::ecs {
namespace {

using Out = Result<json::value>;
using TagChange = std::function<Result<Tags>(Tags)>;

std::unexpected<Error> resourceNotFound() {
  return fail(ErrorCode::kNotFound, "ResourceNotFoundException", "The specified resource could not be found.");
}

// Applies `change` to the tags of the resource `arn` names and returns its tags afterwards.
Result<Tags> changeTags(EcsContext& ctx, std::string_view arn, const TagChange& change) {
  auto parsed = parseEcsArn(arn);
  if (!parsed) return invalidParam("The ARN provided is invalid.");
  Result<EntityPtr> entity = resourceNotFound();
  if (parsed->type == "cluster") {
    entity = ctx.clusters.updateTags(arn, change);
  } else if (parsed->type == "task-definition") {
    entity = ctx.taskDefinitions.updateTags(arn, change);
  } else if (parsed->type == "task") {
    std::optional<Error> failure;
    auto changed = ctx.tasks.change(taskId(arn).value_or(""), [&](Entity& task) {
      auto tags = change(task.tags);
      if (!tags) {
        failure = tags.error();
        return TaskEffects{};
      }
      task.tags = std::move(*tags);
      return TaskEffects{.changed = true};
    });
    if (!changed) return resourceNotFound();
    if (failure) return std::unexpected(*failure);
    entity = changed->task;
  }
  if (!entity) return std::unexpected(entity.error());
  return (*entity)->tags;
}

}  // namespace

void registerTagHandlers(api::Router& router, EcsContext& ctx) {
  router.add(kTargetPrefix, "TagResource", [&](const api::RequestContext&, const json::object& in) {
    auto tags = parseTags(optArray(in, "tags"));
    if (!tags) return Out(std::unexpected(tags.error()));
    auto changed = changeTags(ctx, stringOr(in, "resourceArn", ""), [&](Tags t) { return mergeTags(t, *tags); });
    if (!changed) return Out(std::unexpected(changed.error()));
    return Out(json::object());
  });

  router.add(kTargetPrefix, "UntagResource", [&](const api::RequestContext&, const json::object& in) {
    std::vector<std::string> keys = stringList(in, "tagKeys");
    auto changed = changeTags(ctx, stringOr(in, "resourceArn", ""), [&](Tags t) -> Result<Tags> {
      removeTags(t, keys);
      return t;
    });
    if (!changed) return Out(std::unexpected(changed.error()));
    return Out(json::object());
  });

  router.add(
      kTargetPrefix, "ListTagsForResource",
      [&](const api::RequestContext&, const json::object& in) {
        // A no-op change reads the tags through the same lookup the writers use.
        auto tags = changeTags(ctx, stringOr(in, "resourceArn", ""), [](Tags t) -> Result<Tags> { return t; });
        if (!tags) return Out(std::unexpected(tags.error()));
        return Out(json::object{{"tags", tagsToJson(*tags)}});
      },
      api::HandlerMode::kInline);
}

}  // namespace wharf::ecs
