#include "logs/logs_fixture.h"

namespace wharf::logs::testing {
namespace {
namespace json = boost::json;

std::vector<std::string> streamNames(const json::object& out) {
  std::vector<std::string> v;
  for (const auto& s : out.at("logStreams").as_array()) v.emplace_back(s.at("logStreamName").as_string());
  return v;
}

TEST_F(LogsTest, CreateAndDescribeLogStream) {
  EXPECT_EQ(errorOf("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}}), "ResourceNotFoundException");
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "web/app/1"}});
  EXPECT_EQ(errorOf("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "web/app/1"}}),
            "ResourceAlreadyExistsException");
  clock_.advance(std::chrono::seconds(1));
  put("g", "web/app/1", {{kStartMs - 5000, "a"}, {kStartMs - 1000, "bb"}});
  auto s = ok("DescribeLogStreams", {{"logGroupName", "g"}}).at("logStreams").as_array()[0].as_object();
  EXPECT_EQ(s.at("logStreamName"), "web/app/1");
  EXPECT_EQ(s.at("creationTime").as_int64(), kStartMs);
  EXPECT_EQ(s.at("firstEventTimestamp").as_int64(), kStartMs - 5000);
  EXPECT_EQ(s.at("lastEventTimestamp").as_int64(), kStartMs - 1000);
  EXPECT_EQ(s.at("lastIngestionTime").as_int64(), kStartMs + 1000);
  EXPECT_EQ(s.at("arn"), "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:web/app/1");
  EXPECT_EQ(s.at("storedBytes").as_int64(), 0);
  auto g = ok("DescribeLogGroups").at("logGroups").as_array()[0].as_object();
  EXPECT_EQ(g.at("storedBytes").as_int64(), 3);
}

TEST_F(LogsTest, DescribeLogStreamsOrderingAndPagination) {
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  for (auto [name, ts] : std::vector<std::pair<std::string, int64_t>>{{"a", 30}, {"b", 10}, {"c", 20}, {"x", 40}}) {
    ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", name}});
    put("g", name, {{kStartMs - 1000 + ts, "m"}});
  }
  auto byTime = ok("DescribeLogStreams",
                   {{"logGroupName", "g"}, {"orderBy", "LastEventTime"}, {"descending", true}, {"limit", 3}});
  EXPECT_EQ(streamNames(byTime), (std::vector<std::string>{"x", "a", "c"}));
  auto rest = ok("DescribeLogStreams", {{"logGroupName", "g"},
                                        {"orderBy", "LastEventTime"},
                                        {"descending", true},
                                        {"limit", 3},
                                        {"nextToken", byTime.at("nextToken")}});
  EXPECT_EQ(streamNames(rest), (std::vector<std::string>{"b"}));
  EXPECT_FALSE(rest.contains("nextToken"));

  auto byName = ok("DescribeLogStreams", {{"logGroupIdentifier", "arn:aws:logs:us-east-1:123456789012:log-group:g"},
                                          {"logStreamNamePrefix", "a"}});
  EXPECT_EQ(streamNames(byName), (std::vector<std::string>{"a"}));
  auto page = ok("DescribeLogStreams", {{"logGroupName", "g"}, {"limit", 2}});
  EXPECT_EQ(streamNames(page), (std::vector<std::string>{"a", "b"}));
  page = ok("DescribeLogStreams", {{"logGroupName", "g"}, {"limit", 2}, {"nextToken", page.at("nextToken")}});
  EXPECT_EQ(streamNames(page), (std::vector<std::string>{"c", "x"}));
  EXPECT_FALSE(page.contains("nextToken"));

  EXPECT_EQ(errorOf("DescribeLogStreams",
                    {{"logGroupName", "g"}, {"orderBy", "LastEventTime"}, {"logStreamNamePrefix", "a"}}),
            "InvalidParameterException");
  EXPECT_EQ(errorOf("DescribeLogStreams", {{"logGroupName", "g"}, {"logGroupIdentifier", "g"}}),
            "InvalidParameterException");
  EXPECT_EQ(errorOf("DescribeLogStreams", {}), "InvalidParameterException");
}

TEST_F(LogsTest, DeleteLogStream) {
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  put("g", "s", {{kStartMs, "x"}});
  ok("DeleteLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  EXPECT_EQ(store_.size("logs.events"), 0u);
  EXPECT_EQ(errorOf("DeleteLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}}), "ResourceNotFoundException");
  EXPECT_EQ(errorOf("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}}), "ResourceNotFoundException");
  EXPECT_TRUE(streamNames(ok("DescribeLogStreams", {{"logGroupName", "g"}})).empty());
}

}  // namespace
}  // namespace wharf::logs::testing
