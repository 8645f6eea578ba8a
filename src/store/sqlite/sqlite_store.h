// The SQLite Store: one writer thread group-commits queued batches (many batches, one fsync) on
// its own connection; reads run on a pool of read-only connections and never wait for the writer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace wharf {

struct SqliteStoreOptions {
  // Batches waiting for the writer; beyond this, commit() and commitAsync() block (back-pressure).
  size_t maxQueuedBatches = 4096;
  // Most batches committed in one transaction, which bounds the latency of one group.
  size_t maxGroupBatches = 1024;
};

class SqliteStore final : public Store {
 public:
  // Counters since open, for monitoring and tests.
  struct Stats {
    uint64_t transactions = 0;   // committed write transactions (fsyncs)
    uint64_t batches = 0;        // batches made durable
    uint64_t failedBatches = 0;  // batches completed with an error
    uint64_t splitGroups = 0;    // groups whose combined transaction failed and were retried batch by batch
    size_t queuedBatches = 0;    // batches currently waiting for the writer
  };

  // Opens or creates the database at `path` (creating missing directories) and migrates it.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SqliteStoreOptions options = {});

  // Commits every batch already queued, then stops the writer. Callers must not start new calls
  // concurrently with destruction; calls made from commitAsync callbacks while draining are committed.
  ~SqliteStore() override;

  // Blocks while the queue is full. Called from a commitAsync callback (the writer thread), it
  // fails with kInternal instead of deadlocking.
  Result<void> commit(WriteBatch batch) override;
  // Blocks while the queue is full, except on the writer thread (from a callback), where it never
  // blocks. `done` runs on the writer thread, must not throw, and should be quick: the next group
  // waits for it.
  void commitAsync(WriteBatch batch, std::function<void(Result<void>)> done) override;
  Result<std::optional<std::string>> get(std::string_view collection, std::string_view key) override;
  Result<void> scan(std::string_view collection, std::string_view from, size_t limit,
                    const std::function<bool(std::string_view key, std::string_view value)>& fn) override;

  Stats stats() const;

 private:
  struct Pending {
    WriteBatch batch;
    std::function<void(Result<void>)> done;
  };
  struct Writer {
    sqlite::Connection db;
    sqlite::Statement begin, commit, put, erase;
  };
  struct Reader {
    sqlite::Connection db;
    sqlite::Statement get, scan;
  };
  class ReaderLease;

  SqliteStore(std::string path, SqliteStoreOptions options, Writer writer);

  static Result<Writer> openWriter(const std::string& path);
  static Result<std::unique_ptr<Reader>> openReader(const std::string& path);
  Result<std::unique_ptr<Reader>> acquireReader();
  void releaseReader(std::unique_ptr<Reader> reader);

  void runWriter();
  std::vector<Result<void>> commitGroup(std::span<const Pending> group);
  Result<void> beginTransaction();
  // Applies the batches in the open transaction and commits it, or rolls it back on failure.
  Result<void> applyAndCommit(std::span<const Pending> group);
  Result<void> apply(const WriteBatch& batch);

  const std::string path_;
  const SqliteStoreOptions options_;
  Writer writer_;  // used only by writer_thread_

  mutable std::mutex queue_mu_;
  std::condition_variable queue_not_empty_;
  std::condition_variable queue_not_full_;
  std::deque<Pending> queue_;
  bool stopping_ = false;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Reader>> idle_readers_;

  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> failed_batches_{0};
  std::atomic<uint64_t> split_groups_{0};

  std::thread writer_thread_;  // last: starts after everything it uses is constructed
};

}  // namespace wharf
