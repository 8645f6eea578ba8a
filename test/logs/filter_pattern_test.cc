#include "logs/filter_pattern.h"

#include <gtest/gtest.h>

namespace wharf::logs {
namespace {

bool matches(std::string_view pattern, std::string_view message) {
  auto p = FilterPattern::parse(pattern);
  EXPECT_TRUE(p.has_value()) << pattern;
  return p && p->matches(message);
}

TEST(FilterPatternTest, EmptyMatchesEverything) {
  EXPECT_TRUE(matches("", "anything"));
  EXPECT_TRUE(matches("   ", "anything"));
}

TEST(FilterPatternTest, AllTermsMustOccurCaseSensitively) {
  EXPECT_TRUE(matches("ERROR", "[ERROR] disk full"));
  EXPECT_FALSE(matches("ERROR", "error: disk full"));
  EXPECT_TRUE(matches("ERROR disk", "[ERROR] disk full"));
  EXPECT_FALSE(matches("ERROR memory", "[ERROR] disk full"));
}

TEST(FilterPatternTest, QuotedPhrases) {
  EXPECT_TRUE(matches("\"disk full\"", "[ERROR] disk full"));
  EXPECT_FALSE(matches("\"full disk\"", "[ERROR] disk full"));
  EXPECT_TRUE(matches("\"say \\\"hi\\\"\"", "they say \"hi\""));
}

TEST(FilterPatternTest, AlternativesAndExclusions) {
  EXPECT_TRUE(matches("?ERROR ?WARN", "WARN low disk"));
  EXPECT_TRUE(matches("?ERROR ?WARN", "ERROR no disk"));
  EXPECT_FALSE(matches("?ERROR ?WARN", "INFO ok"));
  // Each ?term opens an alternative that the following plain terms belong to.
  EXPECT_TRUE(matches("?ERROR MainThread ?WARN Deadlock", "WARN Deadlock detected"));
  EXPECT_FALSE(matches("?ERROR MainThread ?WARN Deadlock", "ERROR in worker"));
  EXPECT_TRUE(matches("ERROR -Timeout", "ERROR disk"));
  EXPECT_FALSE(matches("ERROR -Timeout", "ERROR Timeout after 3s"));
  EXPECT_TRUE(matches("-\"health check\"", "GET /index"));
}

TEST(FilterPatternTest, RegularExpressions) {
  EXPECT_TRUE(matches("%[Ee]rror|[Ff]ail%", "request failed: Fail"));
  EXPECT_TRUE(matches("%\\d{3}% GET", "GET /x 404"));
  EXPECT_FALSE(matches("%^GET%", "POST GET"));
}

TEST(FilterPatternTest, RejectsUnsupportedAndMalformedPatterns) {
  EXPECT_EQ(FilterPattern::parse("{ $.level = \"error\" }").error().type, "InvalidParameterException");
  EXPECT_EQ(FilterPattern::parse("[ip, user, status=404]").error().type, "InvalidParameterException");
  EXPECT_EQ(FilterPattern::parse("\"unterminated").error().type, "InvalidParameterException");
  EXPECT_EQ(FilterPattern::parse("%[%").error().type, "InvalidParameterException");
  EXPECT_EQ(FilterPattern::parse("? x").error().type, "InvalidParameterException");
}

}  // namespace
}  // namespace wharf::logs
