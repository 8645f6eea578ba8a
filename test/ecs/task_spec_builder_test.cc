#include "ecs/task_spec_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wharf::ecs {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A registered definition (normalized: mountPoints, portMappings and volumes present).
json::object definition(json::object container) {
  container["name"] = "main";
  container["image"] = "busybox";
  container["mountPoints"] = json::array();
  container["portMappings"] = json::array();
  return {{"family", "f"},
          {"networkMode", "awsvpc"},
          {"volumes", json::array()},
          {"containerDefinitions", json::array{container}}};
}

agent::ContainerSpec build(json::object container) {
  auto spec =
      buildTaskSpec(definition(std::move(container)), {}, {"0123456789abcdef0123456789abcdef", "arn", "c", "/v"});
  EXPECT_TRUE(spec.has_value());
  return spec ? spec->containers.at(0) : agent::ContainerSpec{};
}

TEST(TaskSpecBuilderTest, CarriesLinuxCapabilities) {
  auto c = build(json::parse(R"({"linuxParameters": {"capabilities": {"add": ["SYS_ADMIN", "SYS_PTRACE"],
                                                                       "drop": ["NET_RAW"]}}})")
                     .as_object());
  EXPECT_THAT(c.capabilitiesAdd, ElementsAre("SYS_ADMIN", "SYS_PTRACE"));
  EXPECT_THAT(c.capabilitiesDrop, ElementsAre("NET_RAW"));
  EXPECT_FALSE(c.seccompUnconfined);
  auto plain = build({});
  EXPECT_THAT(plain.capabilitiesAdd, IsEmpty());
  EXPECT_THAT(plain.capabilitiesDrop, IsEmpty());
}

TEST(TaskSpecBuilderTest, SeccompUnconfinedInEitherSpelling) {
  for (const char* option : {"seccomp=unconfined", "seccomp:unconfined"})
    EXPECT_TRUE(build({{"dockerSecurityOptions", json::array{"no-new-privileges", option}}}).seccompUnconfined)
        << option;
  EXPECT_FALSE(build({{"dockerSecurityOptions", json::array{"apparmor:docker-default"}}}).seccompUnconfined);
}

}  // namespace
}  // namespace wharf::ecs
