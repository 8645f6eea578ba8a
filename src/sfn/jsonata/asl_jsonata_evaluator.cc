#include "sfn/jsonata/asl_jsonata_evaluator.h"

#include <string>

#include "sfn/jsonata/jsonata.h"

namespace wharf::jsonata {
namespace {

std::unexpected<Error> queryError(const JsonataError& e) {
  std::string message = e.code + ": " + e.message;
  if (e.position >= 0) message += " (at position " + std::to_string(e.position) + ")";
  return fail(ErrorCode::kInvalidArgument, "States.QueryEvaluationError", std::move(message));
}

class CompiledExpression : public asl::JsonataExpression {
 public:
  explicit CompiledExpression(Expression expr) : expr_(std::move(expr)) {}

  Result<boost::json::value> evaluate(const boost::json::object& bindings) const override {
    auto result = expr_.evaluate(nullptr, bindings);
    if (!result) return queryError(result.error());
    if (!*result)
      return fail(ErrorCode::kNotFound, AslJsonataEvaluator::kUndefinedResult,
                  "The JSONata expression evaluated to undefined");
    return std::move(**result);
  }

 private:
  Expression expr_;
};

}  // namespace

Result<std::shared_ptr<const asl::JsonataExpression>> AslJsonataEvaluator::compile(std::string_view expression) {
  auto compiled = Expression::compile(expression);
  if (!compiled) return queryError(compiled.error());
  return std::make_shared<const CompiledExpression>(std::move(*compiled));
}

}  // namespace wharf::jsonata
