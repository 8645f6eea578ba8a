// Focused tests of the ASL interpreter: paths, intrinsics, definitions and the stepper.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/ids.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/execution.h"
#include "sfn/asl/intrinsic_function.h"
#include "sfn/asl/json_path.h"
#include "sfn/asl/json_text.h"

namespace wharf::asl {
namespace {

boost::json::value J(std::string_view text) { return *parseJsonText(text); }

Result<boost::json::value> evalPath(std::string_view path, std::string_view input) {
  auto p = JsonPath::parse(path);
  EXPECT_TRUE(p.has_value()) << path;
  return p->evaluate(J(input));
}

TEST(JsonPathTest, DefinitePathsAndJaywayMessages) {
  EXPECT_EQ(*evalPath("$.a.b", R"({"a":{"b":3}})"), J("3"));
  EXPECT_EQ(*evalPath("$.a[1]", R"({"a":[1,2]})"), J("2"));
  EXPECT_EQ(evalPath("$.x", "{}").error().message, "No results for path: $['x']");
  EXPECT_EQ(evalPath("$.x.y", "{}").error().message, "Missing property in path $['x']");
}

TEST(JsonPathTest, IndefinitePathsGiveArrays) {
  EXPECT_EQ(*evalPath("$.a[*].v", R"({"a":[{"v":1},{"v":2}]})"), J("[1,2]"));
  EXPECT_EQ(*evalPath("$.a[1:]", R"({"a":[1,2,3]})"), J("[2,3]"));
  EXPECT_EQ(*evalPath("$.a[?(@.v > 1)].v", R"({"a":[{"v":1},{"v":2}]})"), J("[2]"));
  EXPECT_EQ(*evalPath("$..v", R"({"a":[{"v":1}],"v":0})"), J("[0,1]"));
  EXPECT_EQ(*evalPath("$.missing[*]", "{}"), J("[]"));
}

TEST(JsonPathTest, RejectsMalformedPaths) {
  EXPECT_FALSE(JsonPath::parse("a.b").has_value());
  EXPECT_FALSE(JsonPath::parse("$.a[").has_value());
  EXPECT_FALSE(JsonPath::parse("$.a[1:2:0]").has_value());
}

boost::json::value callIntrinsic(std::string_view text, std::string_view input = "{}") {
  auto fn = IntrinsicFunction::parse(text);
  EXPECT_TRUE(fn.has_value()) << text;
  auto ids = makeSequentialIdGenerator(1);
  boost::json::value in = J(input), ctx = boost::json::object();
  boost::json::object vars;
  EvalScope scope{&in, &ctx, &vars, ids.get()};
  auto v = fn->evaluate(scope);
  EXPECT_TRUE(v.has_value()) << text << ": " << (v ? "" : v.error().message);
  return v ? *v : boost::json::value();
}

TEST(IntrinsicTest, Functions) {
  EXPECT_EQ(callIntrinsic("States.Format('a {} b {}', $.x, 'y')", R"({"x":1})"), J(R"("a 1 b y")"));
  EXPECT_EQ(callIntrinsic("States.ArrayPartition(States.Array(1,2,3), 2)"), J("[[1,2],[3]]"));
  EXPECT_EQ(callIntrinsic("States.ArrayRange(1, 9, 2)"), J("[1,3,5,7,9]"));
  EXPECT_EQ(callIntrinsic("States.ArrayUnique(States.Array(1,1,2))"), J("[1,2]"));
  EXPECT_EQ(callIntrinsic("States.Base64Decode(States.Base64Encode('hi'))"), J(R"("hi")"));
  EXPECT_EQ(callIntrinsic("States.Hash('input data', 'SHA-1')"), J(R"("aaff4a450a104cd177d28d18d74485e8cae074b7")"));
  EXPECT_EQ(callIntrinsic("States.MathAdd(1.5, 1.51)"), J("4"));
  EXPECT_EQ(callIntrinsic("States.StringSplit('a,,b', ',')"), J(R"(["a","b"])"));
  EXPECT_EQ(callIntrinsic("States.JsonToString(States.StringToJson('{\"a\":[1]}'))"), J(R"("{\"a\":[1]}")"));
}

TEST(IntrinsicTest, ParseErrors) {
  EXPECT_FALSE(IntrinsicFunction::parse("States.Nope(1)").has_value());
  EXPECT_FALSE(IntrinsicFunction::parse("States.ArrayLength()").has_value());
  EXPECT_FALSE(IntrinsicFunction::parse("States.Array(1").has_value());
}

TEST(DefinitionTest, Diagnostics) {
  auto d = validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"C":{"Type":"Succeed"}}})");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].code, "MISSING_TRANSITION_TARGET");
  EXPECT_EQ(d[0].location, "/States/A/Next");
  EXPECT_EQ(d[1].message, "State \"C\" is not reachable.");
  EXPECT_FALSE(validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass"}}})").empty());
  EXPECT_FALSE(
      validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"InputPath":"x"}}})").empty());
  EXPECT_FALSE(validateDefinition("{").empty());
}

StepInput timerFired(std::string id) {
  StepInput in;
  in.kind = StepInput::Kind::kTimerFired;
  in.id = std::move(id);
  return in;
}

StepInput taskFailed(std::string id, std::string error) {
  StepInput in;
  in.kind = StepInput::Kind::kTaskFailed;
  in.id = std::move(id);
  in.error = std::move(error);
  return in;
}

struct TestRun {
  ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<IdGenerator> ids = makeSequentialIdGenerator(3);
  std::unique_ptr<Execution> exec;
  StepResult first;
  TestRun(std::string_view definition, std::string_view input) {
    auto def = parseDefinition(definition);
    EXPECT_TRUE(def.has_value()) << (def ? "" : def.error().message);
    exec = std::make_unique<Execution>(*def, ExecutionInfo{}, clock, *ids);
    first = exec->start(J(input));
  }
};

TEST(ExecutionTest, PassChainWithPaths) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"v":1},"ResultPath":"$.r","Next":"B"},
            "B":{"Type":"Pass","Parameters":{"x.$":"$.r.v"},"OutputPath":"$.x","End":true}}})",
            "{}");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J("1"));
  ASSERT_EQ(r.first.events.size(), 6u);
  EXPECT_EQ(r.first.events[1].type, "PassStateEntered");
  EXPECT_EQ(r.first.events[1].previousEventId, 0);
  EXPECT_EQ(r.first.events[2].previousEventId, 2);
}

TEST(ExecutionTest, WaitUsesTimerCommand) {
  TestRun r(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})", "{}");
  ASSERT_EQ(r.first.commands.size(), 1u);
  EXPECT_EQ(r.first.commands[0].kind, Command::Kind::kStartTimer);
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kRunning);
  r.clock.advance(std::chrono::seconds(10));
  r.exec->step(timerFired(r.first.commands[0].id));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
}

TEST(ExecutionTest, TaskRetryThenCatch) {
  TestRun r(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["E"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"P"}],"End":true},
            "P":{"Type":"Pass","End":true}}})",
            "{}");
  ASSERT_EQ(r.first.commands.size(), 1u);
  std::string task = r.first.commands[0].task.taskId;
  EXPECT_EQ(r.first.commands[0].task.resourceType, "lambda");
  auto s = r.exec->step(taskFailed(task, "E"));
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(s.commands[0].kind, Command::Kind::kStartTimer);
  s = r.exec->step(timerFired(s.commands[0].id));
  ASSERT_EQ(s.commands.size(), 1u);
  r.exec->step(taskFailed(s.commands[0].task.taskId, "E"));
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"({"Error":"E"})"));
}

TEST(ExecutionTest, ChoiceAndFail) {
  std::string def =
      R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Big"}],
            "Default":"F"},"Big":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"Small","Cause":"n<=1"}}})";
  TestRun big(def, R"({"n":2})");
  EXPECT_EQ(big.exec->status(), ExecutionStatus::kSucceeded);
  TestRun small(def, R"({"n":0})");
  EXPECT_EQ(small.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(small.exec->error(), "Small");
}

TEST(ExecutionTest, MapAndParallel) {
  TestRun r(
      R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"Next":"P"},
            "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}})",
      "[1,2]");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J("[[1,2]]"));
}

TEST(ExecutionTest, RuntimeErrorIsNotCaught) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.nope","End":true}}})", "{}");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(r.exec->error(), "States.Runtime");
  EXPECT_EQ(r.exec->cause(),
            "An error occurred while executing the state 'A' (entered at the event id #2). Invalid path '$.nope' : No "
            "results for path: $['nope']");
}

}  // namespace
}  // namespace wharf::asl
