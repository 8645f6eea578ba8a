#include "logs/awslogs_sink.h"

#include "logs/logs_fixture.h"

namespace wharf::logs::testing {
namespace {
namespace json = boost::json;

agent::LogSpec awslogs(bool createGroup) {
  agent::LogSpec spec{
      "awslogs", {{"awslogs-group", "/ecs/web"}, {"awslogs-stream-prefix", "web"}, {"awslogs-region", "eu-west-1"}}};
  if (createGroup) spec.options["awslogs-create-group"] = "true";
  return spec;
}

agent::LogBatch batch(uint64_t start, uint64_t end, std::vector<std::string> lines, bool createGroup = true) {
  agent::LogBatch b{"0123456789abcdef0123456789abcdef", "app", awslogs(createGroup), start, end, {}};
  for (auto& l : lines) b.lines.push_back({kStartMs - 1000, std::move(l)});
  return b;
}

class SinkTest : public LogsTest {
 protected:
  std::vector<std::string> streamMessages() {
    return messages(ok("GetLogEvents", {{"logGroupName", "/ecs/web"},
                                        {"logStreamName", "web/app/0123456789abcdef0123456789abcdef"},
                                        {"startFromHead", true}}));
  }
};

TEST(AwslogsStreamNameTest, FollowsEcsNaming) {
  EXPECT_EQ(awslogsStreamName("t1", "app", awslogs(false)), "web/app/t1");
  EXPECT_EQ(awslogsStreamName("t1", "app", agent::LogSpec{"awslogs", {{"awslogs-group", "g"}}}), "app/t1");
}

TEST_F(SinkTest, DeliversIntoANewGroupAndStream) {
  auto stored = service_->sink().deliver(batch(0, 40, {"hello", "", "world"}));
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(*stored, 40u);
  EXPECT_EQ(streamMessages(), (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(*service_->sink().resumeOffset("0123456789abcdef0123456789abcdef", "app", awslogs(true)), 40u);
  EXPECT_EQ(*service_->sink().resumeOffset("0123456789abcdef0123456789abcdef", "other", awslogs(true)), 0u);
}

TEST_F(SinkTest, ResentBatchesAreStoredOnce) {
  ASSERT_TRUE(service_->sink().deliver(batch(0, 10, {"one"})));
  ASSERT_TRUE(service_->sink().deliver(batch(10, 20, {"two"})));
  int commits = store_.commits();
  auto again = service_->sink().deliver(batch(0, 10, {"one"}));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 20u);
  EXPECT_EQ(store_.commits(), commits);
  // After a restart the stored offset is still known and a resend is still a no-op.
  reopen();
  EXPECT_EQ(*service_->sink().resumeOffset("0123456789abcdef0123456789abcdef", "app", awslogs(true)), 20u);
  EXPECT_EQ(*service_->sink().deliver(batch(10, 20, {"two"})), 20u);
  EXPECT_EQ(*service_->sink().deliver(batch(20, 30, {"three"})), 30u);
  EXPECT_EQ(streamMessages(), (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(SinkTest, FailedCommitStoresNeitherEventsNorOffset) {
  ASSERT_TRUE(service_->sink().deliver(batch(0, 10, {"one"})));
  store_.setFailCommits(true);
  EXPECT_FALSE(service_->sink().deliver(batch(10, 20, {"two"})));
  store_.setFailCommits(false);
  EXPECT_EQ(*service_->sink().resumeOffset("0123456789abcdef0123456789abcdef", "app", awslogs(true)), 10u);
  EXPECT_EQ(*service_->sink().deliver(batch(10, 20, {"two"})), 20u);
  EXPECT_EQ(streamMessages(), (std::vector<std::string>{"one", "two"}));
}

TEST_F(SinkTest, MissingGroupIsAnErrorWithoutCreateGroup) {
  auto r = service_->sink().deliver(batch(0, 10, {"one"}, /*createGroup=*/false));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "ResourceNotFoundException");
  EXPECT_EQ(*service_->sink().resumeOffset("0123456789abcdef0123456789abcdef", "app", awslogs(false)), 0u);
  ok("CreateLogGroup", {{"logGroupName", "/ecs/web"}});
  EXPECT_EQ(*service_->sink().deliver(batch(0, 10, {"one"}, false)), 10u);
  EXPECT_EQ(streamMessages(), (std::vector<std::string>{"one"}));
}

TEST_F(SinkTest, RejectsOtherDriversAndMissingGroupOption) {
  auto b = batch(0, 10, {"x"});
  b.log.driver = "json-file";
  EXPECT_EQ(service_->sink().deliver(b).error().type, "InvalidParameterException");
  b = batch(0, 10, {"x"});
  b.log.options.erase("awslogs-group");
  EXPECT_EQ(service_->sink().deliver(b).error().type, "InvalidParameterException");
}

TEST_F(SinkTest, RecreatesADeletedStream) {
  ASSERT_TRUE(service_->sink().deliver(batch(0, 10, {"one"})));
  ok("DeleteLogStream", {{"logGroupName", "/ecs/web"}, {"logStreamName", "web/app/0123456789abcdef0123456789abcdef"}});
  EXPECT_EQ(*service_->sink().deliver(batch(10, 20, {"two"})), 20u);
  EXPECT_EQ(streamMessages(), (std::vector<std::string>{"two"}));
}

}  // namespace
}  // namespace wharf::logs::testing
