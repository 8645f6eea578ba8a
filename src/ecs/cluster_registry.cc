#include "ecs/cluster_registry.h"

#include "ecs/errors.h"
#include "ecs/json_fields.h"

namespace wharf::ecs {
namespace {

bool isActive(const Entity& e) { return stringOr(e.doc, "status", "") == "ACTIVE"; }

void copyIfPresent(const json::object& from, json::object& to, std::string_view key) {
  if (auto it = from.find(key); it != from.end()) to[key] = it->value();
}

}  // namespace

Result<EntityPtr> ClusterRegistry::create(const std::string& name, const json::object& request, Tags tags) {
  return table_.update(name, [&](const Entity* current) -> Result<std::optional<Entity>> {
    if (current && isActive(*current)) return std::nullopt;
    Entity e;
    e.doc["clusterArn"] = arns_.cluster(name);
    e.doc["clusterName"] = name;
    e.doc["status"] = "ACTIVE";
    e.doc["registeredContainerInstancesCount"] = 0;
    e.doc["activeServicesCount"] = 0;
    e.doc["settings"] = json::array{json::object{{"name", "containerInsights"}, {"value", "disabled"}}};
    e.doc["capacityProviders"] = json::array();
    e.doc["defaultCapacityProviderStrategy"] = json::array();
    for (const char* key : {"settings", "configuration", "capacityProviders", "defaultCapacityProviderStrategy",
                            "serviceConnectDefaults"}) {
      copyIfPresent(request, e.doc, key);
    }
    e.tags = std::move(tags);
    return e;
  });
}

Result<EntityPtr> ClusterRegistry::active(std::string_view nameOrArn) const {
  auto name = clusterName(nameOrArn);
  if (!name) return clusterNotFound();
  EntityPtr e = table_.get(*name);
  if (!e || !isActive(*e)) return clusterNotFound();
  return e;
}

std::vector<std::string> ClusterRegistry::activeArns() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : table_.all(isActive)) out.push_back(stringOr(e->doc, "clusterArn", ""));
  return out;
}

Result<EntityPtr> ClusterRegistry::mutateActive(std::string_view nameOrArn,
                                                const std::function<Result<void>(Entity&)>& change) {
  auto name = clusterName(nameOrArn);
  if (!name) return clusterNotFound();
  return table_.update(*name, [&](const Entity* current) -> Result<std::optional<Entity>> {
    if (!current || !isActive(*current)) return clusterNotFound();
    Entity next = *current;
    if (auto changed = change(next); !changed) return std::unexpected(changed.error());
    return next;
  });
}

Result<EntityPtr> ClusterRegistry::remove(std::string_view nameOrArn, const std::function<Result<void>()>& check) {
  return mutateActive(nameOrArn, [&](Entity& e) -> Result<void> {
    if (auto ok = check(); !ok) return ok;
    e.doc["status"] = "INACTIVE";
    return {};
  });
}

Result<EntityPtr> ClusterRegistry::update(std::string_view nameOrArn, const json::object& request) {
  return mutateActive(nameOrArn, [&](Entity& e) -> Result<void> {
    for (const char* key : {"settings", "configuration", "serviceConnectDefaults"}) copyIfPresent(request, e.doc, key);
    return {};
  });
}

Result<EntityPtr> ClusterRegistry::updateTags(std::string_view nameOrArn,
                                              const std::function<Result<Tags>(Tags)>& change) {
  return mutateActive(nameOrArn, [&](Entity& e) -> Result<void> {
    auto tags = change(e.tags);
    if (!tags) return std::unexpected(tags.error());
    e.tags = std::move(*tags);
    return {};
  });
}

}  // namespace wharf::ecs
