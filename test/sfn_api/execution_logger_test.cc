#include "sfn/api/execution_logger.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "logs/event_reader.h"
#include "sfn/api/sfn_service.h"
#include "store/store.h"

namespace wharf::sfn {
namespace {
namespace json = boost::json;

constexpr const char* kRole = "arn:aws:iam::123456789012:role/r";
constexpr const char* kGroupArn = "arn:aws:logs:us-east-1:123456789012:log-group:sfn-logs:*";
constexpr const char* kPass = R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}})";
constexpr const char* kFail = R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}})";
const logs::Partition kPartition{"us-east-1", "123456789012"};

json::object logging(std::string level, bool includeData = true, std::string arn = kGroupArn) {
  json::object config{{"level", level}, {"includeExecutionData", includeData}};
  config["destinations"] = json::array{json::object{{"cloudWatchLogsLogGroup", json::object{{"logGroupArn", arn}}}}};
  return config;
}

asl::HistoryEvent event(int64_t id, std::string_view type, std::string_view detailsKey, std::string_view details) {
  asl::HistoryEvent e;
  e.id = id;
  e.previousEventId = id - 1;
  e.type = type;
  e.timestamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  e.detailsKey = detailsKey;
  e.details = details;
  return e;
}

TEST(LoggingConfigurationTest, ParsesWhatAwsAccepts) {
  auto off = parseLoggingConfiguration(json::object{{"level", "OFF"}, {"includeExecutionData", false}}, kPartition);
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->has_value());
  EXPECT_FALSE(*parseLoggingConfiguration(json::value(), kPartition));

  auto all = parseLoggingConfiguration(logging("ALL"), kPartition);
  ASSERT_TRUE(all && *all);
  EXPECT_EQ((*all)->level, LogLevel::kAll);
  EXPECT_EQ((*all)->logGroup, "sfn-logs");
  EXPECT_TRUE((*all)->includeExecutionData);
  // The ARN without the trailing ":*" names the same group.
  auto bare = parseLoggingConfiguration(
      logging("ERROR", false, "arn:aws:logs:us-east-1:123456789012:log-group:sfn-logs"), kPartition);
  ASSERT_TRUE(bare && *bare);
  EXPECT_EQ((*bare)->logGroup, "sfn-logs");
  EXPECT_FALSE((*bare)->includeExecutionData);
}

TEST(LoggingConfigurationTest, RejectsWhatAwsRejects) {
  auto noDestination = parseLoggingConfiguration(json::object{{"level", "ALL"}}, kPartition);
  ASSERT_FALSE(noDestination);
  EXPECT_EQ(noDestination.error().type, "InvalidLoggingConfiguration");
  EXPECT_EQ(noDestination.error().message, "Invalid Logging Configuration: Must specify exactly one Log Destination.");

  json::object two = logging("ERROR");
  two["destinations"].as_array().push_back(two["destinations"].as_array()[0]);
  EXPECT_EQ(parseLoggingConfiguration(two, kPartition).error().type, "InvalidLoggingConfiguration");

  for (const char* arn : {"not-an-arn", "arn:aws:logs:eu-west-1:123456789012:log-group:sfn-logs:*",
                          "arn:aws:logs:us-east-1:123456789012:log-group:"}) {
    auto bad = parseLoggingConfiguration(logging("FATAL", false, arn), kPartition);
    ASSERT_FALSE(bad) << arn;
    EXPECT_EQ(bad.error().type, "InvalidLoggingConfiguration");
  }
  EXPECT_FALSE(parseLoggingConfiguration(logging("LOUD"), kPartition));
}

TEST(LogLevelTest, FollowsAwsLevelTable) {
  for (std::string_view type : {"ExecutionStarted", "PassStateEntered", "TaskSucceeded", "ExecutionSucceeded"}) {
    EXPECT_TRUE(isLogged(LogLevel::kAll, type));
    EXPECT_FALSE(isLogged(LogLevel::kError, type)) << type;
    EXPECT_FALSE(isLogged(LogLevel::kFatal, type)) << type;
  }
  for (std::string_view type : {"TaskFailed", "TaskTimedOut", "ActivityScheduleFailed", "FailStateEntered",
                                "MapIterationAborted", "TaskStateAborted", "LambdaFunctionTimedOut"}) {
    EXPECT_TRUE(isLogged(LogLevel::kError, type)) << type;
    EXPECT_FALSE(isLogged(LogLevel::kFatal, type)) << type;
  }
  for (std::string_view type : {"ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}) {
    EXPECT_TRUE(isLogged(LogLevel::kFatal, type));
    EXPECT_TRUE(isLogged(LogLevel::kError, type));
    EXPECT_FALSE(isLogged(LogLevel::kOff, type));
  }
}

TEST(LogMessageTest, HasAwsShape) {
  ExecutionRecord execution;
  execution.executionArn = "arn:aws:states:us-east-1:123456789012:execution:sm:e1";
  auto started = event(1, "ExecutionStarted", "executionStartedEventDetails",
                       R"({"input":"{\"a\":1}","inputDetails":{"truncated":false},"roleArn":"r"})");
  json::value full = json::parse(logMessage(started, execution, true));
  EXPECT_EQ(full, json::parse(R"({"id":"1","type":"ExecutionStarted",
      "details":{"input":"{\"a\":1}","inputDetails":{"truncated":false},"roleArn":"r"},
      "previous_event_id":"0","event_timestamp":"1700000000123",
      "execution_arn":"arn:aws:states:us-east-1:123456789012:execution:sm:e1","redrive_count":"0"})"));
  // Key order as AWS writes it.
  std::vector<std::string> keys;
  for (const auto& kv : full.as_object()) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "type", "details", "previous_event_id", "event_timestamp",
                                            "execution_arn", "redrive_count"}));

  json::value lean = json::parse(logMessage(started, execution, false));
  EXPECT_EQ(lean.at("details"), json::parse(R"({"roleArn":"r"})"));
  auto succeeded = event(4, "ExecutionSucceeded", "executionSucceededEventDetails",
                         R"({"output":"{}","outputDetails":{"truncated":false}})");
  EXPECT_EQ(json::parse(logMessage(succeeded, execution, false)).at("details"), json::object());
  // Events without details still carry an empty details object.
  EXPECT_EQ(json::parse(logMessage(event(2, "WaitStateAborted", "", ""), execution, true)).at("details"),
            json::object());
  execution.redriveCount = 2;  // events of a redriven execution name their run
  EXPECT_EQ(json::parse(logMessage(succeeded, execution, true)).at("redrive_count").as_string(), "2");
}

TEST(LogStreamNameTest, NamesTheMinuteInUtc) {
  EXPECT_EQ(logStreamName("sm", 1'700'000'000'123, "0a1b2c3d"), "states/sm/2023-11-14-22-13/0a1b2c3d");
}

// The whole path: the API validates and stores the configuration, the engine publishes each
// step once durable, the logger writes the events to the log group.
class ExecutionLoggingTest : public ::testing::Test {
 protected:
  ExecutionLoggingTest() : clock_(std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))) {
    dir_ = std::filesystem::temp_directory_path() / ("sfn-logging-" + makeRandomIdGenerator()->hex(8));
    std::filesystem::create_directories(dir_);
    store_ = *openSqliteStore((dir_ / "wharf.db").string());
    logStore_ = std::move(*logs::LogStore::open(*store_, clock_));
    logs::LogGroup group;
    group.name = "sfn-logs";
    EXPECT_TRUE(logStore_->createGroup(group));
    open();
  }
  ~ExecutionLoggingTest() override {
    service_.reset();
    logStore_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    service_.reset();
    router_ = api::Router();
    SfnConfig config;
    config.accountId = "123456789012";
    config.timerThread = false;
    config.logStore = logStore_.get();
    service_ = std::move(*SfnService::open(*store_, clock_, *ids_, config, {}, nullptr));
    service_->registerHandlers(router_);
  }

  Result<json::value> call(std::string_view op, json::object in) {
    std::string target = "AWSStepFunctions." + std::string(op);
    api::RequestContext ctx;
    if (const auto* h = router_.find(target)) return (*h)(ctx, in);
    std::promise<Result<json::value>> answer;
    (*router_.findAsync(target))(ctx, std::move(in), [&](Result<json::value> r) { answer.set_value(std::move(r)); });
    auto out = answer.get_future().get();
    service_->engine().drain();
    return out;
  }
  std::string createMachine(const char* definition, json::object loggingConfiguration, std::string type = "STANDARD") {
    auto r = call("CreateStateMachine", {{"name", "sm"},
                                         {"definition", definition},
                                         {"roleArn", kRole},
                                         {"type", type},
                                         {"loggingConfiguration", std::move(loggingConfiguration)}});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::string(r->at("stateMachineArn").as_string()) : "";
  }
  // Every message in the group's execution streams, in order. Stopping the service first makes the
  // logger write everything it was handed.
  std::vector<json::object> loggedMessages() {
    service_.reset();
    std::vector<json::object> out;
    auto group = logStore_->snapshot("sfn-logs");
    for (const auto& stream : group->streams) {
      if (stream.name == kValidationStream) continue;
      EXPECT_TRUE(stream.name.starts_with("states/sm/2023-11-14-22-13/")) << stream.name;
      auto page = logs::readForward(*store_, stream, logs::kFirstPos, INT64_MAX, 1000);
      for (const auto& e : page->events) out.push_back(json::parse(e.message).as_object());
    }
    return out;
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<IdGenerator> ids_ = makeSequentialIdGenerator(7);
  std::unique_ptr<Store> store_;
  std::unique_ptr<logs::LogStore> logStore_;
  api::Router router_;
  std::unique_ptr<SfnService> service_;
};

TEST_F(ExecutionLoggingTest, AllLogsEveryEventOfTheHistory) {
  std::string sm = createMachine(kPass, logging("ALL"));
  // AWS creates a stream in the group when it validates the destination.
  auto groups = logStore_->snapshot("sfn-logs");
  ASSERT_EQ(groups->streams.size(), 1u);
  EXPECT_EQ(groups->streams[0].name, kValidationStream);

  auto started = call("StartExecution", {{"stateMachineArn", sm}, {"name", "e1"}, {"input", R"({"a":1})"}});
  ASSERT_TRUE(started);
  std::string arn(started->at("executionArn").as_string());
  auto history = call("GetExecutionHistory", {{"executionArn", arn}});
  const auto& events = history->at("events").as_array();

  auto logged = loggedMessages();
  ASSERT_EQ(logged.size(), events.size());
  for (size_t i = 0; i < logged.size(); ++i) {
    EXPECT_EQ(logged[i].at("id").as_string(), std::to_string(events[i].at("id").as_int64()));
    EXPECT_EQ(logged[i].at("type"), events[i].at("type"));
    EXPECT_EQ(logged[i].at("execution_arn").as_string(), arn);
  }
  EXPECT_EQ(logged.front().at("details").at("input").as_string(), R"({"a":1})");
  EXPECT_EQ(logged.back().at("type").as_string(), "ExecutionSucceeded");
  EXPECT_EQ(logged.back().at("details").at("output").as_string(), R"({"ok":true})");
}

TEST_F(ExecutionLoggingTest, ErrorLogsOnlyFailuresWithoutData) {
  std::string sm = createMachine(kFail, logging("ERROR", false));
  ASSERT_TRUE(call("StartExecution", {{"stateMachineArn", sm}, {"name", "e1"}}));
  auto logged = loggedMessages();
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].at("type").as_string(), "FailStateEntered");
  EXPECT_EQ(logged[0].at("details"), json::parse(R"({"name":"F"})"));
  EXPECT_EQ(logged[1].at("type").as_string(), "ExecutionFailed");
  EXPECT_EQ(logged[1].at("details"), json::parse(R"({"cause":"it broke","error":"Boom"})"));
}

TEST_F(ExecutionLoggingTest, ExpressExecutionsLogToo) {
  std::string sm = createMachine(kPass, logging("FATAL"), "EXPRESS");
  ASSERT_TRUE(call("StartExecution", {{"stateMachineArn", sm}}));
  EXPECT_TRUE(loggedMessages().empty());  // FATAL: a success logs nothing
  open();
  ASSERT_TRUE(call("UpdateStateMachine", {{"stateMachineArn", sm}, {"loggingConfiguration", logging("ALL")}}));
  ASSERT_TRUE(call("StartSyncExecution", {{"stateMachineArn", sm}}));
  auto logged = loggedMessages();
  ASSERT_EQ(logged.size(), 4u);
  EXPECT_TRUE(
      logged[0].at("execution_arn").as_string().starts_with("arn:aws:states:us-east-1:123456789012:express:sm:"));
}

TEST_F(ExecutionLoggingTest, ConfigurationOutlivesARestartAndOffStopsLogging) {
  std::string sm = createMachine(kPass, logging("ALL"));
  open();  // the logger's configuration comes back from the stored state machines
  ASSERT_TRUE(call("StartExecution", {{"stateMachineArn", sm}, {"name", "e1"}}));
  EXPECT_EQ(loggedMessages().size(), 4u);
  open();
  ASSERT_TRUE(
      call("UpdateStateMachine", {{"stateMachineArn", sm}, {"loggingConfiguration", json::object{{"level", "OFF"}}}}));
  ASSERT_TRUE(call("StartExecution", {{"stateMachineArn", sm}, {"name", "e2"}}));
  EXPECT_EQ(loggedMessages().size(), 4u);  // still only e1's
}

TEST_F(ExecutionLoggingTest, DeletedGroupDropsEventsButNotTheExecution) {
  std::string sm = createMachine(kPass, logging("ALL"));
  ASSERT_TRUE(logStore_->deleteGroup("sfn-logs"));
  auto started = call("StartExecution", {{"stateMachineArn", sm}, {"name", "e1"}});
  ASSERT_TRUE(started);
  auto d = call("DescribeExecution", {{"executionArn", started->at("executionArn")}});
  EXPECT_EQ(d->at("status").as_string(), "SUCCEEDED");
  service_.reset();
  EXPECT_FALSE(logStore_->group("sfn-logs"));  // nothing recreated it
}

TEST_F(ExecutionLoggingTest, InvalidConfigurationsAreRejected) {
  auto missing =
      call("CreateStateMachine",
           {{"name", "sm"},
            {"definition", kPass},
            {"roleArn", kRole},
            {"loggingConfiguration", logging("ALL", true, "arn:aws:logs:us-east-1:123456789012:log-group:nope:*")}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().type, "InvalidLoggingConfiguration");
  EXPECT_EQ(missing.error().message, "Invalid Logging Configuration: Log Destination not found.");
  auto noDestination = call("CreateStateMachine", {{"name", "sm"},
                                                   {"definition", kPass},
                                                   {"roleArn", kRole},
                                                   {"loggingConfiguration", json::object{{"level", "ERROR"}}}});
  ASSERT_FALSE(noDestination);
  EXPECT_EQ(noDestination.error().type, "InvalidLoggingConfiguration");

  std::string sm = createMachine(kPass, json::object{{"level", "OFF"}});
  auto update =
      call("UpdateStateMachine", {{"stateMachineArn", sm}, {"loggingConfiguration", logging("ALL", true, "bad-arn")}});
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().type, "InvalidLoggingConfiguration");
  auto d = call("DescribeStateMachine", {{"stateMachineArn", sm}});
  EXPECT_EQ(d->at("loggingConfiguration").at("level").as_string(), "OFF");  // unchanged
}

}  // namespace
}  // namespace wharf::sfn
