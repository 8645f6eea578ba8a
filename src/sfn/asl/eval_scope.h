// What JSONPath expressions and intrinsic functions of one state can see: the effective input
// ($), the context object ($$) and the variables in scope ($name).
#pragma once

#include <boost/json.hpp>

#include "common/ids.h"
#include "common/result.h"
#include "sfn/asl/json_path.h"

namespace wharf::asl {

// Builds the context object when a $$ path first needs it: most states never read it, and building
// it for each state would copy the execution input every time.
class ContextSource {
 public:
  virtual ~ContextSource() = default;
  // The context object; the reference stays valid until the next call on a source of the same
  // execution.
  virtual const boost::json::value& context() const = 0;
};

struct EvalScope {
  const boost::json::value* input = nullptr;
  const boost::json::value* context = nullptr;  // when null, `contextSource` supplies $$
  const boost::json::object* variables = nullptr;
  IdGenerator* ids = nullptr;  // States.UUID and unseeded States.MathRandom
  const ContextSource* contextSource = nullptr;
};

// Evaluates `path` against the root it names ($, $$ or $variable).
Result<boost::json::value> resolvePath(const JsonPath& path, const EvalScope& scope);

}  // namespace wharf::asl
