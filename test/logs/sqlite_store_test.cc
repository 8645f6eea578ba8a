// The logs service over the real SQLite store: events and delivery offsets survive a reopen.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/clock.h"
#include "logs/logs_service.h"

namespace wharf::logs {
namespace {
namespace json = boost::json;

TEST(LogsOnSqliteTest, EventsAndOffsetsSurviveReopen) {
  auto dir = std::filesystem::temp_directory_path() / ("wharf-logs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ManualClock clock(std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000)));
  agent::LogSpec spec{"awslogs", {{"awslogs-group", "/ecs/app"}, {"awslogs-create-group", "true"}}};
  {
    auto store = openSqliteStore((dir / "wharf.db").string());
    ASSERT_TRUE(store) << store.error().message;
    auto service = LogsService::open(**store, clock, {"123456789012", "us-east-1"});
    ASSERT_TRUE(service);
    agent::LogBatch batch{"task1", "app", spec, 0, 12, {{1'699'999'999'000, "hello"}, {1'699'999'999'500, "world"}}};
    ASSERT_EQ(*(*service)->sink().deliver(batch), 12u);
  }
  auto store = openSqliteStore((dir / "wharf.db").string());
  ASSERT_TRUE(store) << store.error().message;
  auto service = LogsService::open(**store, clock, {"123456789012", "us-east-1"});
  ASSERT_TRUE(service);
  EXPECT_EQ(*(*service)->sink().resumeOffset("task1", "app", spec), 12u);
  api::Router router;
  (*service)->registerHandlers(router);
  api::RequestContext ctx{"r", "AKID", "123456789012", "us-east-1", "Logs_20140328", "GetLogEvents"};
  auto out = (*router.find("Logs_20140328.GetLogEvents"))(
      ctx, json::object{{"logGroupName", "/ecs/app"}, {"logStreamName", "app/task1"}, {"startFromHead", true}});
  ASSERT_TRUE(out);
  const auto& events = out->at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("message"), "hello");
  EXPECT_EQ(events[1].at("message"), "world");
  service->reset();
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wharf::logs
