#include "logs/filter_pattern.h"

#include <cctype>

namespace wharf::logs {
namespace {

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Reads one term starting at text[i] (not a space); returns its literal text, advancing i.
// `closer` ends the term: '"' for phrases, '%' for regular expressions, 0 for bare words.
Result<std::string> readTerm(std::string_view text, size_t& i, char closer) {
  std::string out;
  if (closer == 0) {
    while (i < text.size() && !isSpace(text[i])) out += text[i++];
    return out;
  }
  ++i;  // opening quote or %
  while (i < text.size() && text[i] != closer) {
    if (closer == '"' && text[i] == '\\' && i + 1 < text.size()) ++i;
    out += text[i++];
  }
  if (i == text.size()) return invalidParameter("Invalid filter pattern: unterminated " + std::string(1, closer));
  ++i;
  return out;
}

}  // namespace

bool FilterPattern::Term::matches(std::string_view message) const {
  bool found = false;
  if (!regex) {
    found = message.find(text) != std::string_view::npos;
  } else {
    try {
      found = boost::regex_search(message.begin(), message.end(), *regex);
    } catch (const std::runtime_error&) {  // Boost.Regex gives up on pathological matches
      found = false;
    }
  }
  return found != negated;
}

Result<FilterPattern> FilterPattern::parse(std::string_view text) {
  FilterPattern pattern;
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < text.size() && isSpace(text[i])) ++i;
  };
  skipSpace();
  if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
    return invalidParameter(
        "Wharf supports term, phrase, ?alternative and %regex% filter patterns; JSON and "
        "space-delimited filter patterns are not supported.");
  }
  for (; skipSpace(), i < text.size();) {
    Term term;
    bool startsAlternative = false;
    if (text[i] == '?') {
      startsAlternative = true;
      ++i;
    } else if (text[i] == '-' && i + 1 < text.size() && !isSpace(text[i + 1])) {
      term.negated = true;
      ++i;
    }
    if (i == text.size() || isSpace(text[i])) return invalidParameter("Invalid filter pattern: empty term");
    char closer = text[i] == '"' ? '"' : text[i] == '%' ? '%' : 0;
    auto literal = readTerm(text, i, closer);
    if (!literal) return std::unexpected(literal.error());
    if (closer == '%') {
      try {
        term.regex.emplace(*literal, boost::regex::ECMAScript);
      } catch (const boost::regex_error& e) {
        return invalidParameter("Invalid regular expression in filter pattern: " + std::string(e.what()));
      }
    }
    term.text = std::move(*literal);
    if (startsAlternative || pattern.alternatives_.empty()) pattern.alternatives_.emplace_back();
    pattern.alternatives_.back().push_back(std::move(term));
  }
  return pattern;
}

bool FilterPattern::matches(std::string_view message) const {
  if (alternatives_.empty()) return true;
  for (const auto& terms : alternatives_) {
    bool all = true;
    for (const auto& t : terms) {
      if (!t.matches(message)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace wharf::logs
