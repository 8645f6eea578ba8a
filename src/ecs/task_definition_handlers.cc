// RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
// ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.
#include "ecs/errors.h"
#include "ecs/handlers.h"
#include "ecs/json_fields.h"
#include "ecs/pagination.h"

namespace wharf::ecs {
namespace {

using Out = Result<json::value>;

Out definitionAnswer(const Result<EntityPtr>& td, bool withTags) {
  if (!td) return std::unexpected(td.error());
  json::object out{{"taskDefinition", (*td)->doc}};
  if (withTags) out["tags"] = tagsToJson((*td)->tags);
  return out;
}

}  // namespace

void registerTaskDefinitionHandlers(api::Router& router, EcsContext& ctx) {
  router.add(kTargetPrefix, "RegisterTaskDefinition", [&](const api::RequestContext&, const json::object& in) {
    auto tags = parseTags(optArray(in, "tags"));
    if (!tags) return Out(std::unexpected(tags.error()));
    return definitionAnswer(ctx.taskDefinitions.registerDefinition(in, std::move(*tags)), true);
  });

  router.add(
      kTargetPrefix, "DescribeTaskDefinition",
      [&](const api::RequestContext&, const json::object& in) {
        return definitionAnswer(ctx.taskDefinitions.resolve(stringOr(in, "taskDefinition", "")),
                                contains(stringList(in, "include"), "TAGS"));
      },
      api::HandlerMode::kInline);

  router.add(
      kTargetPrefix, "ListTaskDefinitions",
      [&](const api::RequestContext&, const json::object& in) {
        auto page = pageRequest(in);
        if (!page) return Out(std::unexpected(page.error()));
        bool descending = stringOr(in, "sort", "ASC") == "DESC";
        auto listed = ctx.taskDefinitions.list(stringOr(in, "familyPrefix", ""), stringOr(in, "status", "ACTIVE"));
        std::vector<std::string> keys;
        for (const auto& [key, arn] : listed) keys.push_back(key);
        if (descending) std::reverse(keys.begin(), keys.end());
        PagedKeys result = paginate(keys, *page, descending);
        json::array arns;
        for (const std::string& key : result.keys) {
          auto it = std::find_if(listed.begin(), listed.end(), [&](const auto& l) { return l.first == key; });
          arns.push_back(json::string(it->second));
        }
        json::object out{{"taskDefinitionArns", std::move(arns)}};
        if (result.nextToken) out["nextToken"] = *result.nextToken;
        return Out(std::move(out));
      },
      api::HandlerMode::kInline);

  router.add(
      kTargetPrefix, "ListTaskDefinitionFamilies",
      [&](const api::RequestContext&, const json::object& in) {
        auto page = pageRequest(in);
        if (!page) return Out(std::unexpected(page.error()));
        PagedKeys result = paginate(
            ctx.taskDefinitions.families(stringOr(in, "familyPrefix", ""), stringOr(in, "status", "ACTIVE")), *page);
        json::object out{{"families", json::value_from(result.keys)}};
        if (result.nextToken) out["nextToken"] = *result.nextToken;
        return Out(std::move(out));
      },
      api::HandlerMode::kInline);

  router.add(kTargetPrefix, "DeregisterTaskDefinition", [&](const api::RequestContext&, const json::object& in) {
    return definitionAnswer(ctx.taskDefinitions.deregister(stringOr(in, "taskDefinition", "")), false);
  });

  router.add(kTargetPrefix, "DeleteTaskDefinitions", [&](const api::RequestContext&, const json::object& in) {
    std::vector<std::string> given = stringList(in, "taskDefinitions");
    if (given.empty() || given.size() > 10) return Out(invalidParam("taskDefinitions must list 1 to 10 entries."));
    json::array deleted, failures;
    for (const std::string& text : given) {
      auto td = ctx.taskDefinitions.markForDeletion(text);
      if (td) {
        deleted.push_back((*td)->doc);
      } else {
        failures.push_back(json::object{{"arn", text}, {"reason", td.error().message}});
      }
    }
    return Out(json::object{{"taskDefinitions", std::move(deleted)}, {"failures", std::move(failures)}});
  });
}

}  // namespace wharf::ecs
