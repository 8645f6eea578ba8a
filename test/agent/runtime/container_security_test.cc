// Real containers under each OCI runtime: the default seccomp filter lets ordinary programs run
// and refuses what a container without the capability must not do; /etc/hosts and
// /etc/resolv.conf are the container's own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/runtime/launchers/oci/bundle_builder.h"
#include "agent/runtime/launchers/oci/sealed_binary.h"
#include "agent/runtime/runtime_fixture.h"

namespace wharf::agent::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string readAll(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class ContainerSecurityTest : public RuntimeTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (!findExecutable(GetParam())) GTEST_SKIP() << GetParam() << " is not installed";
    runtime_ = GetParam();
    RuntimeTest::SetUp();
  }
  // Runs `script` to its end and returns its exit code; its output is in logs_.
  int run(const std::string& script, const std::function<void(TaskSpec&)>& adjust = {}) {
    TaskSpec t = shellTask(script);
    if (adjust) adjust(t);
    return runToExit(t).exitCode.value_or(-1);
  }
};

INSTANTIATE_TEST_SUITE_P(Runtimes, ContainerSecurityTest, ::testing::Values("runc", "crun"),
                         [](const auto& info) { return info.param; });

TEST_P(ContainerSecurityTest, OrdinaryProgramsRunUnderTheFilter) {
  startAgent();
  int code = run(
      "set -e; busybox grep Seccomp: /proc/self/status; cp /etc/passwd /tmp/p; cat /tmp/p >/dev/null; "
      "echo hi | busybox tr h H; sleep 0.1 & wait; ls / >/dev/null; id -u; busybox date +%Y >/dev/null; "
      "busybox wget --help >/dev/null 2>&1 || true; busybox mkdir /tmp/d; busybox ln -s /tmp/p /tmp/d/l; "
      "busybox chmod 600 /tmp/p; busybox chown 1000 /tmp/p; busybox rm -r /tmp/d; busybox renice -n 5 $$ >/dev/null; "
      "busybox nproc >/dev/null; busybox uname -r >/dev/null; echo done");
  EXPECT_EQ(code, 0) << joined(logs_.linesOf("main"));
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("Seccomp:\t2", "Hi", "0", "done"));
}

TEST_P(ContainerSecurityTest, NamespacesAndMountsAreRefusedWithoutSysAdmin) {
  startAgent();
  // A user namespace needs no capability, so only the filter refuses it.
  EXPECT_EQ(run("busybox unshare -U true; busybox unshare -m true; busybox mount -t tmpfs none /tmp; "
                "echo $?"),
            0);
  std::string out = joined(logs_.linesOf("main"));
  EXPECT_THAT(out, HasSubstr("unshare(0x10000000): Operation not permitted"));
  EXPECT_THAT(out, HasSubstr("unshare(0x20000): Operation not permitted"));
  EXPECT_THAT(out, HasSubstr("mount: permission denied"));  // busybox's words for EPERM
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre(HasSubstr("unshare"), HasSubstr("unshare"), HasSubstr("mount"), "1"));
}

TEST_P(ContainerSecurityTest, SysAdminAllowsMounts) {
  startAgent();
  int code = run("busybox mount -t tmpfs none /tmp && busybox unshare -m true && echo mounted",
                 [](TaskSpec& t) { t.containers[0].capabilitiesAdd = {"SYS_ADMIN"}; });
  EXPECT_EQ(code, 0) << joined(logs_.linesOf("main"));
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("mounted"));
}

TEST_P(ContainerSecurityTest, UnconfinedContainersHaveNoFilter) {
  startAgent();
  EXPECT_EQ(
      run("busybox grep Seccomp: /proc/self/status", [](TaskSpec& t) { t.containers[0].seccompUnconfined = true; }), 0);
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("Seccomp:\t0"));
}

TEST_P(ContainerSecurityTest, EtcHostsAndResolvConfAreTheContainers) {
  startAgent();
  TaskSpec t = shellTask("cat /etc/hosts; echo --; cat /etc/resolv.conf");
  t.containers[0].user = "app";
  t.containers[0].readonlyRootFilesystem = true;
  EXPECT_EQ(runToExit(t).exitCode, 0) << joined(logs_.linesOf("main"));
  auto lines = logs_.linesOf("main");
  EXPECT_THAT(lines, Contains("127.0.0.1\tlocalhost"));
  EXPECT_THAT(lines, Contains("127.0.1.1\t" + taskHostname(t.taskId)));
  EXPECT_THAT(lines, Contains("--"));
  EXPECT_THAT(lines, Not(Contains(HasSubstr("nameserver 127."))));
  EXPECT_FALSE(fs::exists(dir_ / "image/etc/hosts"));  // the image is left alone
  EXPECT_FALSE(fs::exists(dir_ / "image/etc/resolv.conf"));
}

TEST_P(ContainerSecurityTest, HostNetworkModeSeesTheHostsFiles) {
  startAgent();
  TaskSpec t = shellTask("cat /etc/resolv.conf");
  t.networkMode = NetworkMode::kHost;
  EXPECT_EQ(runToExit(t).exitCode, 0);
  std::string hostResolvConf = readAll("/etc/resolv.conf");
  std::string seen = joined(logs_.linesOf("main"));
  EXPECT_EQ(seen, hostResolvConf.ends_with("\n") || hostResolvConf.empty() ? hostResolvConf : hostResolvConf + "\n");
}

TEST_P(ContainerSecurityTest, ImagesWithoutEtcGetNoFiles) {
  fs::remove_all(dir_ / "image/etc");
  startAgent();
  EXPECT_EQ(run("test -e /etc && echo etc; echo end"), 0);
  EXPECT_THAT(logs_.linesOf("main"), ElementsAre("end"));
}

}  // namespace
}  // namespace wharf::agent::testing
