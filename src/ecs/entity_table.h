// One in-memory read model backed by a Store collection: readers take immutable snapshots under a
// shared lock (cheap, never blocked by a commit); writers serialize on a write lock, commit to
// the store first and only then publish the change in memory.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "ecs/tags.h"
#include "store/store.h"

namespace wharf::ecs {

// A resource as ECS returns it (`doc`, without tags), its tags, and state clients never see.
struct Entity {
  boost::json::object doc;
  Tags tags;
  boost::json::object internal;
  // `doc` as JSON text, set when the entity is published: hot reads answer with it as it is.
  std::string docJson;
};
using EntityPtr = std::shared_ptr<const Entity>;

class EntityTable {
 public:
  EntityTable(Store& store, std::string collection) : store_(store), collection_(std::move(collection)) {}

  // Replaces the in-memory model with the store's content. Call before serving.
  Result<void> load();

  EntityPtr get(std::string_view key) const;
  // Every entity in key order.
  std::vector<std::pair<std::string, EntityPtr>> all() const;
  std::vector<std::pair<std::string, EntityPtr>> all(const std::function<bool(const Entity&)>& keep) const;

  // Writers hold this from the read that decides a change until publish(), so decisions never
  // act on stale state. Lock order: clusters, task definitions, tasks, client tokens.
  std::unique_lock<std::mutex> lockWrites() { return std::unique_lock(write_mu_); }
  void stagePut(WriteBatch& batch, const std::string& key, const Entity& entity) const;
  void stageErase(WriteBatch& batch, const std::string& key) const;
  // Publishes committed changes (nullopt = erased). Requires lockWrites().
  void publish(const std::string& key, std::optional<Entity> entity);

  // Read-modify-write of one entity: `fn` sees the current entity (nullptr when absent) and
  // returns the new one, or nullopt to leave it unchanged. Returns the entity after the call.
  using Mutator = std::function<Result<std::optional<Entity>>(const Entity* current)>;
  Result<EntityPtr> update(const std::string& key, const Mutator& fn);

  Store& store() { return store_; }

 private:
  Store& store_;
  std::string collection_;
  mutable std::shared_mutex mu_;
  std::map<std::string, EntityPtr, std::less<>> entities_;
  std::mutex write_mu_;
};

}  // namespace wharf::ecs
