// Shared fixture for the runtime tests: a busybox image in a temporary directory, fakes of the
// image store, network manager and log sink, and an event recorder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include "agent/runtime/local_agent.h"

namespace wharf::agent::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline constexpr auto kWait = 30s;  // upper bound only; nothing asserts on durations

// A root filesystem of busybox applets with a user "app" (1000:1000, also in group "extra" 2000).
inline void makeBusyboxRootfs(const fs::path& root) {
  for (const char* d : {"bin", "etc", "tmp", "home/app"}) fs::create_directories(root / d);
  fs::copy_file("/bin/busybox", root / "bin/busybox");
  for (const char* a : {"sh", "echo", "cat", "sleep", "true", "head", "tail", "id", "pwd", "env", "touch", "ls"})
    fs::create_symlink("busybox", root / "bin" / a);
  std::ofstream(root / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
  std::ofstream(root / "etc/group") << "root:x:0:\napp:x:1000:\nextra:x:2000:app\n";
}

class FakeImageStore final : public ImageStore {
 public:
  Result<Image> importArchive(const std::string&, const std::string&) override { return internalError("unused"); }
  Result<Image> resolve(const std::string& reference) const override {
    auto it = images.find(reference);
    if (it == images.end())
      return fail(ErrorCode::kNotFound, "CannotPullContainerError", "pull access denied for " + reference);
    return it->second;
  }
  Result<std::vector<Image>> list() const override { return std::vector<Image>{}; }
  std::map<std::string, Image> images;
};

class FakeNetworkManager final : public NetworkManager {
 public:
  Result<NetworkAttachment> attach(const std::string& taskId, NetworkMode, const std::vector<PortSpec>&) override {
    std::lock_guard lock(mutex);
    attached.push_back(taskId);
    return NetworkAttachment{};  // an empty namespace, made by the runtime
  }
  Result<void> detach(const std::string& taskId) override {
    std::lock_guard lock(mutex);
    detached.push_back(taskId);
    return {};
  }
  std::mutex mutex;
  std::vector<std::string> attached, detached;
};

class FakeLogSink final : public LogSink {
 public:
  Result<uint64_t> deliver(const LogBatch& batch) override {
    std::lock_guard lock(mutex);
    uint64_t& stored = offsets[batch.container];
    if (batch.endOffset > stored) {
      EXPECT_EQ(batch.startOffset, stored) << "a gap or overlap in delivered output";
      for (const auto& l : batch.lines) lines[batch.container].push_back(l.message);
      stored = batch.endOffset;
    }
    return stored;
  }
  Result<uint64_t> resumeOffset(const std::string&, const std::string& container, const LogSpec&) override {
    std::lock_guard lock(mutex);
    return offsets[container];
  }
  std::vector<std::string> linesOf(const std::string& container) {
    std::lock_guard lock(mutex);
    return lines[container];
  }
  std::mutex mutex;
  std::map<std::string, uint64_t> offsets;
  std::map<std::string, std::vector<std::string>> lines;
};

class EventRecorder {
 public:
  TaskEventSink sink() {
    return [this](const TaskEvent& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  // Waits for an event of `kind` (for `container` and `taskId`, when given) and returns it.
  std::optional<TaskEvent> waitFor(TaskEvent::Kind kind, const std::string& container = "",
                                   const std::string& taskId = "") {
    std::unique_lock lock(mutex_);
    std::optional<TaskEvent> found;
    cv_.wait_for(lock, kWait, [&] {
      for (const auto& e : events_)
        if (e.kind == kind && (container.empty() || e.container == container) && (taskId.empty() || e.taskId == taskId))
          found = e;
      return found.has_value();
    });
    return found;
  }
  std::vector<TaskEvent::Kind> kinds(const std::string& taskId = "") {
    std::lock_guard lock(mutex_);
    std::vector<TaskEvent::Kind> out;
    for (const auto& e : events_)
      if (taskId.empty() || e.taskId == taskId) out.push_back(e.kind);
    return out;
  }
  // Waits until `n` events of `kind` arrived.
  bool waitForCount(TaskEvent::Kind kind, size_t n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kWait, [&] {
      return size_t(std::count_if(events_.begin(), events_.end(), [&](const auto& e) { return e.kind == kind; })) >= n;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<TaskEvent> events_;
};

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the runtime tests need root";
    dir_ = fs::temp_directory_path() / ("wharf-runtime-" + randomHex(6));
    fs::create_directories(dir_);
    makeBusyboxRootfs(dir_ / "image");
    Image image;
    image.name = "busybox:latest";
    image.id = "sha256:test";
    image.rootfs = (dir_ / "image").string();
    image.config.cmd = {"sh"};
    images_.images["busybox:latest"] = image;
  }

  void TearDown() override {
    if (dir_.empty()) return;
    for (const auto& id : tasks_) cleanup(id);
    agent_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static std::string randomHex(size_t bytes) {
    static std::mt19937_64 rng(std::random_device{}());
    std::string s;
    for (size_t i = 0; i < bytes; ++i) s += fmt2(rng() & 0xff);
    return s;
  }
  static std::string fmt2(uint64_t b) {
    const char* d = "0123456789abcdef";
    return {d[b >> 4], d[b & 15]};
  }

  LocalAgentConfig config(const std::string& launcher = "oci") {
    LocalAgentConfig c;
    c.dataDir = (dir_ / "data").string();
    c.launcher = launcher;
    c.runtimePath = runtime_;
    c.supervisorPath = WHARF_SUPERVISOR_PATH;
    c.images = &images_;
    c.network = &network_;
    c.logSink = &logs_;
    return c;
  }

  void startAgent(const std::string& launcher = "oci") {
    auto agent = makeLocalAgent(config(launcher));
    ASSERT_TRUE(agent.has_value()) << agent.error().message;
    agent_ = std::move(*agent);
    events_ = std::make_unique<EventRecorder>();
    agent_->setEventSink(events_->sink());
  }

  // A one-container task running `script` under busybox sh, output sent to the fake sink.
  TaskSpec shellTask(const std::string& script) {
    TaskSpec t;
    t.taskId = randomHex(16);
    t.networkMode = NetworkMode::kAwsvpc;
    ContainerSpec c;
    c.name = "main";
    c.image = "busybox:latest";
    c.entryPoint = std::vector<std::string>{"/bin/sh", "-c"};
    c.command = std::vector<std::string>{script};
    c.log.driver = "awslogs";
    c.stopTimeout = 1s;
    t.containers.push_back(c);
    return t;
  }

  void launch(const TaskSpec& t) {
    tasks_.push_back(t.taskId);
    ASSERT_TRUE(agent_->launch(t).has_value());
  }

  // Runs the task to its end and returns the container's exit event.
  TaskEvent runToExit(const TaskSpec& t) {
    launch(t);
    auto exited = events_->waitFor(TaskEvent::Kind::kContainerExited, t.containers[0].name);
    EXPECT_TRUE(exited.has_value()) << "no exit event";
    return exited.value_or(TaskEvent{});
  }

  // Releases the task and checks nothing of it is left on the host.
  void cleanup(const std::string& taskId) {
    if (!agent_) return;
    ASSERT_TRUE(agent_->cleanup(taskId).has_value());
    EXPECT_TRUE(events_->waitFor(TaskEvent::Kind::kCleanedUp, "", taskId).has_value());
    EXPECT_FALSE(fs::exists("/sys/fs/cgroup/memory/wharf/" + taskId));
    EXPECT_FALSE(fs::exists(dir_ / "data/runtime/tasks" / taskId));
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_ / "data/runtime/runc", ec))
      EXPECT_EQ(entry.path().filename().string().find(taskId), std::string::npos) << "runtime state left";
  }

  fs::path dir_;
  std::string runtime_ = "auto";  // the OCI runtime
  FakeImageStore images_;
  FakeNetworkManager network_;
  FakeLogSink logs_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<EventRecorder> events_;
  std::vector<std::string> tasks_;
};

}  // namespace wharf::agent::testing
