#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <utility>

#include "store/migrations/sqlite_migrations.h"

namespace wharf {
namespace {

// Idle read connections kept open; more are opened on demand (e.g. a get() inside a scan()
// callback), so readers never wait on each other.
constexpr size_t kMaxIdleReaders = 4;

std::unexpected<Error> unavailable(std::string message) {
  return fail(ErrorCode::kUnavailable, "ServiceUnavailable", std::move(message));
}

Result<void> createParentDirectory(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unavailable(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  return {};
}

// A newly created database or WAL file is only durable once its directory entry is.
Result<void> syncParentDirectory(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return unavailable(fmt::format("cannot open directory {}: {}", dir.string(), std::strerror(errno)));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return unavailable(fmt::format("cannot sync directory {}: {}", dir.string(), std::strerror(saved)));
  return {};
}

template <typename T>
std::unexpected<Error> failure(const Result<T>& r) {
  return std::unexpected(r.error());
}

}  // namespace

// Borrows a read connection for one call and returns it to the pool afterwards.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore& store, std::unique_ptr<Reader> reader) : store_(store), reader_(std::move(reader)) {}
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  ~ReaderLease() { store_.releaseReader(std::move(reader_)); }
  Reader* operator->() { return reader_.get(); }

 private:
  SqliteStore& store_;
  std::unique_ptr<Reader> reader_;
};

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, SqliteStoreOptions options) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) {
    return invalidParameter(fmt::format("store path must name a file, got '{}'", path));
  }
  if (options.maxQueuedBatches == 0 || options.maxGroupBatches == 0) {
    return invalidParameter("store queue and group sizes must be positive");
  }
  if (auto r = createParentDirectory(path); !r) return failure(r);
  auto writer = openWriter(path);
  if (!writer) return failure(writer);
  if (auto r = syncParentDirectory(path); !r) return failure(r);
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, options, std::move(*writer)));
  // Fail at open, not at the first read, if the file cannot be read.
  auto reader = store->openReader(path);
  if (!reader) return failure(reader);
  store->releaseReader(std::move(*reader));
  return store;
}

SqliteStore::SqliteStore(std::string path, SqliteStoreOptions options, Writer writer)
    : path_(std::move(path)), options_(options), writer_(std::move(writer)), writer_thread_([this] { runWriter(); }) {}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_not_empty_.notify_all();
  queue_not_full_.notify_all();
  writer_thread_.join();
}

Result<SqliteStore::Writer> SqliteStore::openWriter(const std::string& path) {
  auto db = sqlite::Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return failure(db);
  auto mode = db->queryText("PRAGMA journal_mode=WAL");
  if (!mode) return failure(mode);
  if (*mode != "wal") return unavailable(fmt::format("{}: cannot enable WAL mode (journal mode is {})", path, *mode));
  // FULL: every commit fsyncs the WAL, so an acknowledged commit survives power loss, not only a crash.
  if (auto r = db->exec("PRAGMA synchronous=FULL"); !r) return failure(r);
  if (auto r = migrate(*db, sqliteMigrations()); !r) return failure(r);

  Writer w;
  w.db = std::move(*db);
  struct Prepared {
    sqlite::Statement& target;
    std::string_view sql;
  };
  for (auto [target, sql] : {
           Prepared{w.begin, "BEGIN IMMEDIATE"},
           Prepared{w.commit, "COMMIT"},
           Prepared{w.put, "INSERT OR REPLACE INTO kv(collection, key, value) VALUES (?1, ?2, ?3)"},
           Prepared{w.erase, "DELETE FROM kv WHERE collection = ?1 AND key = ?2"},
       }) {
    auto stmt = w.db.prepare(sql);
    if (!stmt) return failure(stmt);
    target = std::move(*stmt);
  }
  return w;
}

Result<std::unique_ptr<SqliteStore::Reader>> SqliteStore::openReader(const std::string& path) {
  auto db = sqlite::Connection::open(path, SQLITE_OPEN_READONLY);
  if (!db) return failure(db);
  auto get = db->prepare("SELECT value FROM kv WHERE collection = ?1 AND key = ?2");
  if (!get) return failure(get);
  auto scan = db->prepare("SELECT key, value FROM kv WHERE collection = ?1 AND key >= ?2 ORDER BY key LIMIT ?3");
  if (!scan) return failure(scan);
  return std::make_unique<Reader>(std::move(*db), std::move(*get), std::move(*scan));
}

Result<std::unique_ptr<SqliteStore::Reader>> SqliteStore::acquireReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      auto reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
  }
  return openReader(path_);
}

void SqliteStore::releaseReader(std::unique_ptr<Reader> reader) {
  std::lock_guard lock(readers_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(reader));
}

Result<void> SqliteStore::commit(WriteBatch batch) {
  if (std::this_thread::get_id() == writer_thread_.get_id()) {
    return internalError("Store::commit called from a commitAsync callback would deadlock; use commitAsync");
  }
  // Notifying under the lock means this frame cannot return (and destroy `waiter`) until the
  // writer has let go of it; a std::promise gives no such guarantee.
  struct {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<void>> result;
  } waiter;
  commitAsync(std::move(batch), [&waiter](Result<void> r) {
    std::lock_guard lock(waiter.mu);
    waiter.result = std::move(r);
    waiter.cv.notify_one();
  });
  std::unique_lock lock(waiter.mu);
  waiter.cv.wait(lock, [&] { return waiter.result.has_value(); });
  return std::move(*waiter.result);
}

void SqliteStore::commitAsync(WriteBatch batch, std::function<void(Result<void>)> done) {
  bool on_writer = std::this_thread::get_id() == writer_thread_.get_id();
  {
    std::unique_lock lock(queue_mu_);
    if (!on_writer) {
      queue_not_full_.wait(lock, [&] { return stopping_ || queue_.size() < options_.maxQueuedBatches; });
    }
    // While stopping, only the writer's own callbacks may still add work: it drains the queue
    // before exiting, whereas another thread's batch could arrive after it has gone.
    if (!stopping_ || on_writer) {
      queue_.push_back({std::move(batch), std::move(done)});
      lock.unlock();
      queue_not_empty_.notify_one();
      return;
    }
  }
  done(unavailable("store is shutting down"));
}

void SqliteStore::runWriter() {
  std::vector<Pending> group;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_not_empty_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      size_t n = std::min(queue_.size(), options_.maxGroupBatches);
      auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
      group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
      queue_.erase(queue_.begin(), end);
    }
    queue_not_full_.notify_all();
    std::vector<Result<void>> results = commitGroup(group);
    for (size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
    group.clear();
  }
}

std::vector<Result<void>> SqliteStore::commitGroup(std::span<const Pending> group) {
  // A failure to start (another process holding the write lock past the busy timeout, an I/O
  // error) concerns no batch in particular, so splitting the group would only repeat it.
  if (Result<void> began = beginTransaction(); !began) {
    failed_batches_ += group.size();
    return std::vector<Result<void>>(group.size(), began);
  }
  Result<void> combined = applyAndCommit(group);
  if (combined || group.size() == 1) {
    (combined ? batches_ : failed_batches_) += group.size();
    return std::vector<Result<void>>(group.size(), combined);
  }
  // One bad batch (a constraint, a value too large, disk full) must not fail its neighbours:
  // commit each alone so the good ones still land and only the bad one reports the error.
  ++split_groups_;
  std::vector<Result<void>> results;
  results.reserve(group.size());
  for (const Pending& p : group) {
    Result<void> single = beginTransaction();
    if (single) single = applyAndCommit({&p, 1});
    ++(single ? batches_ : failed_batches_);
    results.push_back(std::move(single));
  }
  return results;
}

Result<void> SqliteStore::beginTransaction() {
  sqlite::ResetOnExit reset(writer_.begin);
  if (auto r = writer_.begin.step(); !r) return failure(r);
  return {};
}

Result<void> SqliteStore::applyAndCommit(std::span<const Pending> group) {
  auto run = [&]() -> Result<void> {
    for (const Pending& p : group) {
      if (auto r = apply(p.batch); !r) return r;
    }
    sqlite::ResetOnExit reset(writer_.commit);
    if (auto r = writer_.commit.step(); !r) return failure(r);
    return {};
  };
  Result<void> result = run();
  if (result) {
    ++transactions_;
  } else {
    writer_.db.rollbackQuietly();
  }
  return result;
}

Result<void> SqliteStore::apply(const WriteBatch& batch) {
  for (const WriteBatch::Mutation& m : batch.mutations()) {
    sqlite::Statement& stmt = m.value ? writer_.put : writer_.erase;
    sqlite::ResetOnExit reset(stmt);
    if (auto r = stmt.bindText(1, m.collection); !r) return r;
    if (auto r = stmt.bindText(2, m.key); !r) return r;
    if (m.value) {
      if (auto r = stmt.bindBlob(3, *m.value); !r) return r;
    }
    if (auto r = stmt.step(); !r) return failure(r);
  }
  return {};
}

Result<std::optional<std::string>> SqliteStore::get(std::string_view collection, std::string_view key) {
  auto acquired = acquireReader();
  if (!acquired) return failure(acquired);
  ReaderLease reader(*this, std::move(*acquired));
  sqlite::Statement& stmt = reader->get;
  sqlite::ResetOnExit reset(stmt);
  if (auto r = stmt.bindText(1, collection); !r) return failure(r);
  if (auto r = stmt.bindText(2, key); !r) return failure(r);
  auto row = stmt.step();
  if (!row) return failure(row);
  if (!*row) return std::nullopt;
  return std::string(stmt.columnBlob(0));
}

Result<void> SqliteStore::scan(std::string_view collection, std::string_view from, size_t limit,
                               const std::function<bool(std::string_view key, std::string_view value)>& fn) {
  auto acquired = acquireReader();
  if (!acquired) return failure(acquired);
  ReaderLease reader(*this, std::move(*acquired));
  sqlite::Statement& stmt = reader->scan;
  sqlite::ResetOnExit reset(stmt);
  if (auto r = stmt.bindText(1, collection); !r) return r;
  if (auto r = stmt.bindText(2, from); !r) return r;
  // A negative LIMIT means no limit in SQLite.
  if (auto r = stmt.bindInt64(3, limit == 0 ? -1 : static_cast<int64_t>(limit)); !r) return r;
  for (;;) {
    auto row = stmt.step();
    if (!row) return failure(row);
    if (!*row || !fn(stmt.columnText(0), stmt.columnBlob(1))) return {};
  }
}

SqliteStore::Stats SqliteStore::stats() const {
  Stats s{.transactions = transactions_.load(),
          .batches = batches_.load(),
          .failedBatches = failed_batches_.load(),
          .splitGroups = split_groups_.load()};
  std::lock_guard lock(queue_mu_);
  s.queuedBatches = queue_.size();
  return s;
}

Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path) {
  auto store = SqliteStore::open(path);
  if (!store) return failure(store);
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace wharf
