#include "agent/runtime/launchers/process/process_launcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/runtime/runtime_fixture.h"

namespace wharf::agent::testing {
namespace {

using ::testing::ElementsAre;
using Kind = TaskEvent::Kind;

TEST_F(RuntimeTest, ProcessLauncherRunsHostProcesses) {
  startAgent("process");
  TaskSpec t = shellTask("echo $GREETING; pwd; exit 2");
  t.containers[0].environment = {{"GREETING", "hello"}};
  t.containers[0].workingDirectory = dir_.string();
  EXPECT_EQ(runToExit(t).exitCode, 2);
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("hello", dir_.string()));
  EXPECT_TRUE(network_.attached.empty());
}

TEST_F(RuntimeTest, ProcessLauncherStopsTheProcessGroup) {
  startAgent("process");
  TaskSpec t = shellTask("sleep 1000");
  launch(t);
  ASSERT_TRUE(events_->waitFor(Kind::kContainerStarted).has_value());
  ASSERT_TRUE(agent_->stop(t.taskId).has_value());
  auto exited = events_->waitFor(Kind::kContainerExited);
  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->exitCode, 128 + SIGTERM);
}

}  // namespace
}  // namespace wharf::agent::testing
