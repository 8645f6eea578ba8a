// JSONPath parsing and evaluation, and the path fields of states (InputPath, Parameters,
// ResultSelector, ResultPath, OutputPath, context object).
#include "asl_harness.h"
#include "sfn/asl/json_path.h"

namespace wharf::asl {
namespace {

using testing::J;
using testing::TestRun;

Result<boost::json::value> evalPath(std::string_view path, std::string_view input) {
  auto p = JsonPath::parse(path);
  EXPECT_TRUE(p.has_value()) << path;
  return p->evaluate(J(input));
}

TEST(JsonPathTest, DefinitePathsAndJaywayMessages) {
  EXPECT_EQ(*evalPath("$.a.b", R"({"a":{"b":3}})"), J("3"));
  EXPECT_EQ(*evalPath("$.a[1]", R"({"a":[1,2]})"), J("2"));
  EXPECT_EQ(*evalPath("$['k y']", R"({"k y":4})"), J("4"));
  EXPECT_EQ(evalPath("$.x", "{}").error().message, "No results for path: $['x']");
  EXPECT_EQ(evalPath("$.x.y", "{}").error().message, "Missing property in path $['x']");
}

TEST(JsonPathTest, BackslashEscapesOnlyTheQuote) {
  EXPECT_EQ(*evalPath(R"($['a\'b'])", R"({"a'b":1})"), J("1"));
  EXPECT_EQ(*evalPath(R"($['Test\""Name"'])", R"({"Test\\\"\"Name\"":2})"), J("2"));
}

TEST(JsonPathTest, IndefinitePathsGiveArrays) {
  EXPECT_EQ(*evalPath("$.a[*].v", R"({"a":[{"v":1},{"v":2}]})"), J("[1,2]"));
  EXPECT_EQ(*evalPath("$.a[1:]", R"({"a":[1,2,3]})"), J("[2,3]"));
  EXPECT_EQ(*evalPath("$.a[-1:]", R"({"a":[1,2,3]})"), J("[3]"));
  EXPECT_EQ(*evalPath("$.a[0,2]", R"({"a":[1,2,3]})"), J("[1,3]"));
  EXPECT_EQ(*evalPath("$.a[?(@.v > 1)].v", R"({"a":[{"v":1},{"v":2}]})"), J("[2]"));
  EXPECT_EQ(*evalPath("$..v", R"({"a":[{"v":1}],"v":0})"), J("[0,1]"));
  EXPECT_EQ(*evalPath("$.missing[*]", "{}"), J("[]"));
}

TEST(JsonPathTest, RejectsMalformedPaths) {
  EXPECT_FALSE(JsonPath::parse("a.b").has_value());
  EXPECT_FALSE(JsonPath::parse("$.a[").has_value());
  EXPECT_FALSE(JsonPath::parse("$.a[1:2:0]").has_value());
  EXPECT_FALSE(JsonPath::parse("$['unterminated").has_value());
}

TEST(JsonPathTest, AssignCreatesObjects) {
  auto p = JsonPath::parse("$.a.b");
  boost::json::value target = J(R"({"x":1})");
  ASSERT_TRUE(p->assign(target, J("2")).has_value());
  EXPECT_EQ(target, J(R"({"x":1,"a":{"b":2}})"));
  EXPECT_FALSE(JsonPath::parse("$.a[*]")->isAssignable());
}

TEST(PathFieldsTest, InputParametersResultSelectorResultPathOutputPath) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.in","Parameters":{"v.$":"$.x","k":"lit"},
            "ResultPath":"$.out","OutputPath":"$.out","End":true}}})",
            R"({"in":{"x":7}})");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(r.exec->output(), J(R"({"v":7,"k":"lit"})"));
  EXPECT_EQ(r.detail("PassStateEntered", "input"), J(R"({"in":{"x":7}})"));
}

TEST(PathFieldsTest, NullPathsDiscardOrEmpty) {
  TestRun discard(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":null,"End":true}}})",
                  R"({"keep":true})");
  EXPECT_EQ(discard.exec->output(), J(R"({"keep":true})"));
  TestRun empty(R"({"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":null,"End":true}}})", R"({"x":1})");
  EXPECT_EQ(empty.exec->output(), J("{}"));
  TestRun out(R"({"StartAt":"A","States":{"A":{"Type":"Pass","OutputPath":null,"End":true}}})", R"({"x":1})");
  EXPECT_EQ(out.exec->output(), J("{}"));
}

TEST(PathFieldsTest, ResultPathOnNonObjectInputFails) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.r","End":true}}})", "[1]");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(r.exec->error(), "States.Runtime");
}

TEST(PathFieldsTest, ContextObject) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"name.$":"$$.State.Name",
            "exec.$":"$$.Execution.Name","sm.$":"$$.StateMachine.Id","input.$":"$$.Execution.Input.x"},"End":true}}})",
            R"({"x":5})");
  EXPECT_EQ(r.exec->output(),
            J(R"({"name":"A","exec":"run","sm":"arn:aws:states:us-east-1:111111111111:stateMachine:sm","input":5})"));
}

TEST(PathFieldsTest, MissingParameterPathIsARuntimeError) {
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$.nope"},"End":true}}})", "{}");
  EXPECT_EQ(r.exec->error(), "States.Runtime");
  EXPECT_EQ(r.exec->cause(),
            "An error occurred while executing the state 'A' (entered at the event id #2). The JSONPath '$.nope' "
            "specified for the field 'v.$' could not be found in the input '{}'");
}

TEST(PathFieldsTest, PayloadOverLimitFailsWithDataLimitExceeded) {
  std::string big(300 * 1024, 'x');
  TestRun r(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}})",
            "{\"s\":\"" + big.substr(0, 200 * 1024) + "\"}");
  EXPECT_EQ(r.exec->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(r.exec->error(), "States.DataLimitExceeded");
}

}  // namespace
}  // namespace wharf::asl
