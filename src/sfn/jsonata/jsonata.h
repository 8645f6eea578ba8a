// Public API of the JSONata engine: compile an expression once, evaluate it many times
// (concurrently if wanted) against JSON input and variable bindings.
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sfn/jsonata/error.h"
#include "sfn/jsonata/evaluator.h"
#include "sfn/jsonata/node.h"
#include "sfn/jsonata/value.h"

namespace wharf::jsonata {

class Expression {
 public:
  // Parses `text`; a syntax error comes back with its S0xxx code, message and position.
  static std::expected<Expression, JsonataError> compile(std::string_view text);

  // Evaluates against `input` (nullptr: no input, i.e. undefined) with `bindings` (names without
  // '$'). Returns nullopt for JSONata's undefined result. Thread-safe; the expression is immutable.
  std::expected<std::optional<boost::json::value>, JsonataError> evaluate(const boost::json::value* input,
                                                                          const boost::json::object& bindings = {},
                                                                          const Limits& limits = {}) const;

  // The same on evaluator values, for callers that convert their input once and evaluate often.
  std::expected<Value, JsonataError> evaluate(const Value& input,
                                              const std::vector<std::pair<std::string, Value>>& bindings,
                                              const Limits& limits = {}) const;

 private:
  explicit Expression(NodePtr ast) : ast_(std::move(ast)) {}
  NodePtr ast_;
};

}  // namespace wharf::jsonata
