#include <set>

#include "logs/logs_fixture.h"

namespace wharf::logs::testing {
namespace {
namespace json = boost::json;

class FilterTest : public LogsTest {
 protected:
  FilterTest() {
    ok("CreateLogGroup", {{"logGroupName", "g"}});
    for (const char* s : {"web/a", "web/b", "worker"})
      ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", s}});
    put("g", "web/a", {{kStartMs - 50, "GET /a 200"}, {kStartMs - 30, "GET /a 500 ERROR"}});
    put("g", "web/b", {{kStartMs - 40, "GET /b 200"}, {kStartMs - 30, "WARN slow"}});
    put("g", "worker", {{kStartMs - 45, "job ERROR disk"}, {kStartMs - 10, "job done"}});
  }
  json::object filter(json::object extra = {}) {
    extra["logGroupName"] = "g";
    return ok("FilterLogEvents", std::move(extra));
  }
};

TEST_F(FilterTest, InterleavesStreamsByTimestamp) {
  auto out = filter();
  EXPECT_EQ(messages(out), (std::vector<std::string>{"GET /a 200", "job ERROR disk", "GET /b 200", "GET /a 500 ERROR",
                                                     "WARN slow", "job done"}));
  const auto& e = out.at("events").as_array()[1].as_object();
  EXPECT_EQ(e.at("logStreamName"), "worker");
  EXPECT_EQ(e.at("timestamp").as_int64(), kStartMs - 45);
  EXPECT_EQ(e.at("ingestionTime").as_int64(), kStartMs);
  EXPECT_FALSE(e.at("eventId").as_string().empty());
  EXPECT_TRUE(out.at("searchedLogStreams").as_array().empty());
  EXPECT_FALSE(out.contains("nextToken"));
}

TEST_F(FilterTest, SelectsStreamsTimeRangeAndPattern) {
  EXPECT_EQ(messages(filter({{"logStreamNamePrefix", "web/"}, {"filterPattern", "200"}})),
            (std::vector<std::string>{"GET /a 200", "GET /b 200"}));
  EXPECT_EQ(messages(filter({{"logStreamNames", json::array{"worker", "web/b"}}, {"filterPattern", "?ERROR ?WARN"}})),
            (std::vector<std::string>{"job ERROR disk", "WARN slow"}));
  EXPECT_EQ(messages(filter({{"startTime", kStartMs - 40}, {"endTime", kStartMs - 30}})),
            (std::vector<std::string>{"GET /b 200", "GET /a 500 ERROR", "WARN slow"}));
  EXPECT_EQ(messages(filter({{"filterPattern", "\"ERROR disk\""}})), (std::vector<std::string>{"job ERROR disk"}));
  EXPECT_EQ(errorOf("FilterLogEvents",
                    {{"logGroupName", "g"}, {"logStreamNamePrefix", "w"}, {"logStreamNames", json::array{"worker"}}}),
            "InvalidParameterException");
  EXPECT_EQ(errorOf("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "{ $.x = 1 }"}}),
            "InvalidParameterException");
  EXPECT_EQ(errorOf("FilterLogEvents", {{"logGroupName", "missing"}}), "ResourceNotFoundException");
}

TEST_F(FilterTest, PaginatesWithNextToken) {
  std::vector<std::string> all;
  json::object page = filter({{"limit", 2}});
  for (int i = 0; i < 10; ++i) {
    EXPECT_LE(page.at("events").as_array().size(), 2u);
    for (auto& m : messages(page)) all.push_back(m);
    if (!page.contains("nextToken")) break;
    page = filter({{"limit", 2}, {"nextToken", page.at("nextToken")}});
  }
  EXPECT_EQ(all, messages(filter()));
  EXPECT_EQ(errorOf("FilterLogEvents", {{"logGroupName", "g"}, {"nextToken", "bad"}}), "InvalidParameterException");
}

// What `aws logs tail --follow` does: page until no nextToken, then poll again from the newest
// timestamp seen, skipping eventIds it already printed at that timestamp.
TEST_F(FilterTest, TailFollowSeesEveryEventOnce) {
  std::vector<std::string> printed;
  std::map<int64_t, std::set<std::string>> seen;
  json::object args{{"logGroupName", "g"}, {"interleaved", true}, {"startTime", kStartMs - 60'000}};
  auto poll = [&] {
    for (;;) {
      auto out = ok("FilterLogEvents", args);
      for (const auto& e : out.at("events").as_array()) {
        int64_t ts = e.at("timestamp").as_int64();
        if (seen[ts].insert(std::string(e.at("eventId").as_string())).second) {
          printed.emplace_back(e.at("message").as_string());
        }
      }
      if (out.contains("nextToken")) {
        args["nextToken"] = out.at("nextToken");
        continue;
      }
      args.erase("nextToken");
      if (!seen.empty()) args["startTime"] = seen.rbegin()->first;
      return;
    }
  };
  poll();
  EXPECT_EQ(printed.size(), 6u);
  put("g", "web/b", {{kStartMs - 10, "same ms as the newest"}, {kStartMs + 5, "newer"}});
  poll();
  poll();
  EXPECT_EQ(printed, (std::vector<std::string>{"GET /a 200", "job ERROR disk", "GET /b 200", "GET /a 500 ERROR",
                                               "WARN slow", "job done", "same ms as the newest", "newer"}));
}

}  // namespace
}  // namespace wharf::logs::testing
