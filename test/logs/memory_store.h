// An in-memory Store for the logs tests: ordered collections, atomic batches, and an injectable
// commit failure to check that nothing changes when a write is not durable.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "store/store.h"

namespace wharf::logs::testing {

class MemoryStore final : public Store {
 public:
  Result<void> commit(WriteBatch batch) override {
    std::lock_guard lock(mutex_);
    if (fail_commits_) return fail(ErrorCode::kUnavailable, "ServiceUnavailableException", "disk full");
    for (const auto& m : batch.mutations()) {
      auto& c = data_[m.collection];
      if (m.value) {
        c[m.key] = *m.value;
      } else {
        c.erase(m.key);
      }
    }
    ++commits_;
    return {};
  }

  void commitAsync(WriteBatch batch, std::function<void(Result<void>)> done) override {
    done(commit(std::move(batch)));
  }

  Result<std::optional<std::string>> get(std::string_view collection, std::string_view key) override {
    std::lock_guard lock(mutex_);
    auto c = data_.find(std::string(collection));
    if (c == data_.end()) return std::nullopt;
    auto it = c->second.find(std::string(key));
    if (it == c->second.end()) return std::nullopt;
    return it->second;
  }

  Result<void> scan(std::string_view collection, std::string_view from, size_t limit,
                    const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::map<std::string, std::string> copy;  // fn may call back into the store
    {
      std::lock_guard lock(mutex_);
      auto c = data_.find(std::string(collection));
      if (c == data_.end()) return {};
      copy.insert(c->second.lower_bound(std::string(from)), c->second.end());
    }
    size_t n = 0;
    for (const auto& [k, v] : copy) {
      if (!fn(k, v) || (limit != 0 && ++n >= limit)) break;
    }
    return {};
  }

  void setFailCommits(bool fail) {
    std::lock_guard lock(mutex_);
    fail_commits_ = fail;
  }
  size_t size(const std::string& collection) {
    std::lock_guard lock(mutex_);
    return data_[collection].size();
  }
  int commits() {
    std::lock_guard lock(mutex_);
    return commits_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::string>> data_;
  bool fail_commits_ = false;
  int commits_ = 0;
};

}  // namespace wharf::logs::testing
