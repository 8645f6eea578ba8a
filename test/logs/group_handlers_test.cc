#include "logs/logs_fixture.h"

namespace wharf::logs::testing {
namespace {
namespace json = boost::json;

TEST_F(LogsTest, CreateAndDescribeLogGroup) {
  ok("CreateLogGroup", {{"logGroupName", "/ecs/web"}, {"kmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/k"}});
  auto out = ok("DescribeLogGroups");
  ASSERT_EQ(out.at("logGroups").as_array().size(), 1u);
  const auto& g = out.at("logGroups").as_array()[0].as_object();
  EXPECT_EQ(g.at("logGroupName"), "/ecs/web");
  EXPECT_EQ(g.at("creationTime").as_int64(), kStartMs);
  EXPECT_EQ(g.at("arn"), "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:*");
  EXPECT_EQ(g.at("logGroupArn"), "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web");
  EXPECT_EQ(g.at("storedBytes").as_int64(), 0);
  EXPECT_EQ(g.at("metricFilterCount").as_int64(), 0);
  EXPECT_EQ(g.at("logGroupClass"), "STANDARD");
  EXPECT_EQ(g.at("kmsKeyId"), "arn:aws:kms:us-east-1:123456789012:key/k");
  EXPECT_FALSE(g.contains("retentionInDays"));
  EXPECT_FALSE(out.contains("nextToken"));
}

TEST_F(LogsTest, CreateLogGroupErrors) {
  ok("CreateLogGroup", {{"logGroupName", "app"}});
  EXPECT_EQ(errorOf("CreateLogGroup", {{"logGroupName", "app"}}), "ResourceAlreadyExistsException");
  EXPECT_EQ(errorOf("CreateLogGroup", {{"logGroupName", "aws/lambda"}}), "InvalidParameterException");
  json::object tags;
  for (int i = 0; i < 51; ++i) tags["k" + std::to_string(i)] = "v";
  EXPECT_EQ(errorOf("CreateLogGroup", {{"logGroupName", "many"}, {"tags", tags}}), "TooManyTagsException");
}

TEST_F(LogsTest, DeleteLogGroupRemovesGroupStreamsAndEvents) {
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  put("g", "s", {{kStartMs, "hello"}});
  ok("DeleteLogGroup", {{"logGroupName", "g"}});
  EXPECT_EQ(store_.size("logs.events"), 0u);
  EXPECT_EQ(store_.size("logs.streams"), 0u);
  EXPECT_EQ(errorOf("DeleteLogGroup", {{"logGroupName", "g"}}), "ResourceNotFoundException");
  auto r = call("DescribeLogStreams", {{"logGroupName", "g"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "The specified log group does not exist.");
  // A group created again under the same name starts empty.
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  EXPECT_TRUE(messages(ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}})).empty());
}

TEST_F(LogsTest, DeletionProtectionBlocksDelete) {
  ok("CreateLogGroup", {{"logGroupName", "keep"}, {"deletionProtectionEnabled", true}});
  EXPECT_EQ(errorOf("DeleteLogGroup", {{"logGroupName", "keep"}}), "ValidationException");
}

TEST_F(LogsTest, DescribeLogGroupsFiltersAndPaginates) {
  for (const char* name : {"/ecs/b", "/ecs/a", "/other", "/ecs/c", "/ecs-x"})
    ok("CreateLogGroup", {{"logGroupName", name}});
  auto names = [](const json::object& out) {
    std::vector<std::string> v;
    for (const auto& g : out.at("logGroups").as_array()) v.emplace_back(g.at("logGroupName").as_string());
    return v;
  };
  auto page1 = ok("DescribeLogGroups", {{"logGroupNamePrefix", "/ecs/"}, {"limit", 2}});
  EXPECT_EQ(names(page1), (std::vector<std::string>{"/ecs/a", "/ecs/b"}));
  ASSERT_TRUE(page1.contains("nextToken"));
  auto page2 =
      ok("DescribeLogGroups", {{"logGroupNamePrefix", "/ecs/"}, {"limit", 2}, {"nextToken", page1.at("nextToken")}});
  EXPECT_EQ(names(page2), (std::vector<std::string>{"/ecs/c"}));
  EXPECT_FALSE(page2.contains("nextToken"));

  auto byPattern = ok("DescribeLogGroups", {{"logGroupNamePattern", "ecs"}});
  EXPECT_EQ(names(byPattern), (std::vector<std::string>{"/ecs-x", "/ecs/a", "/ecs/b", "/ecs/c"}));
  EXPECT_FALSE(byPattern.at("logGroups").as_array()[0].as_object().contains("storedBytes"));

  auto byId =
      ok("DescribeLogGroups",
         {{"logGroupIdentifiers", json::array{"/other", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/b"}}});
  EXPECT_EQ(names(byId), (std::vector<std::string>{"/ecs/b", "/other"}));

  EXPECT_EQ(errorOf("DescribeLogGroups", {{"logGroupNamePrefix", "a"}, {"logGroupNamePattern", "b"}}),
            "InvalidParameterException");
  EXPECT_EQ(errorOf("DescribeLogGroups", {{"nextToken", "zz"}}), "InvalidParameterException");
}

TEST_F(LogsTest, RetentionPolicy) {
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  EXPECT_EQ(errorOf("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 2}}),
            "InvalidParameterException");
  EXPECT_EQ(errorOf("PutRetentionPolicy", {{"logGroupName", "nope"}, {"retentionInDays", 7}}),
            "ResourceNotFoundException");
  ok("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 7}});
  auto g = ok("DescribeLogGroups").at("logGroups").as_array()[0].as_object();
  EXPECT_EQ(g.at("retentionInDays").as_int64(), 7);
  ok("DeleteRetentionPolicy", {{"logGroupName", "g"}});
  g = ok("DescribeLogGroups").at("logGroups").as_array()[0].as_object();
  EXPECT_FALSE(g.contains("retentionInDays"));
  EXPECT_EQ(errorOf("DeleteRetentionPolicy", {{"logGroupName", "nope"}}), "ResourceNotFoundException");
}

}  // namespace
}  // namespace wharf::logs::testing
