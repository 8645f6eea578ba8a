// Evaluation of JSONPath-mode Choice rules (comparisons, type tests, And/Or/Not).
#pragma once

#include "common/result.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/eval_scope.h"

namespace wharf::asl {

// Whether `rule` matches; a *Path operand that matches nothing is a States.Runtime error.
Result<bool> evaluateChoiceRule(const ChoiceRule& rule, const EvalScope& scope);

}  // namespace wharf::asl
