// Group commit vs the naive way: durable commits per second with 1, 8 and 64 concurrent
// committers of a small batch, against one SQLite transaction (one fsync) per commit, on the same
// disk in the same run. Prints the median of several runs and the ratio.
#include <fmt/format.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPutsPerBatch = 3;

struct Config {
  double seconds = 0.5;
  int runs = 5;
  std::string dir;
  std::vector<int> committers = {1, 8, 64};
};

std::string keyOf(int thread, uint64_t n, int k) { return fmt::format("t{:02}/{:010}/{}", thread, n, k); }
const std::string kValue(100, 'v');

// Runs `commit(thread, n)` in `threads` threads until the deadline; returns commits per second.
double measure(int threads, double seconds, const std::function<bool(int, uint64_t)>& commit) {
  std::atomic<uint64_t> total{0};
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t n = 0;
      while (Clock::now() < deadline) {
        if (!commit(t, n++)) failed = true;
        ++total;
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) {
    std::fprintf(stderr, "a commit failed\n");
    std::exit(1);
  }
  return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - start).count();
}

struct GroupResult {
  double rate;
  double batches_per_transaction;
};

GroupResult runGroupCommit(const std::string& path, int threads, double seconds) {
  auto store = wharf::SqliteStore::open(path);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    std::exit(1);
  }
  double rate = measure(threads, seconds, [&](int t, uint64_t n) {
    wharf::WriteBatch b;
    for (int k = 0; k < kPutsPerBatch; ++k) b.put("bench", keyOf(t, n, k), kValue);
    return static_cast<bool>((*store)->commit(std::move(b)));
  });
  auto stats = (*store)->stats();
  return {rate, static_cast<double>(stats.batches) / static_cast<double>(std::max<uint64_t>(stats.transactions, 1))};
}

// The peer: the same schema, WAL and synchronous=FULL, one transaction per commit on one
// connection shared under a mutex.
double runNaive(const std::string& path, int threads, double seconds) {
  auto db = wharf::sqlite::Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  auto check = [](const auto& r) {
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().message.c_str());
      std::exit(1);
    }
  };
  check(db);
  check(
      db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE kv(collection TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
               " PRIMARY KEY (collection, key)) WITHOUT ROWID"));
  auto put = db->prepare("INSERT OR REPLACE INTO kv(collection, key, value) VALUES (?1, ?2, ?3)");
  check(put);
  std::mutex mu;
  return measure(threads, seconds, [&](int t, uint64_t n) {
    std::lock_guard lock(mu);
    bool ok = static_cast<bool>(db->exec("BEGIN IMMEDIATE"));
    for (int k = 0; ok && k < kPutsPerBatch; ++k) {
      wharf::sqlite::ResetOnExit reset(*put);
      ok = put->bindText(1, "bench") && put->bindText(2, keyOf(t, n, k)) && put->bindBlob(3, kValue) && put->step();
    }
    return ok && db->exec("COMMIT");
  });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  CLI::App app("Wharf store benchmark: group commit vs one transaction per commit");
  app.add_option("--seconds", config.seconds, "duration of one run")->check(CLI::PositiveNumber);
  app.add_option("--runs", config.runs, "runs per configuration (the median is reported)")->check(CLI::PositiveNumber);
  app.add_option("--committers", config.committers, "numbers of concurrent committers to measure");
  app.add_option("--dir", config.dir, "directory for the databases (default: a new temporary directory)");
  CLI11_PARSE(app, argc, argv);

  bool own_dir = config.dir.empty();
  if (own_dir) {
    std::string pattern = (std::filesystem::temp_directory_path() / "wharf-store-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return 1;
    config.dir = pattern;
  }

  fmt::print("store_bench: {} puts of {} B per commit, {} runs of {:.1f} s, median; dir {}\n", kPutsPerBatch,
             kValue.size(), config.runs, config.seconds, config.dir);
  fmt::print("{:>11} {:>16} {:>16} {:>8} {:>16}\n", "committers", "group commits/s", "naive commits/s", "ratio",
             "batches per txn");
  int db_counter = 0;
  for (int threads : config.committers) {
    std::vector<double> group, naive, grouping;
    for (int run = 0; run < config.runs; ++run) {
      // Alternating the two keeps slow drift of the disk from favouring either.
      auto g = runGroupCommit(fmt::format("{}/group-{}.db", config.dir, db_counter++), threads, config.seconds);
      group.push_back(g.rate);
      grouping.push_back(g.batches_per_transaction);
      naive.push_back(runNaive(fmt::format("{}/naive-{}.db", config.dir, db_counter++), threads, config.seconds));
    }
    double g = median(group), n = median(naive);
    fmt::print("{:>11} {:>16.0f} {:>16.0f} {:>7.2f}x {:>16.1f}\n", threads, g, n, g / n, median(grouping));
    std::fflush(stdout);
  }
  if (own_dir) std::filesystem::remove_all(config.dir);
  return 0;
}
