// What JSONPath expressions and intrinsic functions of one state can see: the effective input
// ($), the context object ($$) and the variables in scope ($name).
#pragma once

#include <boost/json.hpp>

#include "common/ids.h"
#include "common/result.h"
#include "sfn/asl/json_path.h"

namespace wharf::asl {

struct EvalScope {
  const boost::json::value* input = nullptr;
  const boost::json::value* context = nullptr;
  const boost::json::object* variables = nullptr;
  IdGenerator* ids = nullptr;  // States.UUID and unseeded States.MathRandom
};

// Evaluates `path` against the root it names ($, $$ or $variable).
Result<boost::json::value> resolvePath(const JsonPath& path, const EvalScope& scope);

}  // namespace wharf::asl
