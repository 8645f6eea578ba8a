#include "agent/runtime/launchers/oci/bundle_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "agent/runtime/launchers/oci/seccomp_profile.h"

namespace wharf::agent {
namespace {

namespace json = boost::json;
using ::testing::UnorderedElementsAre;

const std::set<std::string> kDockerDefaults = {"CAP_CHOWN",      "CAP_DAC_OVERRIDE",    "CAP_FSETID", "CAP_FOWNER",
                                               "CAP_MKNOD",      "CAP_NET_RAW",         "CAP_SETGID", "CAP_SETUID",
                                               "CAP_SETFCAP",    "CAP_SETPCAP",         "CAP_KILL",   "CAP_AUDIT_WRITE",
                                               "CAP_SYS_CHROOT", "CAP_NET_BIND_SERVICE"};

// The config.json of a container: its capabilities from the container definition, the seccomp
// profile that follows from them (none when the container asks to be unconfined), its mounts.
class OciConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    task_.taskId = "0123456789abcdef0123456789abcdef";
    container_.name = "main";
    container_.command = std::vector<std::string>{"true"};
  }
  Result<std::string> build(const BundleOptions& options = {}) {
    return buildOciConfig(LaunchRequest{task_, container_, image_, "", ""}, options);
  }
  json::object config() {
    auto text = build();
    EXPECT_TRUE(text.has_value()) << text.error().message;
    return text ? json::parse(*text).as_object() : json::object{};
  }
  std::set<std::string> bounding(const json::object& c) {
    std::set<std::string> out;
    for (const auto& v : c.at("process").at("capabilities").at("bounding").as_array())
      out.insert(std::string(v.as_string()));
    return out;
  }
  TaskSpec task_;
  ContainerSpec container_;
  Image image_;
};

TEST_F(OciConfigTest, DefaultsToDockersCapabilitiesAndTheProfile) {
  json::object c = config();
  EXPECT_EQ(bounding(c), kDockerDefaults);
  EXPECT_EQ(c.at("linux").at("seccomp"), json::value(defaultSeccompProfile(kDockerDefaults)));
}

TEST_F(OciConfigTest, AddedCapabilitiesWidenTheProfile) {
  container_.capabilitiesAdd = {"SYS_ADMIN", "sys_ptrace"};
  container_.capabilitiesDrop = {"NET_RAW"};
  json::object c = config();
  std::set<std::string> expected = kDockerDefaults;
  expected.insert({"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"});
  expected.erase("CAP_NET_RAW");
  EXPECT_EQ(bounding(c), expected);
  EXPECT_EQ(c.at("linux").at("seccomp"), json::value(defaultSeccompProfile(expected)));
}

TEST_F(OciConfigTest, AllFollowsDockersRules) {
  container_.capabilitiesDrop = {"ALL"};
  container_.capabilitiesAdd = {"KILL"};
  EXPECT_THAT(bounding(config()), UnorderedElementsAre("CAP_KILL"));
  container_.capabilitiesAdd = {"ALL"};
  container_.capabilitiesDrop = {"SYS_ADMIN"};
  auto all = bounding(config());
  EXPECT_EQ(all.size(), 40u);
  EXPECT_FALSE(all.contains("CAP_SYS_ADMIN"));
}

TEST_F(OciConfigTest, UnknownCapabilityFailsTheStart) {
  container_.capabilitiesAdd = {"SYS_EVERYTHING"};
  auto text = build();
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().type, "CannotStartContainerError");
}

TEST_F(OciConfigTest, UnconfinedHasNoProfile) {
  container_.seccompUnconfined = true;
  EXPECT_FALSE(config().at("linux").as_object().contains("seccomp"));
  BundleOptions options;
  options.seccompBpf = "AAAA";
  auto text = build(options);
  ASSERT_TRUE(text.has_value());
  EXPECT_FALSE(json::parse(*text).as_object().contains("annotations"));
}

TEST_F(OciConfigTest, APrecompiledProgramGoesToCrunsAnnotation) {
  EXPECT_FALSE(config().contains("annotations"));
  BundleOptions options;
  options.seccompBpf = "AAAA";
  auto text = build(options);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(json::parse(*text).at("annotations"), (json::object{{"run.oci.seccomp_bpf_data", "AAAA"}}));
}

TEST_F(OciConfigTest, MountsTheEtcFilesItIsGiven) {
  BundleOptions options;
  options.hostsPath = "/x/hosts";
  options.resolvConfPath = "/x/resolv.conf";
  auto text = build(options);
  ASSERT_TRUE(text.has_value());
  std::map<std::string, std::string> sources;
  json::value parsed = json::parse(*text);
  for (const auto& m : parsed.at("mounts").as_array())
    sources[std::string(m.at("destination").as_string())] = std::string(m.at("source").as_string());
  EXPECT_EQ(sources["/etc/hosts"], "/x/hosts");
  EXPECT_EQ(sources["/etc/resolv.conf"], "/x/resolv.conf");
  json::object unmounted = config();
  for (const auto& m : unmounted.at("mounts").as_array())
    EXPECT_FALSE(m.at("destination").as_string().starts_with("/etc/")) << "mounted without a file to mount";
}

}  // namespace
}  // namespace wharf::agent
