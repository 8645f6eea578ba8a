#include "agent/runtime/local_agent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "agent/runtime/launchers/oci/bundle_builder.h"
#include "agent/runtime/launchers/oci/sealed_binary.h"
#include "agent/runtime/runtime_fixture.h"

namespace wharf::agent::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using Kind = TaskEvent::Kind;

std::string readAll(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The mount points under /sys/fs/cgroup, which crun's private mount namespace must leave alone.
std::vector<std::string> cgroupMounts() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mounts");
  std::string source, target, rest;
  while (in >> source >> target && std::getline(in, rest))
    if (target.starts_with("/sys/fs/cgroup")) out.push_back(target);
  return out;
}

// Every OCI test runs under each runtime installed here.
class OciRuntimeTest : public RuntimeTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (!findExecutable(GetParam())) GTEST_SKIP() << GetParam() << " is not installed";
    runtime_ = GetParam();
    RuntimeTest::SetUp();
  }
};

INSTANTIATE_TEST_SUITE_P(Runtimes, OciRuntimeTest, ::testing::Values("runc", "crun"),
                         [](const auto& info) { return info.param; });

TEST_P(OciRuntimeTest, ReportsOutputAndExitCode) {
  startAgent();
  TaskSpec t = shellTask("echo out1; echo err1 >&2; echo out2; exit 3");
  TaskEvent exited = runToExit(t);
  EXPECT_EQ(exited.exitCode, 3);
  EXPECT_EQ(exited.reason, "");
  EXPECT_THAT(events_->kinds(),
              ElementsAre(Kind::kPulled, Kind::kNetworkReady, Kind::kContainerStarted, Kind::kContainerExited));
  std::string capture = readAll(dir_ / "data/runtime/tasks" / t.taskId / "main/capture.log");
  EXPECT_THAT(capture, HasSubstr(" o out1\n"));
  EXPECT_THAT(capture, HasSubstr(" e err1\n"));
  EXPECT_THAT(capture, HasSubstr(" o out2\n"));
  auto lines = logs_.linesOf("main");
  EXPECT_EQ(lines.size(), 3u);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "err1"), lines.end());
  EXPECT_EQ(network_.attached, std::vector<std::string>{t.taskId});
  cleanup(t.taskId);
  tasks_.clear();
  EXPECT_EQ(network_.detached, std::vector<std::string>{t.taskId});
}

TEST_P(OciRuntimeTest, AppliesImageAndContainerSettings) {
  images_.images["busybox:latest"].config.env = {"FOO=image", "BAR=keep"};
  images_.images["busybox:latest"].config.workingDir = "/etc";
  startAgent();
  TaskSpec t = shellTask("echo $FOO $BAR; pwd; id -u; id -g; id -G; echo $HOME");
  t.containers[0].environment = {{"FOO", "spec"}};
  t.containers[0].workingDirectory = "/tmp";
  t.containers[0].user = "app";
  EXPECT_EQ(runToExit(t).exitCode, 0);
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("spec keep", "/tmp", "1000", "1000", "1000 2000", "/home/app"));
}

TEST_P(OciRuntimeTest, EntryPointOverrideDropsImageCommand) {
  images_.images["busybox:latest"].config.entrypoint = {"/bin/echo", "image-entrypoint"};
  images_.images["busybox:latest"].config.cmd = {"image-cmd"};
  startAgent();
  TaskSpec t = shellTask("");
  t.containers[0].entryPoint = std::vector<std::string>{"/bin/echo", "mine"};
  t.containers[0].command.reset();
  t.containers[0].user = "1000:2000";
  EXPECT_EQ(runToExit(t).exitCode, 0);
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("mine"));
}

TEST_P(OciRuntimeTest, ReadonlyRootAndBindMounts) {
  fs::create_directories(dir_ / "rw");
  fs::create_directories(dir_ / "ro");
  std::ofstream(dir_ / "ro/in") << "from-host\n";
  startAgent();
  TaskSpec t = shellTask(
      "touch /newfile 2>/dev/null && exit 1; echo hello > /data/out || exit 2; cat /ro/in; "
      "touch /ro/new 2>/dev/null && exit 3; exit 0");
  t.containers[0].readonlyRootFilesystem = true;
  t.containers[0].mounts = {{(dir_ / "rw").string(), "/data", false}, {(dir_ / "ro").string(), "/ro", true}};
  EXPECT_EQ(runToExit(t).exitCode, 0);
  EXPECT_EQ(readAll(dir_ / "rw/out"), "hello\n");
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("from-host"));
  EXPECT_FALSE(fs::exists(dir_ / "image/newfile"));
}

TEST_P(OciRuntimeTest, MemoryLimitExceededIsOutOfMemory) {
  startAgent();
  TaskSpec t = shellTask("head -c 200m /dev/zero | tail");
  t.containers[0].memoryMiB = 32;
  TaskEvent exited = runToExit(t);
  EXPECT_EQ(exited.exitCode, 137);
  EXPECT_EQ(exited.reason, "OutOfMemoryError: Container killed due to memory usage");
}

TEST_P(OciRuntimeTest, IsolatesTheContainerInItsCgroups) {
  auto hostMounts = cgroupMounts();
  startAgent();
  TaskSpec t = shellTask(
      "echo pid $$; grep CapEff /proc/self/status; grep memory: /proc/self/cgroup; "
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; hostname");
  t.containers[0].memoryMiB = 48;
  EXPECT_EQ(runToExit(t).exitCode, 0);
  EXPECT_THAT(logs_.linesOf("main"),
              ElementsAre("pid 1", "CapEff:\t00000000a80425fb", EndsWith(":memory:/wharf/" + t.taskId + "/main"),
                          std::to_string(48 << 20), taskHostname(t.taskId)));
  EXPECT_EQ(cgroupMounts(), hostMounts);
}

TEST_P(OciRuntimeTest, HostNetworkModeKeepsTheHostsNetwork) {
  startAgent();
  TaskSpec t = shellTask("busybox readlink /proc/self/ns/net; busybox readlink /proc/self/ns/pid");
  t.networkMode = NetworkMode::kHost;
  EXPECT_EQ(runToExit(t).exitCode, 0);
  auto lines = logs_.linesOf("main");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], fs::read_symlink("/proc/self/ns/net").string());
  EXPECT_NE(lines[1], fs::read_symlink("/proc/self/ns/pid").string());
}

TEST_P(OciRuntimeTest, MissingImageFailsToStart) {
  startAgent();
  TaskSpec t = shellTask("true");
  t.containers[0].image = "nosuch:latest";
  launch(t);
  auto failed = events_->waitFor(Kind::kFailedToStart);
  ASSERT_TRUE(failed.has_value());
  EXPECT_THAT(failed->reason, HasSubstr("CannotPullContainerError"));
}

TEST_P(OciRuntimeTest, StopKillsAContainerIgnoringSigterm) {
  startAgent();
  TaskSpec t = shellTask("trap '' TERM; echo ready; while true; do sleep 1; done");
  launch(t);
  ASSERT_TRUE(events_->waitFor(Kind::kContainerStarted).has_value());
  ASSERT_TRUE(agent_->stop(t.taskId).has_value());
  auto exited = events_->waitFor(Kind::kContainerExited);
  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->exitCode, 137);
}

TEST_P(OciRuntimeTest, InitForwardsSignalsToTheCommand) {
  startAgent();
  TaskSpec t = shellTask("trap 'echo terminated; exit 5' TERM; echo ready; sleep 1000 & wait");
  t.containers[0].initProcessEnabled = true;
  t.containers[0].stopTimeout = 30s;
  launch(t);
  ASSERT_TRUE(events_->waitFor(Kind::kContainerStarted).has_value());
  // The trap must be installed before the signal arrives.
  for (int i = 0; i < 3000 && logs_.linesOf("main").empty(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(agent_->stopContainer(t.taskId, "main").has_value());
  auto exited = events_->waitFor(Kind::kContainerExited);
  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->exitCode, 5);
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("ready", "terminated"));
}

TEST_P(OciRuntimeTest, RecoverAfterRestartReportsTheRealExit) {
  fs::create_directories(dir_ / "ctl");
  startAgent();
  TaskSpec t = shellTask("echo before; while [ ! -f /ctl/go ]; do sleep 0.05; done; echo after; exit 4");
  t.containers[0].mounts = {{(dir_ / "ctl").string(), "/ctl", true}};
  launch(t);
  ASSERT_TRUE(events_->waitFor(Kind::kContainerStarted).has_value());
  agent_.reset();  // the server goes away; the supervisor and the container stay
  std::ofstream(dir_ / "ctl/go") << "";
  fs::path status = dir_ / "data/runtime/exits" / (t.taskId + ".main.json");
  for (int i = 0; i < 3000 && !fs::exists(status); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(fs::exists(status)) << "the supervisor did not record the exit";

  startAgent();
  ASSERT_TRUE(agent_->recover(t).has_value());
  auto exited = events_->waitFor(Kind::kContainerExited);
  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->exitCode, 4);
  EXPECT_LE(exited->at, std::chrono::system_clock::now());
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("before", "after"));
}

TEST_P(OciRuntimeTest, LaunchIsIdempotent) {
  startAgent();
  TaskSpec t = shellTask("exit 0");
  launch(t);
  ASSERT_TRUE(agent_->launch(t).has_value());
  ASSERT_TRUE(events_->waitFor(Kind::kContainerExited).has_value());
  auto kinds = events_->kinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::kContainerStarted), 1);
}

TEST_P(OciRuntimeTest, CleanupOfARunningContainerKillsAndRemovesIt) {
  startAgent();
  TaskSpec t = shellTask("echo ready; while true; do sleep 1; done");
  launch(t);
  ASSERT_TRUE(events_->waitFor(Kind::kContainerStarted).has_value());
  cleanup(t.taskId);
  tasks_.clear();
}

TEST_P(OciRuntimeTest, EventsOfConcurrentTasksKeepTheirOrder) {
  startAgent();
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(shellTask("echo " + std::to_string(i)));
  for (const auto& t : tasks) launch(t);
  ASSERT_TRUE(events_->waitForCount(Kind::kContainerExited, tasks.size()));
  for (const auto& t : tasks) {
    EXPECT_THAT(events_->kinds(t.taskId),
                ElementsAre(Kind::kPulled, Kind::kNetworkReady, Kind::kContainerStarted, Kind::kContainerExited));
    cleanup(t.taskId);
    EXPECT_EQ(events_->kinds(t.taskId).back(), Kind::kCleanedUp);
  }
  tasks_.clear();
}

TEST_F(RuntimeTest, ReportsNodeResources) {
  startAgent();
  NodeResources r = agent_->resources();
  EXPECT_EQ(r.cpuUnits, int(sysconf(_SC_NPROCESSORS_ONLN)) * 1024);
  EXPECT_GT(r.memoryMiB, 0);
}

}  // namespace
}  // namespace wharf::agent::testing
