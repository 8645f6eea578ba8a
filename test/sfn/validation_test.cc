// Definition validation: the diagnostics ValidateStateMachineDefinition reports.
#include "asl_harness.h"

namespace wharf::asl {
namespace {

bool hasCode(const std::vector<Diagnostic>& d, std::string_view code, std::string_view location) {
  for (const auto& x : d)
    if (x.code == code && x.location == location) return true;
  return false;
}

TEST(ValidationTest, TransitionsAndReachability) {
  auto d = validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"C":{"Type":"Succeed"}}})");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].code, "MISSING_TRANSITION_TARGET");
  EXPECT_EQ(d[0].location, "/States/A/Next");
  EXPECT_EQ(d[0].message, "Missing 'Next' target: B");
  EXPECT_EQ(d[1].message, "State \"C\" is not reachable.");
}

// Every transition is resolved to its target state when the definition is parsed, in branches and
// item processors too; the state names are kept quoted as JSON for the history events.
TEST(ValidationTest, TransitionsAreResolvedAtParseTime) {
  auto def = parseDefinition(R"({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"P"}],"Default":"T"},
    "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],
         "Next":"P"},
    "P":{"Type":"Parallel","Branches":[{"StartAt":"B\"1","States":{"B\"1":{"Type":"Succeed"}}}],"End":true},
    "F":{"Type":"Fail"}}})");
  ASSERT_TRUE(def) << def.error().message;
  const StateMachine& m = **def;
  const State* c = m.find("C");
  EXPECT_EQ(m.start, c);
  EXPECT_EQ(c->choices[0].nextState, m.find("P"));
  EXPECT_EQ(c->defaultState, m.find("T"));
  EXPECT_EQ(c->nextState, nullptr);
  EXPECT_EQ(m.find("T")->nextState, m.find("P"));
  EXPECT_EQ(m.find("T")->catches[0].nextState, m.find("F"));
  EXPECT_EQ(m.find("P")->nextState, nullptr);
  const StateMachine& branch = *m.find("P")->branches[0];
  EXPECT_EQ(branch.start, branch.find("B\"1"));
  EXPECT_EQ(branch.start->nameJson, R"("B\"1")");
}

TEST(ValidationTest, SchemaErrors) {
  EXPECT_FALSE(validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass"}}})").empty());
  EXPECT_FALSE(
      validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"InputPath":"x"}}})").empty());
  EXPECT_FALSE(validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Nope","End":true}}})").empty());
  EXPECT_FALSE(validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Bogus":1}}})").empty());
  EXPECT_FALSE(validateDefinition("{").empty());
  EXPECT_FALSE(validateDefinition("[]").empty());
}

TEST(ValidationTest, BadIntrinsicAndChoiceRules) {
  EXPECT_FALSE(
      validateDefinition(
          R"J({"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Nope()"},"End":true}}})J")
          .empty());
  EXPECT_FALSE(validateDefinition(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a",
                 "StringEquals":1,"Next":"S"}]},"S":{"Type":"Succeed"}}})")
                   .empty());
  EXPECT_FALSE(
      validateDefinition(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[]},"S":{"Type":"Succeed"}}})")
          .empty());
}

TEST(ValidationTest, HeartbeatMustBeBelowTimeout) {
  auto d =
      validateDefinition(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}}})");
  EXPECT_TRUE(hasCode(d, "SCHEMA_VALIDATION_FAILED", "/States/T/HeartbeatSeconds"));
}

TEST(ValidationTest, ParseErrorCarriesAwsMessage) {
  auto r = parseDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next"),
            std::string::npos)
      << r.error().message;
}

TEST(ValidationTest, DeepAndCyclicDefinitionsDoNotCrash) {
  std::string nested = R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[)";
  std::string close;
  for (int i = 0; i < 200; ++i) {
    nested += R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[)";
    close += "]}}}";
  }
  nested += R"({"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}})" + close + "]}}}";
  EXPECT_FALSE(validateDefinition(nested).empty());
  EXPECT_TRUE(validateDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
              "B":{"Type":"Wait","Seconds":1,"Next":"A"}}})")
                  .size() == 1);
}

}  // namespace
}  // namespace wharf::asl
