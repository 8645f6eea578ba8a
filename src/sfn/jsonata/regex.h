// A backtracking regular-expression engine with JavaScript syntax and semantics, over UTF-16 code
// units as JavaScript regexes see strings (JSONata's regex literals are JavaScript regexes).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::jsonata {

struct RegexMatch {
  int start = 0;
  int end = 0;
  std::vector<std::optional<std::pair<int, int>>> groups;  // capture spans, absent if unmatched
};

class Regex {
 public:
  // Compiles `pattern` with flags ("i", "m"); raises D1004-style JsonataError on bad syntax.
  Regex(std::u16string_view pattern, std::string_view flags);
  ~Regex();
  // Finds the first match at or after `from` in `subject`.
  std::optional<RegexMatch> exec(std::u16string_view subject, int from) const;
  const std::u16string& source() const { return source_; }
  int groupCount() const;

  struct Impl;

 private:
  std::u16string source_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wharf::jsonata
