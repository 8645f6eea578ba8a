// Seam for JSONata-mode definitions: the interpreter compiles each "{% ... %}" expression once
// and evaluates it with the $states binding and the variables in scope.
#pragma once

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "common/ids.h"
#include "common/result.h"

namespace wharf::asl {

// What an evaluation draws on besides its bindings. $now and $millis read `now`; $random, $uuid
// and $shuffle draw from `ids`, so a replay through the same Clock and IdGenerator gives the same
// results.
struct JsonataEnvironment {
  std::chrono::system_clock::time_point now;
  IdGenerator* ids = nullptr;  // consulted only when an expression needs randomness
};

// A JSONata-mode field value is an expression when it is a string "{% ... %}".
inline bool isExpression(const boost::json::value& v) {
  if (!v.is_string()) return false;
  std::string_view s = v.get_string();
  return s.size() >= 4 && s.starts_with("{%") && s.ends_with("%}");
}

// The expression inside "{% ... %}", without the delimiters and the spaces around it.
inline std::string_view expressionText(std::string_view field) {
  field = field.substr(2, field.size() - 4);
  while (!field.empty() && std::isspace(static_cast<unsigned char>(field.front()))) field.remove_prefix(1);
  while (!field.empty() && std::isspace(static_cast<unsigned char>(field.back()))) field.remove_suffix(1);
  return field;
}

class JsonataExpression {
 public:
  virtual ~JsonataExpression() = default;
  // Evaluates with `bindings` (variable name without '$' -> value; includes "states"). nullopt is
  // JSONata's undefined result. An evaluation failure is an error of type
  // "States.QueryEvaluationError" whose message is "<code>: <message>" (e.g. "T1006: Attempted to
  // invoke a non-function"). Thread-safe.
  virtual Result<std::optional<boost::json::value>> evaluate(const boost::json::object& bindings,
                                                             const JsonataEnvironment& env) const = 0;
};

class JsonataEvaluator {
 public:
  virtual ~JsonataEvaluator() = default;
  // Compiles `expression` (without the "{%" "%}" delimiters); a syntax error is returned with
  // type "States.QueryEvaluationError" and message "<code>: <message>". Thread-safe.
  virtual Result<std::shared_ptr<const JsonataExpression>> compile(std::string_view expression) = 0;
};

}  // namespace wharf::asl
