#include "agent/runtime/container_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/runtime/launchers/oci/bundle_builder.h"
#include "agent/runtime/runtime_fixture.h"
#include "agent/runtime/runtime_layout.h"

namespace wharf::agent::testing {
namespace {

using ::testing::ElementsAre;

ContainerSpec container() {
  ContainerSpec c;
  c.name = "app";
  return c;
}

TEST(ContainerProcess, CombinesEntrypointAndCommandLikeDocker) {
  ImageConfig image{.env = {}, .entrypoint = {"/ep"}, .cmd = {"a", "b"}, .workingDir = "", .user = ""};
  ContainerSpec c = container();
  EXPECT_THAT(containerProcess(c, image)->args, ElementsAre("/ep", "a", "b"));
  c.command = std::vector<std::string>{"x"};
  EXPECT_THAT(containerProcess(c, image)->args, ElementsAre("/ep", "x"));
  c.entryPoint = std::vector<std::string>{"/mine"};
  c.command.reset();
  EXPECT_THAT(containerProcess(c, image)->args, ElementsAre("/mine"));  // the image's Cmd is dropped
  c.entryPoint = std::vector<std::string>{};
  EXPECT_FALSE(containerProcess(c, image).has_value());
}

TEST(ContainerProcess, MergesEnvironmentAndDefaults) {
  ImageConfig image{.env = {"A=1", "B=2"}, .entrypoint = {}, .cmd = {"sh"}, .workingDir = "/srv", .user = ""};
  ContainerSpec c = container();
  c.environment = {{"B", "3"}, {"C", "4"}};
  auto p = containerProcess(c, image);
  ASSERT_TRUE(p.has_value());
  EXPECT_THAT(p->env, ElementsAre("A=1", "B=3", "C=4", std::string("PATH=") + kDefaultPath));
  EXPECT_EQ(p->cwd, "/srv");
  image.workingDir = "";
  EXPECT_EQ(containerProcess(c, image)->cwd, "/");
}

TEST(BundleBuilder, ResolvesUsersFromTheImage) {
  fs::path root = fs::temp_directory_path() / ("wharf-users-" + std::to_string(getpid()));
  fs::create_directories(root / "etc");
  std::ofstream(root / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
  std::ofstream(root / "etc/group") << "root:x:0:\napp:x:1000:\nextra:x:2000:app\n";
  auto app = resolveUser(root.string(), "app");
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(app->uid, 1000u);
  EXPECT_EQ(app->gid, 1000u);
  EXPECT_THAT(app->additionalGids, ElementsAre(2000u));
  EXPECT_EQ(app->home, "/home/app");
  auto numeric = resolveUser(root.string(), "1234:extra");
  ASSERT_TRUE(numeric.has_value());
  EXPECT_EQ(numeric->uid, 1234u);
  EXPECT_EQ(numeric->gid, 2000u);
  EXPECT_EQ(resolveUser(root.string(), "")->uid, 0u);
  EXPECT_FALSE(resolveUser(root.string(), "nobody").has_value());
  EXPECT_FALSE(resolveUser(root.string(), "app:nogroup").has_value());
  fs::remove_all(root);
}

TEST(RuntimeLayout, ParsesStatusFileNames) {
  auto ref = RuntimeLayout::parseStatusName("0123abcd.web-app.json");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->taskId, "0123abcd");
  EXPECT_EQ(ref->container, "web-app");
  EXPECT_FALSE(RuntimeLayout::parseStatusName(".tmp.123").has_value());
  EXPECT_FALSE(RuntimeLayout::parseStatusName("abc.json").has_value());
}

}  // namespace
}  // namespace wharf::agent::testing
