#include "ecs/task_definition_registry.h"

#include <fmt/format.h>

#include <map>

#include "ecs/errors.h"
#include "ecs/json_fields.h"
#include "ecs/task_definition_rules.h"

namespace wharf::ecs {
namespace {

std::string statusOf(const Entity& e) { return stringOr(e.doc, "status", ""); }
std::string familyOf(const Entity& e) { return stringOr(e.doc, "family", ""); }

}  // namespace

std::string TaskDefinitionRegistry::key(std::string_view family, int revision) {
  return fmt::format("{}:{:010d}", family, revision);  // zero-padded so key order is revision order
}

Result<EntityPtr> TaskDefinitionRegistry::registerDefinition(const json::object& request, Tags tags) {
  auto doc = buildTaskDefinition(request);
  if (!doc) return std::unexpected(doc.error());
  std::string family = stringOr(*doc, "family", "");
  auto writes = table_.lockWrites();
  int revision = 1;
  for (const auto& [k, e] : table_.all([&](const Entity& e) { return familyOf(e) == family; })) {
    revision = std::max<int>(revision, static_cast<int>(optInt(e->doc, "revision").value_or(0)) + 1);
  }
  Entity entity;
  entity.doc["taskDefinitionArn"] = arns_.taskDefinition(family, revision);
  for (auto& [k, v] : *doc) entity.doc[k] = std::move(v);
  entity.doc["revision"] = revision;
  entity.doc["status"] = "ACTIVE";
  entity.doc["registeredAt"] = timestamp(clock_.now());
  entity.doc["registeredBy"] = arns_.principal();
  entity.tags = std::move(tags);
  std::string k = key(family, revision);
  WriteBatch batch;
  table_.stagePut(batch, k, entity);
  if (auto committed = table_.store().commit(std::move(batch)); !committed) {
    return std::unexpected(committed.error());
  }
  table_.publish(k, std::move(entity));
  return table_.get(k);
}

Result<std::string> TaskDefinitionRegistry::keyOf(std::string_view text) const {
  auto ref = parseTaskDefinitionRef(text);
  if (!ref) return unknownTaskDefinition();
  if (ref->revision) {
    std::string k = key(ref->family, *ref->revision);
    if (!table_.get(k)) return unknownTaskDefinition();
    return k;
  }
  auto active = table_.all([&](const Entity& e) { return familyOf(e) == ref->family && statusOf(e) == "ACTIVE"; });
  if (active.empty()) return unknownTaskDefinition();
  return active.back().first;
}

Result<EntityPtr> TaskDefinitionRegistry::resolve(std::string_view text) const {
  auto k = keyOf(text);
  if (!k) return std::unexpected(k.error());
  return table_.get(*k);
}

Result<EntityPtr> TaskDefinitionRegistry::deregister(std::string_view text) {
  auto ref = parseTaskDefinitionRef(text);
  if (ref && !ref->revision) {
    return invalidParam("Task Definition can not be deregistered without a revision number.");
  }
  auto k = keyOf(text);
  if (!k) return std::unexpected(k.error());
  return table_.update(*k, [&](const Entity* current) -> Result<std::optional<Entity>> {
    if (statusOf(*current) != "ACTIVE") return std::nullopt;
    Entity next = *current;
    next.doc["status"] = "INACTIVE";
    next.doc["deregisteredAt"] = timestamp(clock_.now());
    return next;
  });
}

Result<EntityPtr> TaskDefinitionRegistry::markForDeletion(std::string_view text) {
  auto ref = parseTaskDefinitionRef(text);
  if (!ref || !ref->revision) return invalidParam("The specified task definition identifier is invalid.");
  auto k = keyOf(text);
  if (!k) return invalidParam("The specified task definition does not exist.");
  return table_.update(*k, [&](const Entity* current) -> Result<std::optional<Entity>> {
    std::string status = statusOf(*current);
    if (status == "ACTIVE") {
      return invalidParam(
          "The specified task definition is still in ACTIVE status. Please deregister the target and try again.");
    }
    if (status == "DELETE_IN_PROGRESS") return std::nullopt;
    Entity next = *current;
    next.doc["status"] = "DELETE_IN_PROGRESS";
    next.doc["deleteRequestedAt"] = timestamp(clock_.now());
    return next;
  });
}

Result<EntityPtr> TaskDefinitionRegistry::updateTags(std::string_view text,
                                                     const std::function<Result<Tags>(Tags)>& change) {
  auto k = keyOf(text);
  if (!k) return std::unexpected(k.error());
  return table_.update(*k, [&](const Entity* current) -> Result<std::optional<Entity>> {
    auto tags = change(current->tags);
    if (!tags) return std::unexpected(tags.error());
    Entity next = *current;
    next.tags = std::move(*tags);
    return next;
  });
}

std::vector<std::pair<std::string, std::string>> TaskDefinitionRegistry::list(std::string_view family,
                                                                              std::string_view status) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, e] : table_.all(
           [&](const Entity& e) { return statusOf(e) == status && (family.empty() || familyOf(e) == family); })) {
    out.emplace_back(k, stringOr(e->doc, "taskDefinitionArn", ""));
  }
  return out;
}

std::vector<std::string> TaskDefinitionRegistry::families(std::string_view prefix, std::string_view status) const {
  std::map<std::string, bool> hasActive;
  for (const auto& [k, e] : table_.all([&](const Entity& e) { return familyOf(e).starts_with(prefix); })) {
    hasActive[familyOf(*e)] |= statusOf(*e) == "ACTIVE";
  }
  std::vector<std::string> out;
  for (const auto& [family, active] : hasActive) {
    if (status == "ALL" || (status == "ACTIVE") == active) out.push_back(family);
  }
  return out;
}

}  // namespace wharf::ecs
