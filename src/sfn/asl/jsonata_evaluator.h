// Seam for JSONata-mode definitions: the interpreter compiles each "{% ... %}" expression once
// and evaluates it with the $states binding and the variables in scope.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string_view>

#include "common/result.h"

namespace wharf::asl {

class JsonataExpression {
 public:
  virtual ~JsonataExpression() = default;
  // Evaluates with `bindings` (variable name without '$' -> value; includes "states"). An
  // undefined result is returned as std::nullopt-like absence: an error of type
  // "States.QueryEvaluationError" carries evaluation failures. Thread-safe.
  virtual Result<boost::json::value> evaluate(const boost::json::object& bindings) const = 0;
};

class JsonataEvaluator {
 public:
  virtual ~JsonataEvaluator() = default;
  // Compiles `expression` (without the "{%" "%}" delimiters); a syntax error is returned with
  // type "States.QueryEvaluationError" and the parser's message. Thread-safe.
  virtual Result<std::shared_ptr<const JsonataExpression>> compile(std::string_view expression) = 0;
};

}  // namespace wharf::asl
