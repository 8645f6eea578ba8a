#include "agent/network/ipv4_subnet.h"

#include <gtest/gtest.h>

namespace wharf::agent {
namespace {

TEST(Ipv4SubnetTest, ParsesAndFormatsAddresses) {
  auto address = parseIpv4("10.88.1.2");
  ASSERT_TRUE(address);
  EXPECT_EQ(*address, 0x0a580102u);
  EXPECT_EQ(formatIpv4(*address), "10.88.1.2");
  EXPECT_FALSE(parseIpv4("10.88.1"));
  EXPECT_FALSE(parseIpv4("10.88.1.256"));
}

TEST(Ipv4SubnetTest, RejectsMalformedSubnets) {
  for (const char* text :
       {"10.88.0.0", "10.88.0.0/", "10.88.0.0/31", "10.88.0.0/7", "10.88.0.1/16", "x/16", "10.88.0.0/16x"}) {
    auto subnet = Ipv4Subnet::parse(text);
    ASSERT_FALSE(subnet) << text;
    EXPECT_EQ(subnet.error().code, ErrorCode::kInvalidArgument) << text;
  }
}

TEST(Ipv4SubnetTest, GatewayIsTheFirstAddressAndTasksGetTheRest) {
  auto subnet = Ipv4Subnet::parse("10.88.0.0/16");
  ASSERT_TRUE(subnet);
  EXPECT_EQ(formatIpv4(subnet->gateway()), "10.88.0.1");
  EXPECT_EQ(subnet->prefixLength(), 16);
  EXPECT_FALSE(subnet->isTaskAddress(*parseIpv4("10.88.0.0")));
  EXPECT_FALSE(subnet->isTaskAddress(*parseIpv4("10.88.0.1")));
  EXPECT_TRUE(subnet->isTaskAddress(*parseIpv4("10.88.0.2")));
  EXPECT_TRUE(subnet->isTaskAddress(*parseIpv4("10.88.255.254")));
  EXPECT_FALSE(subnet->isTaskAddress(*parseIpv4("10.88.255.255")));
  EXPECT_FALSE(subnet->isTaskAddress(*parseIpv4("10.89.0.2")));
}

TEST(Ipv4SubnetTest, AllocatesTheLowestFreeAddressUntilExhausted) {
  auto subnet = Ipv4Subnet::parse("192.168.7.0/29");  // .2 to .6 for tasks
  ASSERT_TRUE(subnet);
  std::set<uint32_t> used;
  for (const char* expected : {"192.168.7.2", "192.168.7.3", "192.168.7.4", "192.168.7.5", "192.168.7.6"}) {
    auto address = subnet->allocate(used);
    ASSERT_TRUE(address);
    EXPECT_EQ(formatIpv4(*address), expected);
    used.insert(*address);
  }
  auto exhausted = subnet->allocate(used);
  ASSERT_FALSE(exhausted);
  EXPECT_EQ(exhausted.error().code, ErrorCode::kLimitExceeded);
  used.erase(*parseIpv4("192.168.7.4"));
  EXPECT_EQ(formatIpv4(*subnet->allocate(used)), "192.168.7.4");
}

}  // namespace
}  // namespace wharf::agent
