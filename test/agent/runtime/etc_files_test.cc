#include "agent/runtime/launchers/oci/etc_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wharf::agent {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(EtcFilesTest, HostsNameTheContainer) {
  std::string hosts = containerHosts(NetworkMode::kAwsvpc, "0123456789ab", "10.88.0.5", "host file");
  EXPECT_THAT(hosts, HasSubstr("127.0.0.1\tlocalhost\n"));
  EXPECT_THAT(hosts, HasSubstr("::1\tlocalhost"));
  EXPECT_THAT(hosts, EndsWith("10.88.0.5\t0123456789ab\n"));
  EXPECT_THAT(containerHosts(NetworkMode::kNone, "0123456789ab", "", ""), EndsWith("127.0.1.1\t0123456789ab\n"));
  EXPECT_EQ(containerHosts(NetworkMode::kHost, "x", "", "host file"), "host file");
}

TEST(EtcFilesTest, ResolvConfKeepsReachableNameservers) {
  std::string host = "search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\noptions edns0\n";
  EXPECT_EQ(containerResolvConf(NetworkMode::kHost, host), host);
  EXPECT_EQ(containerResolvConf(NetworkMode::kAwsvpc, host),
            "search example.com\nnameserver 10.0.0.2\noptions edns0\n");
  EXPECT_THAT(containerResolvConf(NetworkMode::kNone, host), Not(HasSubstr("nameserver")));
}

}  // namespace
}  // namespace wharf::agent
