// JSONata-mode states: "{% %}" expressions in each field, $states, variables, error reporting,
// the fields each query language allows, and replayable $now/$random/$uuid.
#include "asl_harness.h"
#include "sfn/jsonata/asl_jsonata_evaluator.h"

namespace wharf::asl {
namespace {

using testing::J;
using testing::TestRun;

class JsonataModeTest : public ::testing::Test {
 protected:
  jsonata::AslJsonataEvaluator evaluator_;
  TestRun run(std::string_view definition, std::string_view input) { return TestRun(definition, input, &evaluator_); }
};

TEST_F(JsonataModeTest, OutputAndAssignSeeTheSameStatesAndVariables) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"x":"{% $states.input.n * 2 %}","y":1},
           "Output":{"n":"{% $states.input.n + 1 %}","lit":[true,"{% 'a' & 'b' %}"]},"Next":"B"},
      "B":{"Type":"Pass","Assign":{"x":"{% $x + 1 %}"},"Output":{"x":"{% $x %}","y":"{% $y %}","n":"{% $states.input.n %}"},
           "Next":"C"},
      "C":{"Type":"Succeed","Output":"{% $x %}"}}})",
               R"({"n":5})");
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  // B's Output reads x as it was before B's own Assign.
  EXPECT_EQ(r.detail("PassStateExited", "output"), J(R"({"x":10,"y":1,"n":6})"));
  EXPECT_EQ(r.exec->output(), J("11"));
  EXPECT_EQ(r.last("PassStateExited").detailsJson().at("assignedVariables").at("x"), "11");
}

TEST_F(JsonataModeTest, TaskArgumentsResultAndTimeoutExpressions) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":"{% $states.input.t %}",
      "HeartbeatSeconds":"{% 2 %}",
      "Arguments":{"FunctionName":"f","Payload":{"id":"{% $states.input.id %}","state":"{% $states.context.State.Name %}"}},
      "Output":{"r":"{% $states.result.Payload %}","in":"{% $states.input.id %}"},"End":true}}})",
               R"({"id":"x1","t":30})");
  ASSERT_EQ(r.first.commands.size(), 3u);
  const Command* task = nullptr;
  for (const auto& c : r.first.commands)
    if (c.kind == Command::Kind::kScheduleTask) task = &c;
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->task.parameters, J(R"({"FunctionName":"f","Payload":{"id":"x1","state":"T"}})"));
  EXPECT_EQ(task->task.timeoutSeconds, 30);
  EXPECT_EQ(task->task.heartbeatSeconds, 2);
  r.exec->step(testing::taskSucceeded(task->task.taskId, J(R"({"Payload":{"ok":true}})")));
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"({"r":{"ok":true},"in":"x1"})"));
}

TEST_F(JsonataModeTest, ChoiceConditionsAndRuleOutput) {
  const char* def = R"({"QueryLanguage":"JSONata","StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[
          {"Condition":"{% $states.input.v > 10 %}","Next":"Big","Output":{"size":"big"},"Assign":{"seen":true}},
          {"Condition":false,"Next":"Big"}],
       "Default":"Small","Output":"{% $states.input.v %}"},
      "Big":{"Type":"Succeed","Output":{"size":"{% $states.input.size %}","seen":"{% $seen %}"}},
      "Small":{"Type":"Succeed"}}})";
  auto big = run(def, R"({"v":11})");
  EXPECT_EQ(big.exec->output(), J(R"({"size":"big","seen":true})"));
  auto small = run(def, R"({"v":3})");
  EXPECT_EQ(small.exec->output(), J("3"));
  auto bad = run(def, R"({"v":"x"})");
  EXPECT_EQ(bad.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(bad.exec->error(), "States.QueryEvaluationError");
}

TEST_F(JsonataModeTest, MapItemsItemSelectorAndConcurrencyExpressions) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
      "Items":"{% $states.input.xs %}","MaxConcurrency":"{% 1 %}",
      "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}",
                      "k":"{% $states.input.k %}"},
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.v * $states.input.k + $states.input.i %}","End":true}}},
      "Output":"{% $sum($states.result) %}","End":true}}})",
               R"({"xs":[1,2,3],"k":10})");
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J("63"));
}

TEST_F(JsonataModeTest, MapItemsMustBeAnArray) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% 'no' %}",
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
               "{}");
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(*r.exec->cause(),
            "An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression "
            "''no'' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was "
            "'string' for value: \"no\"");
  EXPECT_EQ(r.types(), (std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "EvaluationFailed",
                                                 "MapStateFailed", "ExecutionFailed"}));
}

TEST_F(JsonataModeTest, UndefinedResultFailsWithEvaluationFailedEvent) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Output":{"result":"{% $nope %}"},"End":true}}})",
               "{}");
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(*r.exec->error(), "States.QueryEvaluationError");
  EXPECT_EQ(*r.exec->cause(),
            "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression "
            "'$nope' specified for the field 'Output/result' returned nothing (undefined).");
  const HistoryEvent& e = r.last("EvaluationFailed");
  EXPECT_EQ(e.detailsJson().at("location"), "Output/result");
  EXPECT_EQ(e.detailsJson().at("state"), "A");
  EXPECT_EQ(e.previousEventId, 0);
}

TEST_F(JsonataModeTest, EvaluationErrorsCarryTheJsonataCode) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Output":"{% $notAFunction(1) %}","End":true}}})",
               "{}");
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_NE(r.exec->cause()->find("threw an error during evaluation. T1006: Attempted to invoke a non-function"),
            std::string::npos)
      << *r.exec->cause();
}

TEST_F(JsonataModeTest, CatchSeesErrorOutputAndAssigns) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},
           "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err":"{% $states.errorOutput.Error %}"},
                     "Output":{"e":"{% $states.errorOutput %}","in":"{% $states.input %}"},"Next":"F"}],"End":true},
      "F":{"Type":"Pass","Output":{"caught":"{% $err %}","was":"{% $states.input.e.Cause %}"},"End":true}}})",
               R"({"a":1})");
  r.exec->step(testing::taskFailed(r.first.commands[0].task.taskId, "Boom", "bad"));
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"({"caught":"Boom","was":"bad"})"));
  EXPECT_EQ(r.detail("TaskStateExited", "output"), J(R"({"e":{"Error":"Boom","Cause":"bad"},"in":{"a":1}})"));
}

TEST_F(JsonataModeTest, WaitSecondsAndTimestampExpressions) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"W","States":{
      "W":{"Type":"Wait","Seconds":"{% $states.input.s %}","Output":{"done":true},"End":true}}})",
               R"({"s":7})");
  ASSERT_EQ(r.first.commands.size(), 1u);
  EXPECT_EQ(r.first.commands[0].fireAt, r.clock.now() + std::chrono::seconds(7));
  r.exec->step(testing::timerFired(r.first.commands[0].id));
  EXPECT_EQ(r.exec->output(), J(R"({"done":true})"));

  auto bad = run(R"({"QueryLanguage":"JSONata","StartAt":"W","States":{
      "W":{"Type":"Wait","Timestamp":"{% $states.input.t %}","End":true}}})",
                 R"({"t":"2016-12-05 21:29:29Z"})");
  ASSERT_EQ(bad.exec->status(), ExecutionStatus::kFailed);
  EXPECT_NE(bad.exec->cause()->find("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                                    "format string: 2016-12-05 21:29:29Z"),
            std::string::npos);
  EXPECT_EQ(bad.last("EvaluationFailed").previousEventId, 2);
}

TEST_F(JsonataModeTest, FailErrorAndCauseExpressions) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"F","States":{
      "F":{"Type":"Fail","Error":"{% $states.input.e %}","Cause":"{% 'c-' & $states.input.e %}"}}})",
               R"({"e":"Oops"})");
  EXPECT_EQ(r.exec->error(), "Oops");
  EXPECT_EQ(r.exec->cause(), "c-Oops");
}

TEST_F(JsonataModeTest, MixedLanguagesShareVariables) {
  auto r = run(R"({"StartAt":"P","States":{
      "P":{"Type":"Pass","Assign":{"v":42},"Next":"A"},
      "A":{"QueryLanguage":"JSONata","Type":"Pass","Output":{"v":"{% $v %}"},"Assign":{"w":"{% $v + 1 %}"},"Next":"B"},
      "B":{"Type":"Pass","Parameters":{"v.$":"$.v","w.$":"$w"},"End":true}}})",
               "{}");
  EXPECT_EQ(r.exec->output(), J(R"({"v":42,"w":43})"));
}

TEST_F(JsonataModeTest, TimeAndRandomnessComeFromTheExecutionsClockAndIds) {
  const char* def = R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass",
      "Output":{"now":"{% $now() %}","millis":"{% $millis() %}","uuid":"{% $uuid() %}","r":"{% $random() %}"},
      "End":true}}})";
  auto a = run(def, "{}");
  auto b = run(def, "{}");
  ASSERT_EQ(a.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(a.exec->output().at("now"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(a.exec->output().at("millis"), J("1700000000000"));
  // Same clock and id sequence: a replay gives the same values.
  EXPECT_EQ(a.exec->output(), b.exec->output());
}

TEST_F(JsonataModeTest, WithoutAnEvaluatorJsonataStatesFailWithRuntimeError) {
  TestRun r(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% 1 %}","End":true}}})",
            "{}");
  EXPECT_EQ(r.exec->error(), "States.Runtime");
}

bool hasMessage(const std::vector<Diagnostic>& d, std::string_view message, std::string_view location) {
  for (const auto& x : d)
    if (x.message == message && x.location == location) return true;
  return false;
}

TEST(JsonataValidationTest, FieldsOfTheOtherLanguageAreRejected) {
  auto d = validateDefinition(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","InputPath":"$.x","End":true}}})");
  EXPECT_TRUE(hasMessage(
      d,
      "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage",
      "/States/A"));
  d = validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Output":{},"End":true}}})");
  EXPECT_TRUE(hasMessage(
      d, "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
      "/States/A"));
  d = validateDefinition(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}})");
  EXPECT_TRUE(
      hasMessage(d, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", "/States/A"));
  d = validateDefinition(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":true,"Next":"S"}]},
      "S":{"Type":"Succeed"}}})");
  EXPECT_FALSE(d.empty());
  EXPECT_TRUE(validateDefinition(R"({"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
      "Items":[1],"MaxConcurrency":"{% 2 %}","ToleratedFailurePercentage":"{% 5 %}",
      "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}"},
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})")
                  .empty());
}

}  // namespace
}  // namespace wharf::asl
