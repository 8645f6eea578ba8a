#include "sfn/asl/eval_scope.h"

#include <fmt/format.h>

namespace wharf::asl {

Result<boost::json::value> resolvePath(const JsonPath& path, const EvalScope& scope) {
  static const boost::json::value kNull;
  switch (path.root()) {
    case JsonPath::Root::kInput:
      return path.evaluate(scope.input ? *scope.input : kNull);
    case JsonPath::Root::kContext:
      if (scope.context) return path.evaluate(*scope.context);
      return path.evaluate(scope.contextSource ? scope.contextSource->context() : kNull);
    case JsonPath::Root::kVariable: {
      const boost::json::value* v = scope.variables ? scope.variables->if_contains(path.variable()) : nullptr;
      if (!v) {
        return invalidParameter(fmt::format("The variable '${}' is not defined", path.variable()), "VariableNotFound");
      }
      return path.evaluate(*v);
    }
  }
  return internalError("unknown path root");
}

}  // namespace wharf::asl
