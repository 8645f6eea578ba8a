#include "logs/log_store.h"

#include "logs/event_codec.h"
#include "logs/logs_fixture.h"

namespace wharf::logs::testing {
namespace {
namespace json = boost::json;

TEST_F(LogsTest, StateSurvivesARestart) {
  ok("CreateLogGroup", {{"logGroupName", "g"}, {"tags", json::object{{"k", "v"}}}});
  ok("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 30}});
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s1"}});
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s2"}});
  put("g", "s1", {{kStartMs - 2, "a"}, {kStartMs - 1, "b"}});
  auto before = ok("DescribeLogStreams", {{"logGroupName", "g"}});
  auto filtered = ok("FilterLogEvents", {{"logGroupName", "g"}});
  reopen();
  EXPECT_EQ(ok("DescribeLogStreams", {{"logGroupName", "g"}}), before);
  EXPECT_EQ(ok("FilterLogEvents", {{"logGroupName", "g"}}), filtered);  // same eventIds too
  auto g = ok("DescribeLogGroups").at("logGroups").as_array()[0].as_object();
  EXPECT_EQ(g.at("retentionInDays").as_int64(), 30);
  EXPECT_EQ(g.at("storedBytes").as_int64(), 2);
  EXPECT_EQ(ok("ListTagsLogGroup", {{"logGroupName", "g"}}).at("tags"), (json::object{{"k", "v"}}));
  // Streams created after the restart get fresh uids: their events stay apart.
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s3"}});
  put("g", "s3", {{kStartMs, "c"}});
  EXPECT_EQ(messages(ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s1"}})),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(messages(ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s3"}})),
            (std::vector<std::string>{"c"}));
}

TEST_F(LogsTest, FailedCommitsChangeNothing) {
  ok("CreateLogGroup", {{"logGroupName", "g"}});
  ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  store_.setFailCommits(true);
  EXPECT_EQ(errorOf("CreateLogGroup", {{"logGroupName", "h"}}), "ServiceUnavailableException");
  EXPECT_EQ(
      errorOf("PutLogEvents", {{"logGroupName", "g"},
                               {"logStreamName", "s"},
                               {"logEvents", json::array{json::object{{"timestamp", kStartMs}, {"message", "x"}}}}}),
      "ServiceUnavailableException");
  EXPECT_EQ(errorOf("DeleteLogGroup", {{"logGroupName", "g"}}), "ServiceUnavailableException");
  store_.setFailCommits(false);
  EXPECT_EQ(ok("DescribeLogGroups").at("logGroups").as_array().size(), 1u);
  auto s = ok("DescribeLogStreams", {{"logGroupName", "g"}}).at("logStreams").as_array()[0].as_object();
  EXPECT_FALSE(s.contains("lastEventTimestamp"));
}

TEST(EventCodecTest, KeysSortByStreamTimestampAndSequence) {
  EXPECT_LT(eventKey(1, {5, 9}), eventKey(1, {6, 1}));
  EXPECT_LT(eventKey(1, {6, 1}), eventKey(1, {6, 2}));
  EXPECT_LT(eventKey(1, {INT64_MAX, 1}), eventKey(2, {0, 1}));
  EXPECT_EQ(decodeEventKey(7, eventKey(7, {123, 4})), (EventPos{123, 4}));
  EXPECT_FALSE(decodeEventKey(8, eventKey(7, {123, 4})));
  auto v = decodeEventValue(encodeEventValue(42, "a b c"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->ingestionTime, 42);
  EXPECT_EQ(v->message, "a b c");
  EXPECT_NE(eventId(1, {5, 1}), eventId(2, {5, 1}));
}

}  // namespace
}  // namespace wharf::logs::testing
