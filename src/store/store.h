// The durable store: ordered key/value collections, written in group-committed batches.
// Modules keep their read models in memory and write through a Store; nothing else holds SQL.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace wharf {

// One atomic unit of writes. Later mutations of the same key win.
class WriteBatch {
 public:
  struct Mutation {
    std::string collection;
    std::string key;
    std::optional<std::string> value;  // nullopt = erase
  };
  void put(std::string collection, std::string key, std::string value) {
    mutations_.push_back({std::move(collection), std::move(key), std::move(value)});
  }
  void erase(std::string collection, std::string key) {
    mutations_.push_back({std::move(collection), std::move(key), std::nullopt});
  }
  bool empty() const { return mutations_.empty(); }
  size_t size() const { return mutations_.size(); }
  const std::vector<Mutation>& mutations() const { return mutations_; }

 private:
  std::vector<Mutation> mutations_;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies the batch atomically and returns once it is durable (fsynced). Batches of concurrent
  // callers are committed together in one transaction. Thread-safe. On error nothing of the
  // batch is applied.
  virtual Result<void> commit(WriteBatch batch) = 0;

  // As commit(), but returns at once and calls `done` (on a store thread) when durable.
  virtual void commitAsync(WriteBatch batch, std::function<void(Result<void>)> done) = 0;

  // Point read of committed data. Thread-safe.
  virtual Result<std::optional<std::string>> get(std::string_view collection, std::string_view key) = 0;

  // Calls fn for each entry of `collection` with key >= `from`, in key order (bytewise), until fn
  // returns false or `limit` entries (0 = no limit) were visited. Used to load read models at
  // start-up and to page through large collections (log events, history). Thread-safe.
  virtual Result<void> scan(std::string_view collection, std::string_view from, size_t limit,
                            const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;
};

// Opens (creating if needed, and migrating to the current schema) a SQLite store in WAL mode.
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path);

}  // namespace wharf
