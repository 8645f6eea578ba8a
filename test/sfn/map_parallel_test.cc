// Map and Parallel: results, iteration events, failures, tolerated failures and variable scoping.
#include "asl_harness.h"

namespace wharf::asl {
namespace {

using testing::J;
using testing::TestRun;

TEST(MapParallelTest, InlineMapAndParallelResults) {
  TestRun r(
      R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"Next":"P"},
            "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}})",
      "[1,2]");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J("[[1,2]]"));
  EXPECT_EQ(r.last("MapStateStarted").detailsJson().at("length"), 2);
  EXPECT_EQ(r.last("MapIterationSucceeded").detailsJson().at("index"), 1);
}

TEST(MapParallelTest, ItemSelectorSeesMapContext) {
  TestRun r(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"i.$":"$$.Map.Item.Index",
            "v.$":"$$.Map.Item.Value","k.$":"$.k"},"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
            "End":true}}})",
            R"({"xs":["a","b"],"k":0})");
  EXPECT_EQ(r.exec->output(), J(R"([{"i":0,"v":"a","k":0},{"i":1,"v":"b","k":0}])"));
}

// The context object is built once per execution and refreshed per state: each iteration and the
// state after the Map see their own State and Map fields, in AWS's key order.
TEST(MapParallelTest, ContextObjectIsPerState) {
  TestRun r(R"j({"StartAt":"M","States":{"M":{"Type":"Map","ItemSelector":{"v.$":"$$.Map.Item.Value"},
            "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"s.$":"$$.State.Name",
            "i.$":"$$.Map.Item.Index","v.$":"$.v","in.$":"$$.Execution.Input"},"End":true}}},"Next":"After"},
            "After":{"Type":"Pass","Parameters":{"items.$":"$","s.$":"$$.State.Name",
            "ctx.$":"States.JsonToString($$)"},"End":true}}})j",
            "[7,8]");
  ASSERT_EQ(r.exec->status(), ExecutionStatus::kSucceeded) << r.exec->cause().value_or("");
  const auto& out = r.exec->output();
  EXPECT_EQ(out.at("items"), J(R"([{"s":"I","i":0,"v":7,"in":[7,8]},{"s":"I","i":1,"v":8,"in":[7,8]}])"));
  EXPECT_EQ(out.at("s"), "After");
  std::string ctx(out.at("ctx").as_string());
  EXPECT_EQ(ctx.find(R"({"Execution":{"Id":)"), 0u) << ctx;
  EXPECT_NE(ctx.find(R"(,"StateMachine":{"Id":)"), std::string::npos) << ctx;
  EXPECT_NE(ctx.find(R"(,"State":{"Name":"After","EnteredTime":)"), std::string::npos) << ctx;
  EXPECT_EQ(ctx.find(R"("Map")"), std::string::npos) << ctx;
}

TEST(MapParallelTest, FailingIterationFailsTheMap) {
  TestRun r(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail",
            "Error":"Bad"}}},"End":true}}})",
            "[1]");
  EXPECT_EQ(r.exec->error(), "Bad");
  EXPECT_EQ(r.types()[r.types().size() - 2], "MapStateFailed");
}

TEST(MapParallelTest, ToleratedFailureCountFromNumericText) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"n":"1"},"Next":"M"},"M":{"Type":"Map",
            "ToleratedFailureCountPath":"$n","ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
            {"Variable":"$","NumericEquals":1,"Next":"F"}],"Default":"S"},"F":{"Type":"Fail","Error":"E"},
            "S":{"Type":"Succeed"}}},"End":true}}})",
            "[0,1,2]");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
}

TEST(MapParallelTest, ParallelBranchTaskFailureIsAborted) {
  TestRun r(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task",
            "Resource":"arn:aws:states:::lambda:invoke","End":true}}}],"End":true}}})",
            "{}");
  r.exec->step(testing::taskFailed(r.first.commands[0].task.taskId, "Boom"));
  auto t = r.types();
  ASSERT_GE(t.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(t.end() - 4, t.end()),
            (std::vector<std::string>{"TaskFailed", "TaskStateAborted", "ParallelStateFailed", "ExecutionFailed"}));
  EXPECT_EQ(r.exec->error(), "Boom");
}

TEST(MapParallelTest, BranchesSeeOuterVariablesButDoNotLeakAssignments) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Next":"P"},
            "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"inner":2},
            "Parameters":{"seen.$":"$x"},"End":true}}}],"Next":"Q"},
            "Q":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}})",
            "{}");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"({"x":1})"));
  TestRun leak(
      R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass",
               "Assign":{"inner":2},"End":true}}}],"Next":"Q"},"Q":{"Type":"Pass","Parameters":{"v.$":"$inner"},"End":true}}})",
      "{}");
  EXPECT_EQ(leak.exec->status(), ExecutionStatus::kFailed);
}

TEST(MapParallelTest, DistributedItemReaderConfigIsChecked) {
  TestRun r(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
            "ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["a","a"]},
            "Parameters":{"Bucket":"b","Key":"k"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED",
            "ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})",
            "{}");
  EXPECT_EQ(r.exec->error(), "States.ItemReaderFailed");
  EXPECT_EQ(r.exec->cause(), "CSV headers cannot contain duplicates.");
  EXPECT_EQ(r.last("MapRunFailed").detailsJson().at("error"), "States.ItemReaderFailed");
}

}  // namespace
}  // namespace wharf::asl
