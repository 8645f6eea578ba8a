// The 18 States.* intrinsic functions: parsing of calls such as
// States.Format('{} x', $.a, States.ArrayLength($.b)) and their evaluation with AWS's checks.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sfn/asl/eval_scope.h"
#include "sfn/asl/json_path.h"

namespace wharf::asl {

class IntrinsicFunction {
 public:
  // Parses a call; the error message explains the problem (InvalidDefinition diagnostics).
  static Result<IntrinsicFunction> parse(std::string_view text);
  // True when `text` looks like an intrinsic call rather than a path.
  static bool looksLikeCall(std::string_view text);

  // Evaluates the call; failures have type "States.IntrinsicFailure" or "States.Runtime".
  Result<boost::json::value> evaluate(const EvalScope& scope) const;

  const std::string& name() const { return name_; }

  struct Argument {
    enum class Kind { kLiteral, kPath, kCall };
    Kind kind = Kind::kLiteral;
    boost::json::value literal;
    std::shared_ptr<JsonPath> path;
    std::shared_ptr<IntrinsicFunction> call;
  };

 private:
  friend class IntrinsicParser;
  std::string text_;
  std::string name_;  // without "States."
  std::vector<Argument> args_;
};

}  // namespace wharf::asl
