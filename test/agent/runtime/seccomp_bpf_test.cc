#include "agent/runtime/launchers/oci/seccomp_bpf.h"

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/core/detail/base64.hpp>
#include <cerrno>

#include "agent/runtime/launchers/oci/seccomp_profile.h"

namespace wharf::agent {
namespace {

namespace base64 = boost::beast::detail::base64;

const std::set<std::string> kDockerDefaults = {"CAP_CHOWN",      "CAP_DAC_OVERRIDE",    "CAP_FSETID", "CAP_FOWNER",
                                               "CAP_MKNOD",      "CAP_NET_RAW",         "CAP_SETGID", "CAP_SETUID",
                                               "CAP_SETFCAP",    "CAP_SETPCAP",         "CAP_KILL",   "CAP_AUDIT_WRITE",
                                               "CAP_SYS_CHROOT", "CAP_NET_BIND_SERVICE"};

std::vector<sock_filter> decode(const std::string& text) {
  std::string raw(base64::decoded_size(text.size()), '\0');
  raw.resize(base64::decode(raw.data(), text.data(), text.size()).first);
  std::vector<sock_filter> program(raw.size() / sizeof(sock_filter));
  memcpy(program.data(), raw.data(), program.size() * sizeof(sock_filter));
  EXPECT_EQ(raw.size() % sizeof(sock_filter), 0u);
  return program;
}

// Loads `program` in a child and returns the errno each probe ends with (0 = it succeeded).
std::vector<int> probe(std::vector<sock_filter> program) {
  int pipeFds[2];
  EXPECT_EQ(pipe(pipeFds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) _exit(1);
    auto result = [](long rc) { return rc < 0 ? errno : 0; };
    int out[] = {result(syscall(SYS_getpid)), result(unshare(CLONE_NEWUSER)), result(syscall(SYS_clone3, nullptr, 0)),
                 result(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0)), result(syscall(SYS_keyctl, 0, 0, 0, 0, 0))};
    _exit(write(pipeFds[1], out, sizeof out) == sizeof out ? 0 : 2);
  }
  close(pipeFds[1]);
  std::vector<int> out(5, -1);
  EXPECT_EQ(read(pipeFds[0], out.data(), out.size() * sizeof(int)), ssize_t(out.size() * sizeof(int)));
  close(pipeFds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return out;
}

TEST(SeccompBpfTest, TheCompiledProgramFiltersAsTheProfileSays) {
  auto text = compileSeccompBpf(defaultSeccompProfile(kDockerDefaults));
  ASSERT_TRUE(text.has_value()) << text.error().message;
  auto program = decode(*text);
  ASSERT_GT(program.size(), 100u);
  // getpid allowed; a user namespace refused; clone3 unknown, as libc expects; vsock and the
  // keyring refused.
  EXPECT_EQ(probe(program), (std::vector<int>{0, EPERM, ENOSYS, EPERM, EPERM}));
}

TEST(SeccompBpfTest, RefusesProfilesItCannotCompile) {
  boost::json::object profile = defaultSeccompProfile(kDockerDefaults);
  profile["architectures"] = boost::json::array{"SCMP_ARCH_NOSUCH"};
  EXPECT_FALSE(compileSeccompBpf(profile).has_value());
  profile = defaultSeccompProfile(kDockerDefaults);
  profile["defaultAction"] = "SCMP_ACT_SOMETHING";
  EXPECT_FALSE(compileSeccompBpf(profile).has_value());
}

}  // namespace
}  // namespace wharf::agent
