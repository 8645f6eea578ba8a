// Redrive (StepInput kRedrive): an unsuccessful execution restarts at the state that did not finish,
// with its input; of a Map or Parallel only the iterations and branches that did not succeed rerun.
#include <fmt/format.h>

#include <algorithm>

#include "asl_harness.h"

namespace wharf::asl {
namespace {

using testing::J;
using testing::TestRun;

constexpr std::string_view kLambda = "arn:aws:states:::lambda:invoke";

StepInput redriveInput() { return testing::stepInput(StepInput::Kind::kRedrive, ""); }

std::vector<std::string> taskIds(const StepResult& r) {
  std::vector<std::string> out;
  for (const auto& c : r.commands)
    if (c.kind == Command::Kind::kScheduleTask) out.push_back(c.task.taskId);
  return out;
}

std::vector<std::string> typesOf(const StepResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events) out.emplace_back(e.type);
  return out;
}

size_t countOf(const TestRun& r, std::string_view type) {
  auto t = r.types();
  return static_cast<size_t>(std::count(t.begin(), t.end(), type));
}

TEST(RedriveTest, FailedTaskRerunsWithItsInputAndSucceeds) {
  std::string def = fmt::format(
      R"({{"StartAt":"A","States":{{"A":{{"Type":"Pass","Result":{{"x":1}},"Next":"T"}},
      "T":{{"Type":"Task","Resource":"{}","Parameters":{{"x.$":"$.x","n.$":"$$.Execution.RedriveCount"}},
      "Retry":[{{"ErrorEquals":["Boom"],"MaxAttempts":0}}],"End":true}}}}}})",
      kLambda);
  TestRun r(def, "{}");
  ASSERT_EQ(taskIds(r.first).size(), 1u);
  r.exec->step(testing::taskFailed(taskIds(r.first)[0], "Boom", "first"));
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  auto failedId = static_cast<int64_t>(r.exec->history().size());

  r.clock.advance(std::chrono::seconds(5));
  StepResult redriven = r.exec->step(redriveInput());
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kRunning);
  EXPECT_FALSE(r.exec->error());
  EXPECT_EQ(typesOf(redriven), (std::vector<std::string>{"ExecutionRedriven", "TaskStateEntered", "TaskScheduled"}));
  const HistoryEvent& event = redriven.events[0];
  EXPECT_EQ(event.previousEventId, failedId);
  EXPECT_EQ(event.detailsJson(), J(R"({"redriveCount":1})"));
  EXPECT_EQ(redriven.events[1].previousEventId, event.id);
  EXPECT_EQ(r.detail("TaskStateEntered", "input"), J(R"({"x":1})"));
  EXPECT_EQ(r.detail("TaskScheduled", "parameters"), J(R"({"x":1,"n":1})"));
  ASSERT_EQ(taskIds(redriven).size(), 1u);

  r.exec->step(testing::taskSucceeded(taskIds(redriven)[0], J(R"({"ok":true})")));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"({"ok":true})"));
  EXPECT_EQ(countOf(r, "PassStateEntered"), 1u);
}

TEST(RedriveTest, ContextObjectShowsRedriveTime) {
  std::string def = fmt::format(
      R"({{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{}","Parameters":{{"c.$":"$$.Execution"}},
      "End":true}}}}}})",
      kLambda);
  TestRun r(def, "{}");
  EXPECT_FALSE(r.detail("TaskScheduled", "parameters").at("c").as_object().contains("RedriveTime"));
  r.exec->step(testing::taskFailed(taskIds(r.first)[0], "Boom"));
  r.clock.advance(std::chrono::seconds(60));
  r.exec->step(redriveInput());
  auto c = r.detail("TaskScheduled", "parameters").at("c");
  EXPECT_EQ(c.at("RedriveCount"), 1);
  EXPECT_EQ(c.at("RedriveTime"), "2023-11-14T22:14:20.000Z");
}

TEST(RedriveTest, MapRerunsOnlyUnsuccessfulIterations) {
  std::string def = fmt::format(
      R"({{"StartAt":"M","States":{{"M":{{"Type":"Map","ItemProcessor":{{"StartAt":"P","States":{{
      "P":{{"Type":"Pass","Next":"T"}},"T":{{"Type":"Task","Resource":"{}","End":true}}}}}},"End":true}}}}}})",
      kLambda);
  TestRun r(def, "[0,1,2]");
  auto first = taskIds(r.first);
  ASSERT_EQ(first.size(), 3u);
  r.exec->step(testing::taskSucceeded(first[0], J("\"r0\"")));
  StepResult failed = r.exec->step(testing::taskFailed(first[1], "Boom"));
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  // Iteration 2 was still running: it is aborted with the Map.
  ASSERT_EQ(failed.commands.size(), 1u);
  EXPECT_EQ(failed.commands[0].kind, Command::Kind::kCancelTask);

  StepResult redriven = r.exec->step(redriveInput());
  auto t = typesOf(redriven);
  EXPECT_EQ(std::vector<std::string>(t.begin(), t.begin() + 5),
            (std::vector<std::string>{"ExecutionRedriven", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
                                      "TaskStateEntered"}));
  std::vector<int64_t> indexes;
  for (const auto& e : redriven.events)
    if (e.type == "MapIterationStarted") indexes.push_back(e.detailsJson().at("index").as_int64());
  EXPECT_EQ(indexes, (std::vector<int64_t>{1, 2}));
  // The iterations restart at their Task: the Pass before it does not run again.
  EXPECT_EQ(std::count(t.begin(), t.end(), "PassStateEntered"), 0);
  auto again = taskIds(redriven);
  ASSERT_EQ(again.size(), 2u);
  r.exec->step(testing::taskSucceeded(again[1], J("\"r2\"")));
  r.exec->step(testing::taskSucceeded(again[0], J("\"r1\"")));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"(["r0","r1","r2"])"));
}

TEST(RedriveTest, MapWithMaxConcurrencyLaunchesTheRestAfterTheRedrivenOnes) {
  std::string def = fmt::format(
      R"({{"StartAt":"M","States":{{"M":{{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{{"StartAt":"T",
      "States":{{"T":{{"Type":"Task","Resource":"{}","End":true}}}}}},"End":true}}}}}})",
      kLambda);
  TestRun r(def, "[0,1,2]");
  auto a = taskIds(r.first);
  ASSERT_EQ(a.size(), 1u);
  auto b = taskIds(r.exec->step(testing::taskSucceeded(a[0], J("0"))));
  ASSERT_EQ(b.size(), 1u);
  r.exec->step(testing::taskFailed(b[0], "Boom"));
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);

  auto c = taskIds(r.exec->step(redriveInput()));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(r.last("MapIterationStarted").detailsJson().at("index"), 1);
  auto d = taskIds(r.exec->step(testing::taskSucceeded(c[0], J("1"))));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(r.last("MapIterationStarted").detailsJson().at("index"), 2);
  r.exec->step(testing::taskSucceeded(d[0], J("2")));
  EXPECT_EQ(r.exec->output(), J("[0,1,2]"));
}

TEST(RedriveTest, ParallelRerunsOnlyTheFailedBranch) {
  std::string def = fmt::format(
      R"({{"StartAt":"P","States":{{"P":{{"Type":"Parallel","Branches":[
      {{"StartAt":"A","States":{{"A":{{"Type":"Task","Resource":"{0}","End":true}}}}}},
      {{"StartAt":"B","States":{{"B":{{"Type":"Task","Resource":"{0}","End":true}}}}}}],"End":true}}}}}})",
      kLambda);
  TestRun r(def, "{}");
  auto first = taskIds(r.first);
  ASSERT_EQ(first.size(), 2u);
  r.exec->step(testing::taskSucceeded(first[0], J("\"a\"")));
  r.exec->step(testing::taskFailed(first[1], "Boom"));
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);

  StepResult redriven = r.exec->step(redriveInput());
  EXPECT_EQ(typesOf(redriven), (std::vector<std::string>{"ExecutionRedriven", "ParallelStateEntered",
                                                         "ParallelStateStarted", "TaskStateEntered", "TaskScheduled"}));
  EXPECT_EQ(r.last("TaskStateEntered").detailsJson().at("name"), "B");
  auto again = taskIds(redriven);
  ASSERT_EQ(again.size(), 1u);
  r.exec->step(testing::taskSucceeded(again[0], J("\"b\"")));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"(["a","b"])"));
}

TEST(RedriveTest, AbortedExecutionReentersTheStateItWasIn) {
  std::string def = fmt::format(
      R"({{"StartAt":"W","States":{{"W":{{"Type":"Pass","Result":"in","Next":"T"}},
      "T":{{"Type":"Task","Resource":"{}","End":true}}}}}})",
      kLambda);
  TestRun r(def, "{}");
  StepInput stop = testing::stepInput(StepInput::Kind::kStop, "");
  r.exec->step(stop);
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kAborted);
  StepResult redriven = r.exec->step(redriveInput());
  EXPECT_EQ(typesOf(redriven), (std::vector<std::string>{"ExecutionRedriven", "TaskStateEntered", "TaskScheduled"}));
  EXPECT_EQ(r.detail("TaskStateEntered", "input"), J("\"in\""));
  // A second failure and redrive count up.
  r.exec->step(testing::taskFailed(taskIds(redriven)[0], "Boom"));
  StepResult second = r.exec->step(redriveInput());
  EXPECT_EQ(second.events[0].detailsJson(), J(R"({"redriveCount":2})"));
}

TEST(RedriveTest, TimedOutExecutionGetsAFreshTimeout) {
  std::string def = fmt::format(
      R"({{"TimeoutSeconds":30,"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{}","End":true}}}}}})",
      kLambda);
  TestRun r(def, "{}");
  std::string timer;
  for (const auto& c : r.first.commands)
    if (c.kind == Command::Kind::kStartTimer) timer = c.id;
  r.clock.advance(std::chrono::seconds(30));
  r.exec->step(testing::timerFired(timer));
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kTimedOut);
  r.clock.advance(std::chrono::seconds(100));
  StepResult redriven = r.exec->step(redriveInput());
  std::optional<Command> fresh;
  for (const auto& c : redriven.commands)
    if (c.kind == Command::Kind::kStartTimer) fresh = c;
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->fireAt, r.clock.now() + std::chrono::seconds(30));
  // The old timer is forgotten; the new one times the execution out again.
  r.exec->step(testing::timerFired(timer));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kRunning);
  r.exec->step(testing::timerFired(fresh->id));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kTimedOut);
}

TEST(RedriveTest, FailStateFailsAgain) {
  TestRun r(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}})", "{}");
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  StepResult redriven = r.exec->step(redriveInput());
  EXPECT_EQ(typesOf(redriven), (std::vector<std::string>{"ExecutionRedriven", "FailStateEntered", "ExecutionFailed"}));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(r.exec->error(), "E");
}

TEST(RedriveTest, SucceededOrRunningExecutionIsNotRedriven) {
  TestRun done(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})", "{}");
  size_t events = done.exec->history().size();
  EXPECT_TRUE(done.exec->step(redriveInput()).events.empty());
  EXPECT_EQ(done.exec->history().size(), events);
  EXPECT_EQ(done.exec->status(), ExecutionStatus::kSucceeded);

  TestRun running(
      fmt::format(R"({{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{}","End":true}}}}}})", kLambda), "{}");
  StepResult r = running.exec->step(redriveInput());
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.commands.empty());
}

}  // namespace
}  // namespace wharf::asl
