#include "logs/logs_fixture.h"

namespace wharf::logs::testing {
namespace {
namespace json = boost::json;

constexpr const char* kArn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web";

TEST_F(LogsTest, TagsByArn) {
  ok("CreateLogGroup", {{"logGroupName", "/ecs/web"}, {"tags", json::object{{"team", "a"}}}});
  ok("TagResource", {{"resourceArn", kArn}, {"tags", json::object{{"env", "prod"}, {"team", "b"}}}});
  EXPECT_EQ(ok("ListTagsForResource", {{"resourceArn", kArn}}).at("tags"),
            (json::object{{"env", "prod"}, {"team", "b"}}));
  ok("UntagResource", {{"resourceArn", kArn}, {"tagKeys", json::array{"team", "absent"}}});
  EXPECT_EQ(ok("ListTagsForResource", {{"resourceArn", std::string(kArn) + ":*"}}).at("tags"),
            (json::object{{"env", "prod"}}));

  EXPECT_EQ(errorOf("ListTagsForResource", {{"resourceArn", "arn:aws:logs:us-east-1:123456789012:log-group:nope"}}),
            "ResourceNotFoundException");
  EXPECT_EQ(errorOf("ListTagsForResource", {{"resourceArn", "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web"}}),
            "InvalidParameterException");
  EXPECT_EQ(errorOf("TagResource", {{"resourceArn", kArn}, {"tags", json::object{{"aws:x", "y"}}}}),
            "InvalidParameterException");
  json::object many;
  for (int i = 0; i < 50; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(errorOf("TagResource", {{"resourceArn", kArn}, {"tags", many}}), "TooManyTagsException");
  EXPECT_EQ(ok("ListTagsForResource", {{"resourceArn", kArn}}).at("tags").as_object().size(), 1u);
}

TEST_F(LogsTest, TagsByGroupName) {
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  ok("TagLogGroup", {{"logGroupName", "g"}, {"tags", json::object{{"a", "1"}, {"b", "2"}}}});
  ok("UntagLogGroup", {{"logGroupName", "g"}, {"tags", json::array{"a"}}});
  EXPECT_EQ(ok("ListTagsLogGroup", {{"logGroupName", "g"}}).at("tags"), (json::object{{"b", "2"}}));
  EXPECT_EQ(errorOf("ListTagsLogGroup", {{"logGroupName", "nope"}}), "ResourceNotFoundException");
}

}  // namespace
}  // namespace wharf::logs::testing
