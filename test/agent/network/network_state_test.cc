#include "agent/network/network_state.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace wharf::agent {
namespace {

class NetworkStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/wharf-netstate-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(NetworkStateTest, MissingFileIsEmpty) {
  auto state = NetworkState::open(dir_ + "/sub");
  ASSERT_TRUE(state);
  auto records = state->load();
  ASSERT_TRUE(records);
  EXPECT_TRUE(records->empty());
}

TEST_F(NetworkStateTest, SavedRecordsLoadBackInAnotherInstance) {
  {
    auto state = NetworkState::open(dir_);
    ASSERT_TRUE(state);
    auto lock = state->lock();
    ASSERT_TRUE(lock);
    TaskNetworkRecords records{{"a", {NetworkMode::kAwsvpc, "10.88.0.2"}}, {"b", {NetworkMode::kNone, ""}}};
    ASSERT_TRUE(state->save(records));
  }
  auto state = NetworkState::open(dir_);
  ASSERT_TRUE(state);
  auto records = state->load();
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(records->at("a").mode, NetworkMode::kAwsvpc);
  EXPECT_EQ(records->at("a").ipv4, "10.88.0.2");
  EXPECT_EQ(records->at("b").mode, NetworkMode::kNone);
  EXPECT_TRUE(records->at("b").ipv4.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/allocations.json.tmp"));
}

TEST_F(NetworkStateTest, CorruptFileIsAnError) {
  auto state = NetworkState::open(dir_);
  ASSERT_TRUE(state);
  for (const char* text : {"{not json", R"({"tasks": {"a": {"mode": "bridge"}}})", R"({"tasks": {"a": 1}})", "[]"}) {
    std::ofstream(dir_ + "/allocations.json", std::ios::trunc) << text;
    EXPECT_FALSE(state->load()) << text;
  }
}

}  // namespace
}  // namespace wharf::agent
