// Kill -9 durability: a child process commits numbered batches from several threads and reports
// each acknowledged number through a pipe; the parent SIGKILLs it at a random point, reopens the
// database and checks every acknowledged batch is there, and that no batch is there only in part.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/temp_dir.h"

namespace wharf {
namespace {

constexpr int kKeysPerBatch = 8;
constexpr int kCommitters = 4;

[[noreturn]] void runChild(const std::string& path, int ack_fd, uint64_t first_id) {
  auto store = openSqliteStore(path);
  if (!store) _exit(2);
  std::atomic<uint64_t> next_id{first_id};
  std::vector<std::thread> committers;
  for (int t = 0; t < kCommitters; ++t) {
    committers.emplace_back([&] {
      for (;;) {
        uint64_t id = next_id++;
        WriteBatch b;
        for (int k = 0; k < kKeysPerBatch; ++k) b.put("data", fmt::format("{:012}/{}", id, k), std::to_string(id));
        if (!(*store)->commit(std::move(b))) _exit(3);
        // 8 bytes is below PIPE_BUF, so concurrent writes never interleave.
        if (::write(ack_fd, &id, sizeof id) != sizeof id) _exit(4);
      }
    });
  }
  for (auto& c : committers) c.join();
  _exit(0);
}

// Returns the ids acknowledged before the kill.
std::set<uint64_t> commitUntilKilled(const std::string& path, uint64_t first_id, size_t kill_after) {
  int fds[2];
  if (::pipe(fds) != 0) ADD_FAILURE() << "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    runChild(path, fds[1], first_id);
  }
  ::close(fds[1]);
  std::set<uint64_t> acked;
  uint64_t id;
  bool killed = false;
  while (::read(fds[0], &id, sizeof id) == sizeof id) {
    acked.insert(id);
    if (!killed && acked.size() >= kill_after) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child ended on its own (status " << status << ") after " << acked.size() << " acknowledgements";
  return acked;
}

TEST(SqliteStoreDurabilityTest, AcknowledgedBatchesSurviveKill9) {
  testing::TempDir dir;
  std::string path = dir.file("wharf.db");
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE(fmt::format("seed {}", seed));
  std::mt19937_64 rng(seed);

  std::set<uint64_t> all_acked;
  for (uint64_t round = 1; round <= 3; ++round) {
    size_t kill_after = std::uniform_int_distribution<size_t>(20, 300)(rng);
    auto acked = commitUntilKilled(path, round * 1'000'000'000, kill_after);
    ASSERT_GE(acked.size(), kill_after);
    all_acked.insert(acked.begin(), acked.end());

    auto store = openSqliteStore(path);
    ASSERT_TRUE(store) << store.error().message;
    std::map<uint64_t, int> keys_per_batch;
    bool values_match = true;
    ASSERT_TRUE((*store)->scan("data", "", 0, [&](std::string_view key, std::string_view value) {
      uint64_t id = std::stoull(std::string(key.substr(0, key.find('/'))));
      values_match = values_match && value == std::to_string(id);
      ++keys_per_batch[id];
      return true;
    }));
    EXPECT_TRUE(values_match);
    for (auto [id, count] : keys_per_batch) EXPECT_EQ(count, kKeysPerBatch) << "batch " << id << " is partial";
    for (uint64_t id : all_acked) EXPECT_TRUE(keys_per_batch.contains(id)) << "acknowledged batch " << id << " lost";
  }
}

}  // namespace
}  // namespace wharf
