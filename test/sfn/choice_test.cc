// Choice rules: comparisons, type tests, And/Or/Not, Default and States.NoChoiceMatched.
#include "asl_harness.h"

namespace wharf::asl {
namespace {

using testing::J;
using testing::TestRun;

// Runs a Choice with one rule; returns the name of the state reached ("Yes", "No" or "" on failure).
std::string route(std::string_view rule, std::string_view input) {
  std::string def = R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[)" + std::string(rule) +
                    R"(],"Default":"No"},"Yes":{"Type":"Succeed"},"No":{"Type":"Succeed"}}})";
  TestRun r(def, input);
  if (r.exec->status() != ExecutionStatus::kSucceeded) return "";
  return std::string(r.last("SucceedStateEntered").detailsJson().at("name").as_string());
}

TEST(ChoiceTest, Comparisons) {
  EXPECT_EQ(route(R"({"Variable":"$.n","NumericGreaterThan":1,"Next":"Yes"})", R"({"n":2})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.n","NumericGreaterThan":1,"Next":"Yes"})", R"({"n":1})"), "No");
  EXPECT_EQ(route(R"({"Variable":"$.n","NumericEquals":1,"Next":"Yes"})", R"({"n":1.0})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.s","StringEquals":"a","Next":"Yes"})", R"({"s":"a"})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.s","StringLessThan":"b","Next":"Yes"})", R"({"s":"a"})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.s","StringMatches":"log-*.txt","Next":"Yes"})", R"({"s":"log-1.txt"})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.b","BooleanEquals":false,"Next":"Yes"})", R"({"b":false})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.t","TimestampGreaterThan":"2020-01-01T00:00:00Z","Next":"Yes"})",
                  R"({"t":"2021-01-01T00:00:00Z"})"),
            "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.a","NumericEqualsPath":"$.b","Next":"Yes"})", R"({"a":3,"b":3})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.s","StringEquals":"a","Next":"Yes"})", R"({"s":1})"), "No");
}

TEST(ChoiceTest, TypeTests) {
  EXPECT_EQ(route(R"({"Variable":"$.x","IsPresent":false,"Next":"Yes"})", "{}"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.x","IsNull":true,"Next":"Yes"})", R"({"x":null})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.x","IsNumeric":true,"Next":"Yes"})", R"({"x":"1"})"), "No");
  EXPECT_EQ(route(R"({"Variable":"$.x","IsString":true,"Next":"Yes"})", R"({"x":"1"})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.x","IsBoolean":true,"Next":"Yes"})", R"({"x":true})"), "Yes");
  EXPECT_EQ(route(R"({"Variable":"$.x","IsTimestamp":true,"Next":"Yes"})", R"({"x":"2020-01-01T00:00:00Z"})"), "Yes");
}

TEST(ChoiceTest, BooleanCombinators) {
  std::string both = R"({"And":[{"Variable":"$.a","NumericGreaterThan":0},{"Not":{"Variable":"$.b",
                     "StringEquals":"x"}}],"Next":"Yes"})";
  EXPECT_EQ(route(both, R"({"a":1,"b":"y"})"), "Yes");
  EXPECT_EQ(route(both, R"({"a":1,"b":"x"})"), "No");
  std::string either = R"({"Or":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.a","NumericEquals":2}],
                       "Next":"Yes"})";
  EXPECT_EQ(route(either, R"({"a":2})"), "Yes");
}

TEST(ChoiceTest, NoMatchWithoutDefaultFails) {
  TestRun r(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,
            "Next":"S"}]},"S":{"Type":"Succeed"}}})",
            R"({"n":2})");
  EXPECT_EQ(r.exec->error(), "States.NoChoiceMatched");
}

TEST(ChoiceTest, MissingVariableIsARuntimeError) {
  EXPECT_EQ(route(R"({"Variable":"$.missing","NumericEquals":1,"Next":"Yes"})", "{}"), "");
}

}  // namespace
}  // namespace wharf::asl
