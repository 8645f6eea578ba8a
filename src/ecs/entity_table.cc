#include "ecs/entity_table.h"

#include "ecs/json_fields.h"

namespace wharf::ecs {

namespace {
// Freezes an entity for readers, with its document serialized once for every read to come.
EntityPtr seal(Entity e) {
  e.docJson = json::serialize(e.doc);
  return std::make_shared<const Entity>(std::move(e));
}
}  // namespace

Result<void> EntityTable::load() {
  std::map<std::string, EntityPtr, std::less<>> loaded;
  std::string bad;
  auto scanned = store_.scan(collection_, "", 0, [&](std::string_view key, std::string_view value) {
    boost::system::error_code ec;
    json::value v = json::parse(value, ec);
    if (ec || !v.is_object()) {
      bad = std::string(key);
      return false;
    }
    Entity e;
    e.doc = std::move(v.get_object());
    if (auto tags = parseTags(optArray(e.doc, "tags"))) e.tags = std::move(*tags);
    e.doc.erase("tags");
    if (const json::object* internal = optObject(e.doc, "internal")) e.internal = *internal;
    e.doc.erase("internal");
    loaded.emplace(std::string(key), seal(std::move(e)));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (!bad.empty()) return internalError("corrupt record " + collection_ + "/" + bad);
  std::unique_lock lock(mu_);
  entities_ = std::move(loaded);
  return {};
}

EntityPtr EntityTable::get(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = entities_.find(key);
  return it == entities_.end() ? nullptr : it->second;
}

std::vector<std::pair<std::string, EntityPtr>> EntityTable::all() const {
  std::shared_lock lock(mu_);
  return {entities_.begin(), entities_.end()};
}

std::vector<std::pair<std::string, EntityPtr>> EntityTable::all(const std::function<bool(const Entity&)>& keep) const {
  std::vector<std::pair<std::string, EntityPtr>> out;
  std::shared_lock lock(mu_);
  for (const auto& [key, entity] : entities_) {
    if (keep(*entity)) out.emplace_back(key, entity);
  }
  return out;
}

void EntityTable::stagePut(WriteBatch& batch, const std::string& key, const Entity& entity) const {
  json::object stored = entity.doc;
  stored["tags"] = tagsToJson(entity.tags);
  if (!entity.internal.empty()) stored["internal"] = entity.internal;
  batch.put(collection_, key, json::serialize(stored));
}

void EntityTable::stageErase(WriteBatch& batch, const std::string& key) const { batch.erase(collection_, key); }

void EntityTable::publish(const std::string& key, std::optional<Entity> entity) {
  std::unique_lock lock(mu_);
  if (entity) {
    entities_[key] = seal(std::move(*entity));
  } else {
    entities_.erase(key);
  }
}

Result<EntityPtr> EntityTable::update(const std::string& key, const Mutator& fn) {
  auto writes = lockWrites();
  EntityPtr current = get(key);
  auto next = fn(current.get());
  if (!next) return std::unexpected(next.error());
  if (!*next) return current;
  WriteBatch batch;
  stagePut(batch, key, **next);
  if (auto committed = store_.commit(std::move(batch)); !committed) return std::unexpected(committed.error());
  publish(key, std::move(**next));
  return get(key);
}

}  // namespace wharf::ecs
