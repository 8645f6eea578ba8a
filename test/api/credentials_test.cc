#include "api/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

namespace wharf::api {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-credentials-XXXXXX";
    dir_ = mkdtemp(tmpl);
    unsetenv("WHARF_ROOT_ACCESS_KEY_ID");
    unsetenv("WHARF_ROOT_SECRET_ACCESS_KEY");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    unsetenv("WHARF_ROOT_ACCESS_KEY_ID");
    unsetenv("WHARF_ROOT_SECRET_ACCESS_KEY");
  }
  std::string dir_;
};

TEST_F(CredentialsTest, CreatesAPrivateRandomKeyPairOnceAndReadsItBack) {
  auto first = loadOrCreateRootCredential(dir_ + "/data", "123456789012");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->accessKeyId.size(), 20u);
  EXPECT_TRUE(first->accessKeyId.starts_with("AKIA"));
  EXPECT_EQ(first->secretAccessKey.size(), 40u);
  EXPECT_EQ(first->accountId, "123456789012");
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/data/credentials.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  auto second = loadOrCreateRootCredential(dir_ + "/data", "999999999999");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->accessKeyId, first->accessKeyId);
  EXPECT_EQ(second->secretAccessKey, first->secretAccessKey);
  EXPECT_EQ(second->accountId, "123456789012");

  auto other = loadOrCreateRootCredential(dir_ + "/other", "123456789012");
  ASSERT_TRUE(other);
  EXPECT_NE(other->accessKeyId, first->accessKeyId);
}

TEST_F(CredentialsTest, TakesTheKeyPairFromTheEnvironmentWhenBothAreSet) {
  setenv("WHARF_ROOT_ACCESS_KEY_ID", "AKIAENVIRONMENT00001", 1);
  setenv("WHARF_ROOT_SECRET_ACCESS_KEY", "secret-from-the-environment", 1);
  auto c = loadOrCreateRootCredential(dir_, "000000000000");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->accessKeyId, "AKIAENVIRONMENT00001");
  EXPECT_EQ(c->secretAccessKey, "secret-from-the-environment");
}

TEST_F(CredentialsTest, RejectsACorruptFile) {
  ASSERT_TRUE(loadOrCreateRootCredential(dir_, "000000000000"));
  std::filesystem::resize_file(dir_ + "/credentials.json", 5);
  EXPECT_FALSE(loadOrCreateRootCredential(dir_, "000000000000"));
}

TEST(StaticCredentialStore, FindsByAccessKeyId) {
  StaticCredentialStore store({{"AKIA1", "s1", "1"}, {"AKIA2", "s2", "2"}});
  EXPECT_EQ(store.find("AKIA2")->secretAccessKey, "s2");
  EXPECT_FALSE(store.find("AKIA3"));
}

}  // namespace
}  // namespace wharf::api
