// CreateCluster, DescribeClusters, ListClusters, DeleteCluster, UpdateCluster.
#include "ecs/errors.h"
#include "ecs/handlers.h"
#include "ecs/json_fields.h"
#include "ecs/pagination.h"

namespace wharf::ecs {
namespace {

bool validClusterName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

json::object clusterJson(EcsContext& ctx, const Entity& cluster, const std::vector<std::string>& include) {
  json::object out = cluster.doc;
  TaskRegistry::Counts counts = ctx.tasks.counts(stringOr(cluster.doc, "clusterArn", ""));
  out["runningTasksCount"] = counts.running;
  out["pendingTasksCount"] = counts.pending;
  json::array statistics;
  if (contains(include, "STATISTICS")) {
    auto stat = [&](const char* name, int value) {
      statistics.push_back(json::object{{"name", name}, {"value", std::to_string(value)}});
    };
    stat("runningEC2TasksCount", counts.runningEc2);
    stat("runningFargateTasksCount", counts.runningFargate);
    stat("pendingEC2TasksCount", counts.pendingEc2);
    stat("pendingFargateTasksCount", counts.pendingFargate);
    stat("activeEC2ServiceCount", 0);
    stat("activeFargateServiceCount", 0);
    stat("drainingEC2ServiceCount", 0);
    stat("drainingFargateServiceCount", 0);
  }
  out["statistics"] = std::move(statistics);
  out["tags"] = contains(include, "TAGS") ? tagsToJson(cluster.tags) : json::array();
  return out;
}

const std::vector<std::string> kEverything{"STATISTICS", "TAGS"};

Result<json::value> answer(EcsContext& ctx, const Result<EntityPtr>& cluster) {
  if (!cluster) return std::unexpected(cluster.error());
  return json::value(json::object{{"cluster", clusterJson(ctx, **cluster, kEverything)}});
}

}  // namespace

void registerClusterHandlers(api::Router& router, EcsContext& ctx) {
  router.add(kTargetPrefix, "CreateCluster", [&](const api::RequestContext&, const json::object& in) {
    std::string name = stringOr(in, "clusterName", "default");
    if (!validClusterName(name)) {
      return Result<json::value>(invalidParam(
          "Cluster name must be 1-255 letters (uppercase and lowercase), numbers, hyphens and underscores."));
    }
    auto tags = parseTags(optArray(in, "tags"));
    if (!tags) return Result<json::value>(std::unexpected(tags.error()));
    return answer(ctx, ctx.clusters.create(name, in, std::move(*tags)));
  });

  router.add(
      kTargetPrefix, "DescribeClusters",
      [&](const api::RequestContext&, const json::object& in) {
        std::vector<std::string> names = stringList(in, "clusters");
        if (names.empty()) names.push_back("default");
        std::vector<std::string> include = stringList(in, "include");
        json::array clusters, failures;
        for (const std::string& given : names) {
          auto name = clusterName(given);
          EntityPtr cluster = name ? ctx.clusters.find(*name) : nullptr;
          if (cluster) {
            clusters.push_back(clusterJson(ctx, *cluster, include));
          } else {
            failures.push_back(json::object{{"arn", name ? ctx.arns.cluster(*name) : given}, {"reason", "MISSING"}});
          }
        }
        return Result<json::value>(json::object{{"clusters", std::move(clusters)}, {"failures", std::move(failures)}});
      },
      api::HandlerMode::kInline);

  router.add(
      kTargetPrefix, "ListClusters",
      [&](const api::RequestContext&, const json::object& in) {
        auto page = pageRequest(in);
        if (!page) return Result<json::value>(std::unexpected(page.error()));
        PagedKeys result = paginate(ctx.clusters.activeArns(), *page);
        json::object out{{"clusterArns", json::value_from(result.keys)}};
        if (result.nextToken) out["nextToken"] = *result.nextToken;
        return Result<json::value>(std::move(out));
      },
      api::HandlerMode::kInline);

  router.add(kTargetPrefix, "DeleteCluster", [&](const api::RequestContext&, const json::object& in) {
    std::string given = stringOr(in, "cluster", "");
    return answer(ctx, ctx.clusters.remove(given, [&]() -> Result<void> {
      std::string arn = ctx.arns.cluster(clusterName(given).value_or(""));
      if (ctx.tasks.counts(arn).active > 0) {
        return fail(ErrorCode::kConflict, "ClusterContainsTasksException",
                    "The Cluster cannot be deleted while Tasks are active.");
      }
      return {};
    }));
  });

  router.add(kTargetPrefix, "UpdateCluster", [&](const api::RequestContext&, const json::object& in) {
    return answer(ctx, ctx.clusters.update(stringOr(in, "cluster", ""), in));
  });
}

}  // namespace wharf::ecs
