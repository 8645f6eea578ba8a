// Payload templates (Parameters, ResultSelector, ItemSelector, Assign in JSONPath mode): JSON whose
// "key.$" fields take their value from a path or an intrinsic function when the state runs.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sfn/asl/eval_scope.h"

namespace wharf::asl {

class PayloadTemplate {
 public:
  // Compiles `tmpl`; errors name the offending field under `location` (e.g. "/States/A/Parameters").
  static Result<PayloadTemplate> compile(const boost::json::value& tmpl, const std::string& location);

  // Builds the payload. A path that matches nothing fails with States.Runtime and AWS's message
  // ("The JSONPath '$.x' specified for the field 'y.$' could not be found in the input '...'").
  Result<boost::json::value> evaluate(const EvalScope& scope) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace wharf::asl
