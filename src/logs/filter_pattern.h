// CloudWatch Logs filter patterns for unstructured events, as FilterLogEvents applies them:
// space-separated terms that must all occur (case-sensitive), "quoted phrases", -term exclusions,
// %regex% terms, and ?term alternatives (each ?term starts an alternative; the terms after it
// belong to that alternative). JSON ({ $.x = ... }) and space-delimited ([a, b]) patterns are
// not supported and are rejected with InvalidParameterException.
#pragma once

#include <boost/regex.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace wharf::logs {

class FilterPattern {
 public:
  // An empty or blank pattern matches every event.
  static Result<FilterPattern> parse(std::string_view text);
  bool matches(std::string_view message) const;

 private:
  struct Term {
    std::string text;
    std::optional<boost::regex> regex;
    bool negated = false;
    bool matches(std::string_view message) const;
  };
  // Matches when some alternative has all of its terms satisfied.
  std::vector<std::vector<Term>> alternatives_;
};

}  // namespace wharf::logs
