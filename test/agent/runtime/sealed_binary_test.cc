#include "agent/runtime/launchers/oci/sealed_binary.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wharf::agent {
namespace {

TEST(SealedBinaryTest, FindsExecutablesOnThePath) {
  auto sh = findExecutable("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_EQ(access(sh->c_str(), X_OK), 0);
  EXPECT_EQ(findExecutable("/no/such/dir/tool").value_or(""), "/no/such/dir/tool");
  EXPECT_FALSE(findExecutable("wharf-no-such-tool").has_value());
}

TEST(SealedBinaryTest, CopyIsSealedAndRuns) {
  auto sh = findExecutable("sh");
  ASSERT_TRUE(sh.has_value());
  auto copy = sealedCopy(*sh);
  ASSERT_TRUE(copy.has_value()) << copy.error().message;
  // Exactly the set runc and crun accept as a copy of their own.
  EXPECT_EQ(fcntl(copy->get(), F_GET_SEALS), F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  EXPECT_EQ(fcntl(copy->get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  EXPECT_LT(write(copy->get(), "x", 1), 0);
  pid_t pid = fork();
  if (pid == 0) {
    const char* argv[] = {"sh", "-c", "exit 7", nullptr};
    fexecve(copy->get(), const_cast<char**>(argv), environ);
    _exit(127);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(SealedBinaryTest, MissingFilesAndScriptsAreErrors) {
  EXPECT_FALSE(sealedCopy("/no/such/binary").has_value());
  char script[] = "/tmp/wharf-sealed-XXXXXX";
  int fd = mkstemp(script);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "#!/bin/sh\n", 10), 10);
  close(fd);
  EXPECT_FALSE(sealedCopy(script).has_value());
  unlink(script);
}

}  // namespace
}  // namespace wharf::agent
