// AWS Step Functions' JSONPath subset (Jayway semantics): $ input paths, $$ context paths and
// $name variable paths with dot/bracket names, indexes, wildcards, slices, unions, deep scan and
// filters. Definite paths yield one value; indefinite ones an array of matches.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace wharf::asl {

struct FilterExpr;

class JsonPath {
 public:
  enum class Root { kInput, kContext, kVariable };

  // Parses `text`; the error message says what is wrong (used for InvalidDefinition diagnostics).
  static Result<JsonPath> parse(std::string_view text);

  const std::string& text() const { return text_; }
  Root root() const { return root_; }
  // Variable name for kVariable roots ("x" in "$x.a").
  const std::string& variable() const { return variable_; }
  // True when the path can match at most one value (no wildcard, slice, union, filter or deep scan).
  bool isDefinite() const { return definite_; }
  // True for the bare root ("$", "$$", "$x").
  bool isRoot() const { return segments_.empty(); }

  // Evaluates against `root`. Definite paths fail when nothing matches, with Jayway's message
  // ("No results for path: $['a']" / "Missing property in path $['a']"); indefinite paths give
  // an array (possibly empty).
  Result<boost::json::value> evaluate(const boost::json::value& root) const;

  // Stores `value` at this path inside `target` (ResultPath semantics): objects along the way are
  // created; the path must be definite and made of names and indexes only.
  Result<void> assign(boost::json::value& target, boost::json::value value) const;

  // Whether assign() can be used with this path.
  bool isAssignable() const;

  struct Segment {
    enum class Kind { kName, kIndex, kWildcard, kSlice, kUnion, kDeepScan, kFilter };
    Kind kind = Kind::kName;
    std::string name;                    // kName; kDeepScan name ("" = any)
    int64_t index = 0;                   // kIndex
    std::optional<int64_t> start, end;   // kSlice
    int64_t step = 1;                    // kSlice
    std::vector<std::string> names;      // kUnion of names
    std::vector<int64_t> indexes;        // kUnion of indexes
    std::shared_ptr<FilterExpr> filter;  // kFilter
  };

 private:
  friend class JsonPathParser;
  std::string text_;
  Root root_ = Root::kInput;
  std::string variable_;
  bool definite_ = true;
  std::vector<Segment> segments_;
};

// Jayway-style normalized form of one key/index step, e.g. "['a']" or "[0]".
std::string normalizedStep(const JsonPath::Segment& segment);

}  // namespace wharf::asl
