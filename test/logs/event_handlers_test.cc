#include "logs/logs_fixture.h"

namespace wharf::logs::testing {
namespace {
namespace json = boost::json;

class EventsTest : public LogsTest {
 protected:
  EventsTest() {
    ok("CreateLogGroup", {{"logGroupName", "g"}});
    ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  }
  json::object get(json::object extra = {}) {
    extra["logGroupName"] = "g";
    extra["logStreamName"] = "s";
    return ok("GetLogEvents", std::move(extra));
  }
  Result<json::value> putRaw(std::vector<std::pair<int64_t, std::string>> events) {
    json::array list;
    for (auto& [ts, msg] : events) list.push_back(json::object{{"timestamp", ts}, {"message", msg}});
    return call("PutLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"logEvents", list}});
  }
  // Events m0..m(n-1), one millisecond apart, ending a minute ago.
  void putNumbered(int n) {
    std::vector<std::pair<int64_t, std::string>> events;
    for (int i = 0; i < n; ++i) events.emplace_back(kStartMs - 60'000 - n + i, "m" + std::to_string(i));
    put("g", "s", events);
  }
};

TEST_F(EventsTest, PutLogEventsValidation) {
  EXPECT_EQ(putRaw({{kStartMs, "b"}, {kStartMs - 1, "a"}}).error().type, "InvalidParameterException");
  EXPECT_EQ(putRaw({{kStartMs - 2 * kMillisPerDay, "a"}, {kStartMs, "b"}}).error().type, "InvalidParameterException");
  EXPECT_EQ(putRaw({{kStartMs, std::string(1'048'576 - 26, 'x')}}).has_value(), true);
  EXPECT_EQ(putRaw({{kStartMs, std::string(1'048'576 - 25, 'x')}}).error().type, "InvalidParameterException");
  auto missing =
      call("PutLogEvents", {{"logGroupName", "g"},
                            {"logStreamName", "nope"},
                            {"logEvents", json::array{json::object{{"timestamp", kStartMs}, {"message", "x"}}}}});
  EXPECT_EQ(missing.error().type, "ResourceNotFoundException");
  EXPECT_EQ(missing.error().message, "The specified log stream does not exist.");
}

TEST_F(EventsTest, PutLogEventsRejectsTooOldTooNewAndExpired) {
  ok("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 1}});
  auto out = putRaw({{kStartMs - 15 * kMillisPerDay, "ancient"},
                     {kStartMs - 2 * kMillisPerDay, "expired"},
                     {kStartMs - 1000, "kept"},
                     {kStartMs + 3 * 3'600'000, "future"}});
  ASSERT_TRUE(out) << out.error().message;
  const auto& info = out->at("rejectedLogEventsInfo").as_object();
  EXPECT_EQ(info.at("tooOldLogEventEndIndex").as_int64(), 0);
  EXPECT_EQ(info.at("expiredLogEventEndIndex").as_int64(), 1);
  EXPECT_EQ(info.at("tooNewLogEventStartIndex").as_int64(), 3);
  EXPECT_TRUE(out->at("nextSequenceToken").is_string());
  EXPECT_EQ(messages(get({{"startFromHead", true}})), (std::vector<std::string>{"kept"}));
}

TEST_F(EventsTest, SequenceTokenIsIgnored) {
  json::array one{json::object{{"timestamp", kStartMs}, {"message", "x"}}};
  ok("PutLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"logEvents", one}, {"sequenceToken", "bogus"}});
  ok("PutLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"logEvents", one}, {"sequenceToken", "bogus"}});
  EXPECT_EQ(messages(get()).size(), 2u);
}

TEST_F(EventsTest, GetLogEventsDefaultsToTheNewestEvents) {
  putNumbered(5);
  auto out = get({{"limit", 2}});
  EXPECT_EQ(messages(out), (std::vector<std::string>{"m3", "m4"}));
  const auto& e = out.at("events").as_array()[0].as_object();
  EXPECT_EQ(e.at("timestamp").as_int64(), kStartMs - 60'000 - 2);
  EXPECT_EQ(e.at("ingestionTime").as_int64(), kStartMs);
  // Backwards from there, then nothing more: the same backward token comes back.
  auto back = get({{"limit", 2}, {"nextToken", out.at("nextBackwardToken")}});
  EXPECT_EQ(messages(back), (std::vector<std::string>{"m1", "m2"}));
  back = get({{"limit", 2}, {"nextToken", back.at("nextBackwardToken")}});
  EXPECT_EQ(messages(back), (std::vector<std::string>{"m0"}));
  auto end = get({{"limit", 2}, {"nextToken", back.at("nextBackwardToken")}});
  EXPECT_TRUE(messages(end).empty());
  EXPECT_EQ(end.at("nextBackwardToken"), back.at("nextBackwardToken"));
}

TEST_F(EventsTest, GetLogEventsForwardPaginationEndsWithTheSameToken) {
  putNumbered(5);
  std::vector<std::string> seen;
  json::object out = get({{"startFromHead", true}, {"limit", 2}});
  for (int i = 0; i < 10; ++i) {
    for (auto& m : messages(out)) seen.push_back(m);
    auto next = get({{"startFromHead", true}, {"limit", 2}, {"nextToken", out.at("nextForwardToken")}});
    if (next.at("nextForwardToken") == out.at("nextForwardToken")) {
      EXPECT_TRUE(messages(next).empty());
      break;
    }
    out = std::move(next);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
  // New events show up behind the last forward token.
  auto token = out.at("nextForwardToken");
  put("g", "s", {{kStartMs, "late"}});
  EXPECT_EQ(messages(get({{"startFromHead", true}, {"nextToken", token}})), (std::vector<std::string>{"late"}));
}

TEST_F(EventsTest, GetLogEventsTimeRangeAndEmptyStream) {
  auto empty = get();
  EXPECT_TRUE(messages(empty).empty());
  EXPECT_TRUE(empty.at("nextForwardToken").as_string().starts_with("f/"));
  EXPECT_TRUE(empty.at("nextBackwardToken").as_string().starts_with("b/"));
  put("g", "s", {{kStartMs - 100, "x"}});
  EXPECT_EQ(messages(get({{"startFromHead", true}, {"nextToken", empty.at("nextForwardToken")}})),
            (std::vector<std::string>{"x"}));

  putNumbered(5);  // m0..m4 at kStartMs-60005 .. -60001
  EXPECT_EQ(messages(get({{"startTime", kStartMs - 60'004}, {"endTime", kStartMs - 60'002}, {"startFromHead", true}})),
            (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(messages(get({{"startTime", kStartMs - 60'004}, {"endTime", kStartMs - 60'002}})),
            (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(errorOf("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"nextToken", "x/123"}}),
            "InvalidParameterException");
}

TEST_F(EventsTest, GetLogEventsReadsFarBackwardsAcrossSparseEvents) {
  // Events days apart make the backward reader widen its window several times.
  put("g", "s", {{kStartMs - 13 * kMillisPerDay, "old"}});
  put("g", "s", {{kStartMs - 1, "new"}});
  EXPECT_EQ(messages(get()), (std::vector<std::string>{"old", "new"}));
  EXPECT_EQ(messages(get({{"limit", 1}})), (std::vector<std::string>{"new"}));
}

TEST_F(EventsTest, EventsWithEqualTimestampsKeepIngestionOrder) {
  put("g", "s", {{kStartMs, "first"}, {kStartMs, "second"}});
  put("g", "s", {{kStartMs, "third"}});
  EXPECT_EQ(messages(get({{"startFromHead", true}})), (std::vector<std::string>{"first", "second", "third"}));
}

TEST_F(EventsTest, RetentionHidesAndSweepDeletesExpiredEvents) {
  put("g", "s", {{kStartMs - 3 * kMillisPerDay, "old"}});
  put("g", "s", {{kStartMs - 1000, "recent"}});
  ok("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 1}});
  EXPECT_EQ(messages(get()), (std::vector<std::string>{"recent"}));
  EXPECT_EQ(messages(ok("FilterLogEvents", {{"logGroupName", "g"}})), (std::vector<std::string>{"recent"}));
  auto swept = service_->sweepRetention();
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 1u);
  EXPECT_EQ(store_.size("logs.events"), 1u);
  auto g = ok("DescribeLogGroups").at("logGroups").as_array()[0].as_object();
  EXPECT_EQ(g.at("storedBytes").as_int64(), 6);
  auto s = ok("DescribeLogStreams", {{"logGroupName", "g"}}).at("logStreams").as_array()[0].as_object();
  EXPECT_EQ(s.at("firstEventTimestamp").as_int64(), kStartMs - 1000);
  // Two days later the recent one has expired too.
  clock_.advance(std::chrono::days(2));
  EXPECT_EQ(*service_->sweepRetention(), 1u);
  EXPECT_EQ(store_.size("logs.events"), 0u);
  EXPECT_TRUE(messages(get()).empty());
}

}  // namespace
}  // namespace wharf::logs::testing
