#include "store/sqlite/sqlite_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "store/temp_dir.h"

namespace wharf {
namespace {

using testing::TempDir;
using Entries = std::vector<std::pair<std::string, std::string>>;

WriteBatch putBatch(const std::string& collection, const std::string& key, const std::string& value) {
  WriteBatch b;
  b.put(collection, key, value);
  return b;
}

Entries scanAll(Store& store, std::string_view collection, std::string_view from = "", size_t limit = 0) {
  Entries out;
  auto r = store.scan(collection, from, limit, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

std::optional<std::string> getValue(Store& store, std::string_view collection, std::string_view key) {
  auto r = store.get(collection, key);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : std::nullopt;
}

// A value handed from the writer thread to the test; safe to destroy as soon as wait() returns.
template <typename T>
class Slot {
 public:
  void set(T value) {
    std::lock_guard lock(mu_);
    value_ = std::move(value);
    cv_.notify_all();
  }
  T wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return value_.has_value(); });
    return *value_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<T> value_;
};

// Holds the writer thread inside the callback of one batch, so the test decides exactly which
// batches queue up behind it and therefore which ones form the next group.
class WriterBlocker {
 public:
  explicit WriterBlocker(SqliteStore& store) : released_(release_.get_future().share()) {
    Slot<bool> entered;
    store.commitAsync(putBatch("blocker", "k", "v"), [&entered, released = released_](Result<void> r) {
      EXPECT_TRUE(r);
      entered.set(true);
      released.wait();
    });
    entered.wait();
  }
  ~WriterBlocker() { release(); }
  void release() {
    if (!released_flag_.exchange(true)) release_.set_value();
  }

 private:
  std::promise<void> release_;
  std::shared_future<void> released_;
  std::atomic<bool> released_flag_{false};
};

void waitForQueued(SqliteStore& store, size_t n) {
  while (store.stats().queuedBatches < n) std::this_thread::yield();
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open(SqliteStoreOptions options = {}) {
    store_.reset();
    auto s = SqliteStore::open(dir_.file("wharf.db"), options);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, PutGetErase) {
  EXPECT_EQ(getValue(*store_, "c", "k"), std::nullopt);
  ASSERT_TRUE(store_->commit(putBatch("c", "k", "v1")));
  EXPECT_EQ(getValue(*store_, "c", "k"), "v1");
  ASSERT_TRUE(store_->commit(putBatch("c", "k", "v2")));
  EXPECT_EQ(getValue(*store_, "c", "k"), "v2");
  EXPECT_EQ(getValue(*store_, "other", "k"), std::nullopt);

  WriteBatch erase;
  erase.erase("c", "k");
  erase.erase("c", "never-written");
  ASSERT_TRUE(store_->commit(std::move(erase)));
  EXPECT_EQ(getValue(*store_, "c", "k"), std::nullopt);
}

TEST_F(SqliteStoreTest, ValuesAreBinarySafe) {
  std::string binary("a\0b\xff\x01", 5);
  WriteBatch b;
  b.put("c", "binary", binary);
  b.put("c", "empty", "");
  ASSERT_TRUE(store_->commit(std::move(b)));
  EXPECT_EQ(getValue(*store_, "c", "binary"), binary);
  EXPECT_EQ(getValue(*store_, "c", "empty"), "");  // present, not missing
}

TEST_F(SqliteStoreTest, LaterMutationOfSameKeyWins) {
  WriteBatch b;
  b.put("c", "erased", "x");
  b.erase("c", "erased");
  b.erase("c", "put");
  b.put("c", "put", "first");
  b.put("c", "put", "second");
  ASSERT_TRUE(store_->commit(std::move(b)));
  EXPECT_EQ(getValue(*store_, "c", "erased"), std::nullopt);
  EXPECT_EQ(getValue(*store_, "c", "put"), "second");
}

TEST_F(SqliteStoreTest, ScanIsBytewiseOrderedAndPerCollection) {
  std::vector<std::string> keys = {"b", "a", "aa", "B", "a\x01", "\xc3\xa9", "\xff", "10", "9"};
  WriteBatch b;
  for (const auto& k : keys) b.put("c", k, "v" + k);
  b.put("before", "a", "x");
  b.put("d", "a", "x");
  ASSERT_TRUE(store_->commit(std::move(b)));

  std::sort(keys.begin(), keys.end());  // std::string orders chars as unsigned bytes
  Entries expected;
  for (const auto& k : keys) expected.emplace_back(k, "v" + k);
  EXPECT_EQ(scanAll(*store_, "c"), expected);
  EXPECT_EQ(scanAll(*store_, "missing"), Entries{});
}

TEST_F(SqliteStoreTest, ScanFromLimitAndEarlyStop) {
  WriteBatch b;
  for (int i = 0; i < 10; ++i) b.put("c", fmt::format("k{}", i), std::to_string(i));
  ASSERT_TRUE(store_->commit(std::move(b)));

  EXPECT_EQ(scanAll(*store_, "c", "k7"), (Entries{{"k7", "7"}, {"k8", "8"}, {"k9", "9"}}));
  EXPECT_EQ(scanAll(*store_, "c", "k35"),
            (Entries{{"k4", "4"}, {"k5", "5"}, {"k6", "6"}, {"k7", "7"}, {"k8", "8"}, {"k9", "9"}}));
  EXPECT_EQ(scanAll(*store_, "c", "k2", 2), (Entries{{"k2", "2"}, {"k3", "3"}}));
  EXPECT_EQ(scanAll(*store_, "c", "z"), Entries{});

  std::vector<std::string> seen;
  ASSERT_TRUE(store_->scan("c", "", 0, [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return seen.size() < 3;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"k0", "k1", "k2"}));
}

TEST_F(SqliteStoreTest, ReadsInsideScanCallbackDoNotBlock) {
  WriteBatch b;
  for (int i = 0; i < 8; ++i) b.put("c", fmt::format("k{}", i), fmt::format("v{}", i));
  ASSERT_TRUE(store_->commit(std::move(b)));
  int visited = 0;
  ASSERT_TRUE(store_->scan("c", "", 0, [&](std::string_view k, std::string_view v) {
    // Nested scans and gets each need their own read connection.
    EXPECT_EQ(getValue(*store_, "c", k), std::string(v));
    EXPECT_EQ(scanAll(*store_, "c", k, 1).front().second, std::string(v));
    ++visited;
    return true;
  }));
  EXPECT_EQ(visited, 8);
}

TEST_F(SqliteStoreTest, DataSurvivesReopen) {
  ASSERT_TRUE(store_->commit(putBatch("c", "k", "v")));
  open();
  EXPECT_EQ(getValue(*store_, "c", "k"), "v");
}

TEST_F(SqliteStoreTest, ConcurrentCommittersAllLandInFewerTransactions) {
  constexpr int kThreads = 8;
  constexpr int kCommits = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCommits; ++i) {
        WriteBatch b;
        b.put("c", fmt::format("t{}/{:03}/a", t, i), "a");
        b.put("c", fmt::format("t{}/{:03}/b", t, i), "b");
        if (!store_->commit(std::move(b))) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(scanAll(*store_, "c").size(), size_t{kThreads * kCommits * 2});
  auto stats = store_->stats();
  EXPECT_EQ(stats.batches, uint64_t{kThreads * kCommits});
  EXPECT_LE(stats.transactions, stats.batches);
  EXPECT_EQ(stats.failedBatches, 0u);
}

TEST_F(SqliteStoreTest, BatchesQueuedDuringACommitShareOneTransaction) {
  constexpr int kThreads = 16;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  {
    WriterBlocker blocker(*store_);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] { ok[t] = store_->commit(putBatch("c", fmt::format("k{:02}", t), "v")) ? 1 : 0; });
    }
    waitForQueued(*store_, kThreads);
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::count(ok.begin(), ok.end(), 1), kThreads);
  EXPECT_EQ(scanAll(*store_, "c").size(), size_t{kThreads});
  auto stats = store_->stats();
  EXPECT_EQ(stats.batches, uint64_t{kThreads + 1});
  EXPECT_EQ(stats.transactions, 2u);  // the blocker's, then all 16 together
}

TEST_F(SqliteStoreTest, MaxGroupBatchesSplitsLargeGroups) {
  open({.maxQueuedBatches = 100, .maxGroupBatches = 4});
  std::vector<Slot<Result<void>>> results(10);
  {
    WriterBlocker blocker(*store_);
    for (int i = 0; i < 10; ++i) {
      store_->commitAsync(putBatch("c", std::to_string(i), "v"),
                          [&results, i](Result<void> r) { results[i].set(std::move(r)); });
    }
  }
  for (auto& r : results) EXPECT_TRUE(r.wait());
  EXPECT_EQ(store_->stats().transactions, 1u + 3u);  // 4 + 4 + 2
}

// A trigger makes SQLite itself reject one value, as a constraint or a full disk would.
void installPoisonTrigger(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db,
                        "CREATE TRIGGER poison BEFORE INSERT ON kv WHEN CAST(NEW.value AS TEXT) = 'poison' "
                        "BEGIN SELECT RAISE(ABORT, 'poisoned value'); END",
                        nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, ReadsSeeOnlyCommittedDataAndIgnoreWriteLocks) {
  ASSERT_TRUE(store_->commit(putBatch("c", "k", "committed")));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("wharf.db").c_str(), &db), SQLITE_OK);
  // Another writer holds the write lock with an uncommitted change.
  ASSERT_EQ(sqlite3_exec(db,
                         "BEGIN IMMEDIATE; INSERT OR REPLACE INTO kv VALUES ('c', 'k', 'uncommitted'), "
                         "('c', 'new', 'uncommitted')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(getValue(*store_, "c", "k"), "committed");
  EXPECT_EQ(getValue(*store_, "c", "new"), std::nullopt);
  EXPECT_EQ(scanAll(*store_, "c"), (Entries{{"k", "committed"}}));
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(getValue(*store_, "c", "new"), "uncommitted");
}

TEST_F(SqliteStoreTest, FailingBatchFailsAlone) {
  installPoisonTrigger(dir_.file("wharf.db"));

  auto single = store_->commit(putBatch("c", "alone", "poison"));
  ASSERT_FALSE(single);
  EXPECT_EQ(single.error().code, ErrorCode::kInternal);
  EXPECT_NE(single.error().message.find("poisoned value"), std::string::npos) << single.error().message;

  std::vector<Slot<Result<void>>> results(3);
  {
    WriterBlocker blocker(*store_);
    WriteBatch bad;
    bad.put("c", "bad-good-part", "fine");
    bad.put("c", "bad", "poison");
    WriteBatch batches[] = {putBatch("c", "good1", "v"), std::move(bad), putBatch("c", "good2", "v")};
    for (int i = 0; i < 3; ++i) {
      store_->commitAsync(std::move(batches[i]), [&results, i](Result<void> r) { results[i].set(std::move(r)); });
    }
    waitForQueued(*store_, 3);
  }
  EXPECT_TRUE(results[0].wait());
  EXPECT_FALSE(results[1].wait());
  EXPECT_TRUE(results[2].wait());

  EXPECT_EQ(getValue(*store_, "c", "good1"), "v");
  EXPECT_EQ(getValue(*store_, "c", "good2"), "v");
  EXPECT_EQ(getValue(*store_, "c", "bad-good-part"), std::nullopt);  // the failed batch applied nothing
  EXPECT_EQ(getValue(*store_, "c", "alone"), std::nullopt);
  auto stats = store_->stats();
  EXPECT_EQ(stats.failedBatches, 2u);
  EXPECT_EQ(stats.splitGroups, 1u);
}

TEST_F(SqliteStoreTest, FullQueueBlocksProducers) {
  constexpr size_t kBound = 4;
  open({.maxQueuedBatches = kBound});
  std::atomic<size_t> enqueued{0};
  std::atomic<size_t> completed{0};
  std::thread producer;
  {
    WriterBlocker blocker(*store_);
    producer = std::thread([&] {
      for (int i = 0; i < 10; ++i) {
        store_->commitAsync(putBatch("c", std::to_string(i), "v"), [&](Result<void> r) {
          EXPECT_TRUE(r);
          ++completed;
        });
        ++enqueued;
      }
    });
    while (enqueued < kBound) std::this_thread::yield();
    // The writer is held, so the queue cannot drain: the fifth call must still be waiting.
    EXPECT_EQ(store_->stats().queuedBatches, kBound);
    EXPECT_EQ(enqueued, kBound);
  }
  producer.join();
  store_.reset();  // drains
  EXPECT_EQ(completed, 10u);
}

TEST_F(SqliteStoreTest, CallbacksMayCommitAsyncButNotBlock) {
  Slot<Result<void>> nested;
  Slot<Result<void>> blocking;
  store_->commitAsync(putBatch("c", "outer", "v"), [&](Result<void> r) {
    EXPECT_TRUE(r);
    blocking.set(store_->commit(putBatch("c", "blocking", "v")));
    store_->commitAsync(putBatch("c", "nested", "v"), [&](Result<void> r2) { nested.set(std::move(r2)); });
  });
  auto b = blocking.wait();
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(nested.wait());
  EXPECT_EQ(getValue(*store_, "c", "nested"), "v");
  EXPECT_EQ(getValue(*store_, "c", "blocking"), std::nullopt);
}

TEST_F(SqliteStoreTest, DestructorCommitsEverythingQueued) {
  std::atomic<int> ok{0};
  {
    WriterBlocker blocker(*store_);
    for (int i = 0; i < 50; ++i) {
      store_->commitAsync(putBatch("c", fmt::format("{:02}", i), "v"), [&](Result<void> r) { ok += r ? 1 : 0; });
    }
    blocker.release();
    store_.reset();
  }
  EXPECT_EQ(ok, 50);
  open();
  EXPECT_EQ(scanAll(*store_, "c").size(), 50u);
}

TEST(SqliteStoreOpenTest, CreatesMissingDirectories) {
  TempDir dir;
  std::string path = dir.file("a/b/c/wharf.db");
  auto store = openSqliteStore(path);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->commit(putBatch("c", "k", "v")));
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(SqliteStoreOpenTest, UnusablePathsAreUnavailable) {
  TempDir dir;
  std::ofstream(dir.file("file")) << "x";
  auto under_file = openSqliteStore(dir.file("file/wharf.db"));
  ASSERT_FALSE(under_file);
  EXPECT_EQ(under_file.error().code, ErrorCode::kUnavailable);

  std::filesystem::create_directory(dir.file("dir"));
  auto is_dir = openSqliteStore(dir.file("dir"));
  ASSERT_FALSE(is_dir);
  EXPECT_EQ(is_dir.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(is_dir.error().message.find("sqlite"), std::string::npos) << is_dir.error().message;
}

TEST(SqliteStoreOpenTest, NotADatabaseIsAnError) {
  TempDir dir;
  std::ofstream(dir.file("garbage.db")) << std::string(4096, 'x');
  auto store = openSqliteStore(dir.file("garbage.db"));
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace wharf
