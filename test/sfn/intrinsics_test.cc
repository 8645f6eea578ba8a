// The States.* intrinsic functions: results and AWS's argument checks.
#include "asl_harness.h"
#include "sfn/asl/intrinsic_function.h"

namespace wharf::asl {
namespace {

using testing::J;

Result<boost::json::value> call(std::string_view text, std::string_view input = "{}") {
  auto fn = IntrinsicFunction::parse(text);
  EXPECT_TRUE(fn.has_value()) << text << ": " << (fn ? "" : fn.error().message);
  if (!fn) return std::unexpected(fn.error());
  auto ids = makeSequentialIdGenerator(1);
  boost::json::value in = J(input), ctx = J(R"({"Execution":{"Name":"run"}})");
  boost::json::object vars{{"v", 3}};
  EvalScope scope{&in, &ctx, &vars, ids.get()};
  return fn->evaluate(scope);
}

boost::json::value ok(std::string_view text, std::string_view input = "{}") {
  auto v = call(text, input);
  EXPECT_TRUE(v.has_value()) << text << ": " << (v ? "" : v.error().message);
  return v ? *v : boost::json::value();
}

TEST(IntrinsicTest, StringFunctions) {
  EXPECT_EQ(ok("States.Format('a {} b {}', $.x, 'y')", R"({"x":1})"), J(R"("a 1 b y")"));
  EXPECT_EQ(ok("States.Format('{}', $$.Execution.Name)"), J(R"("run")"));
  EXPECT_EQ(ok("States.StringSplit('a,,b', ',')"), J(R"(["a","b"])"));
  EXPECT_EQ(ok("States.JsonToString(States.StringToJson('{\"a\":[1]}'))"), J(R"("{\"a\":[1]}")"));
  EXPECT_EQ(ok("States.Base64Decode(States.Base64Encode('hi'))"), J(R"("hi")"));
  EXPECT_EQ(ok("States.Base64Encode('Data to encode')"), J(R"("RGF0YSB0byBlbmNvZGU=")"));
  EXPECT_EQ(ok("States.Hash('input data', 'SHA-1')"), J(R"("aaff4a450a104cd177d28d18d74485e8cae074b7")"));
}

TEST(IntrinsicTest, ArrayFunctions) {
  EXPECT_EQ(ok("States.Array(1, 'a', $.x)", R"({"x":[true]})"), J(R"([1,"a",[true]])"));
  EXPECT_EQ(ok("States.ArrayPartition(States.Array(1,2,3), 2)"), J("[[1,2],[3]]"));
  EXPECT_EQ(ok("States.ArrayContains(States.Array(1,2), 2)"), J("true"));
  EXPECT_EQ(ok("States.ArrayRange(1, 9, 2)"), J("[1,3,5,7,9]"));
  EXPECT_EQ(ok("States.ArrayGetItem(States.Array(5,6), 1)"), J("6"));
  EXPECT_EQ(ok("States.ArrayLength($.a)", R"({"a":[1,2,3]})"), J("3"));
  EXPECT_EQ(ok("States.ArrayUnique(States.Array(1,1,2))"), J("[1,2]"));
}

TEST(IntrinsicTest, MathJsonAndVariables) {
  EXPECT_EQ(ok("States.MathAdd(1.5, 1.51)"), J("4"));
  EXPECT_EQ(ok("States.MathAdd($v, -1)"), J("2"));
  EXPECT_EQ(ok("States.JsonMerge($.a, $.b, false)", R"({"a":{"x":1,"y":{"p":1}},"b":{"y":{"q":2}}})"),
            J(R"({"x":1,"y":{"q":2}})"));
  auto r = ok("States.MathRandom(1, 10)");
  ASSERT_TRUE(r.is_int64());
  EXPECT_GE(r.get_int64(), 1);
  EXPECT_LT(r.get_int64(), 10);
  EXPECT_TRUE(ok("States.UUID()").is_string());
}

TEST(IntrinsicTest, ArgumentChecksFailWithIntrinsicFailure) {
  auto e = call("States.ArrayGetItem(States.Array(1), 5)");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().type, "States.IntrinsicFailure");
  EXPECT_EQ(call("States.ArrayLength($.s)", R"({"s":"x"})").error().type, "States.IntrinsicFailure");
  EXPECT_EQ(call("States.StringToJson('{')").error().type, "States.IntrinsicFailure");
  EXPECT_EQ(call("States.Hash('x', 'MD4')").error().type, "States.IntrinsicFailure");
}

TEST(IntrinsicTest, ParseErrors) {
  EXPECT_FALSE(IntrinsicFunction::parse("States.Nope(1)").has_value());
  EXPECT_FALSE(IntrinsicFunction::parse("States.ArrayLength()").has_value());
  EXPECT_FALSE(IntrinsicFunction::parse("States.Array(1").has_value());
  EXPECT_FALSE(IntrinsicFunction::parse("States.Format('{}' 1)").has_value());
  EXPECT_TRUE(IntrinsicFunction::looksLikeCall("States.UUID()"));
  EXPECT_FALSE(IntrinsicFunction::looksLikeCall("$.a"));
}

}  // namespace
}  // namespace wharf::asl
