#include "sfn/jsonata/jsonata.h"

#include <chrono>

#include "common/clock.h"
#include "sfn/jsonata/json_convert.h"
#include "sfn/jsonata/parser.h"

namespace wharf::jsonata {

std::expected<Expression, JsonataError> Expression::compile(std::string_view text) {
  try {
    return Expression(parseExpression(text));
  } catch (JsonataError& e) {
    return std::unexpected(std::move(e));
  }
}

std::expected<Value, JsonataError> Expression::evaluate(const Value& input,
                                                        const std::vector<std::pair<std::string, Value>>& bindings,
                                                        const Limits& limits) const {
  double now = limits.nowMillis.value_or(static_cast<double>(epochMillis(std::chrono::system_clock::now())));
  try {
    Evaluator ev(limits, now);
    auto env = std::make_shared<Frame>(nullptr);
    env->vars = bindings;
    env->bind("$", input);
    Value in = input;
    if (in.isArray() && !in.isSequence()) {
      in = Value::array(Array{input}, kSequence | kOuterWrapper);
    }
    Value result = ev.evaluate(ast_.get(), in, env);
    if (result.isSequence() && result.arr().size() == 1 && !result.hasFlag(kKeepSingleton)) return result.arr()[0];
    return result;
  } catch (JsonataError& e) {
    return std::unexpected(std::move(e));
  }
}

std::expected<std::optional<boost::json::value>, JsonataError> Expression::evaluate(const boost::json::value* input,
                                                                                    const boost::json::object& bindings,
                                                                                    const Limits& limits) const {
  std::vector<std::pair<std::string, Value>> vars;
  vars.reserve(bindings.size());
  for (const auto& kv : bindings) vars.emplace_back(std::string(kv.key()), fromJson(kv.value()));
  auto result = evaluate(input ? fromJson(*input) : Value(), vars, limits);
  if (!result) return std::unexpected(std::move(result.error()));
  if (result->isUndefined()) return std::optional<boost::json::value>();
  return std::optional<boost::json::value>(toJson(*result));
}

}  // namespace wharf::jsonata
