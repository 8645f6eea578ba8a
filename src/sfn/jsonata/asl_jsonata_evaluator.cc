#include "sfn/jsonata/asl_jsonata_evaluator.h"

#include <string>

#include "common/clock.h"
#include "sfn/jsonata/jsonata.h"

namespace wharf::jsonata {
namespace {

std::unexpected<Error> queryError(const JsonataError& e) {
  return fail(ErrorCode::kInvalidArgument, "States.QueryEvaluationError", e.code + ": " + e.message);
}

class CompiledExpression : public asl::JsonataExpression {
 public:
  explicit CompiledExpression(Expression expr) : expr_(std::move(expr)) {}

  Result<std::optional<boost::json::value>> evaluate(const boost::json::object& bindings,
                                                     const asl::JsonataEnvironment& env) const override {
    Limits limits;
    limits.nowMillis = static_cast<double>(epochMillis(env.now));
    if (IdGenerator* ids = env.ids) {
      limits.randomSeed = [ids] { return std::stoull(ids->hex(8), nullptr, 16); };
    }
    auto result = expr_.evaluate(nullptr, bindings, limits);
    if (!result) return queryError(result.error());
    return std::move(*result);
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
