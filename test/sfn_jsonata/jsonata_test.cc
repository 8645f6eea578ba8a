// Unit tests of the JSONata engine's public API: results, errors, guards, the AWS functions and
// the adapter behind the ASL interpreter's JsonataEvaluator seam.
#include "sfn/jsonata/jsonata.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "sfn/jsonata/asl_jsonata_evaluator.h"

namespace wharf::jsonata {
namespace {

namespace json = boost::json;

std::optional<json::value> eval(std::string_view expr, const json::value& input = nullptr,
                                const json::object& bindings = {}) {
  auto compiled = Expression::compile(expr);
  EXPECT_TRUE(compiled.has_value()) << expr;
  if (!compiled) return std::nullopt;
  auto result = compiled->evaluate(&input, bindings);
  EXPECT_TRUE(result.has_value()) << expr << ": " << (result ? "" : result.error().code + " " + result.error().message);
  return result ? *result : std::nullopt;
}

std::string errorCode(std::string_view expr, const json::value& input = nullptr, const Limits& limits = {}) {
  auto compiled = Expression::compile(expr);
  if (!compiled) return compiled.error().code;
  auto result = compiled->evaluate(&input, {}, limits);
  return result ? "" : result.error().code;
}

TEST(JsonataTest, PathsFlattenAndKeepSingletons) {
  json::value doc = json::parse(R"({"a":[{"b":1},{"b":[2,3]},{"c":4}]})");
  EXPECT_EQ(eval("a.b", doc), json::parse("[1,2,3]"));
  EXPECT_EQ(eval("a[0].b", doc), json::value(1));
  EXPECT_EQ(eval("a[0].b[]", doc), json::parse("[1]"));
  EXPECT_EQ(eval("a.x", doc), std::nullopt);
}

TEST(JsonataTest, GroupingSortingAndBindings) {
  json::value doc = json::parse(R"([{"k":"x","v":2},{"k":"y","v":1},{"k":"x","v":3}])");
  EXPECT_EQ(eval("$${k: $sum(v)}", doc), json::parse(R"({"x":5,"y":1})"));
  EXPECT_EQ(eval("$^(>v).v", doc), json::parse("[3,2,1]"));
  EXPECT_EQ(eval("$#$i[$i > 0].v", doc), json::parse("[1,3]"));
  EXPECT_EQ(eval("$limit * 2", nullptr, {{"limit", 21}}), json::value(42));
}

TEST(JsonataTest, NumbersFormatLikeJavaScript) {
  EXPECT_EQ(eval("0.1 + 0.2"), json::value(0.30000000000000004));
  EXPECT_EQ(eval("$string(0.1 + 0.2)"), json::value("0.3"));  // $string rounds to 15 significant digits
  EXPECT_EQ(eval("$string(1e21)"), json::value("1e+21"));
  EXPECT_EQ(eval("$string(0.0000001)"), json::value("1e-7"));
  EXPECT_EQ(eval("$string(123456789012)"), json::value("123456789012"));
  EXPECT_EQ(eval("$formatNumber(1234.5, '#,##0.00')"), json::value("1,234.50"));
}

TEST(JsonataTest, StringsCountCodePointsAndRegexesUseUtf16Positions) {
  EXPECT_EQ(eval("$length('h\u00e9llo')"), json::value(5));
  EXPECT_EQ(eval("$match('\U0001F600ab', /b/).index"), json::value(3));
  EXPECT_EQ(eval("$replace('a1b22', /\\d+/, '#')"), json::value("a#b#"));
}

TEST(JsonataTest, ErrorsCarryCodeAndPosition) {
  auto compiled = Expression::compile("1 + 'a'");
  ASSERT_TRUE(compiled);
  auto result = compiled->evaluate(nullptr);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "T2002");
  EXPECT_GE(result.error().position, 0);
  auto syntax = Expression::compile("(1 + ");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code, "S0203");
}

TEST(JsonataTest, GuardsStopRunawayExpressions) {
  EXPECT_EQ(errorCode("($f := function($x){ $f($x + 1) + 1 }; $f(0))"), "U1001");
  Limits quick;
  quick.timeout = std::chrono::milliseconds(50);
  EXPECT_EQ(errorCode("($f := function($x){ $f($x) }; $f(0))", nullptr, quick), "U1001");
}

TEST(JsonataTest, StepFunctionsAdditions) {
  EXPECT_EQ(eval("$partition([1,2,3,4,5], 2)"), json::parse("[[1,2],[3,4],[5]]"));
  EXPECT_EQ(eval("$range(0, 10, 5)"), json::parse("[0,5,10]"));
  EXPECT_EQ(eval("$range(3, 1, -1)"), json::parse("[3,2,1]"));
  EXPECT_EQ(eval("$hash('abc', 'SHA-256')"),
            json::value("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(eval("$hash('abc', 'MD5')"), json::value("900150983cd24fb0d6963f7d28e17f72"));
  EXPECT_EQ(eval("$random(7) = $random(7)"), json::value(true));
  auto r = eval("$random()");
  ASSERT_TRUE(r && r->is_double());
  EXPECT_GE(r->as_double(), 0.0);
  EXPECT_LT(r->as_double(), 1.0);
  auto uuid = eval("$uuid()");
  ASSERT_TRUE(uuid && uuid->is_string());
  EXPECT_TRUE(std::regex_match(std::string(uuid->as_string()),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(eval("$parse('{\"a\":[1,2]}').a[1]"), json::value(2));
  EXPECT_EQ(errorCode("$eval('1')"), "T1006");
}

TEST(JsonataTest, DatesFormatAndParse) {
  EXPECT_EQ(eval("$fromMillis(1510067557121)"), json::value("2017-11-07T15:12:37.121Z"));
  EXPECT_EQ(eval("$toMillis('2017-11-07T15:12:37.121Z')"), json::value(1510067557121));
  EXPECT_EQ(eval("$fromMillis(0, '[FNn], [D1o] [MNn] [Y]')"), json::value("Thursday, 1st January 1970"));
}

TEST(AslJsonataEvaluatorTest, CompilesEvaluatesAndReportsQueryErrors) {
  AslJsonataEvaluator evaluator;
  auto bad = evaluator.compile("$states.input.(");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().type, "States.QueryEvaluationError");

  auto expr = evaluator.compile("$states.input.items[price > 10].name");
  ASSERT_TRUE(expr);
  json::object bindings{
      {"states", json::parse(R"({"input":{"items":[{"name":"a","price":5},{"name":"b","price":20}]}})")}};
  asl::JsonataEnvironment env;
  auto value = (*expr)->evaluate(bindings, env);
  ASSERT_TRUE(value && *value);
  EXPECT_EQ(**value, json::value("b"));

  auto missing = (*expr)->evaluate(json::object{{"states", json::object{}}}, env);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);

  auto failing = evaluator.compile("$states.input + 1");
  ASSERT_TRUE(failing);
  auto err = (*failing)->evaluate(json::object{{"states", json::object{{"input", "x"}}}}, env);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().type, "States.QueryEvaluationError");
  EXPECT_NE(err.error().message.find("T2001"), std::string::npos);
}

}  // namespace
}  // namespace wharf::jsonata
