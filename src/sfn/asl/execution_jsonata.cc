// Execution::Impl for JSONata states: evaluating their "{% ... %}" expressions and fields, and
// reporting evaluation failures.
#include <fmt/format.h>

#include <cmath>

#include "sfn/asl/execution_impl.h"

namespace wharf::asl {

detail::Failure Execution::Impl::queryFailure(const Frame& f, const std::string& message,
                                              std::optional<std::string> location) const {
  Failure out{"States.QueryEvaluationError", runtimeCause(f, message)};
  out.evaluation = true;
  out.location = std::move(location);
  return out;
}

detail::Failure Execution::Impl::expressionFailure(const Frame& f, std::string_view text, const std::string& location,
                                                   std::string_view what) const {
  return queryFailure(
      f, fmt::format("The JSONata expression '{}' specified for the field '{}' {}", text, location, what), location);
}

detail::Failure Execution::Impl::unexpectedType(const Frame& f, std::string_view field, const std::string& location,
                                                std::string_view want, const Json& got) const {
  return expressionFailure(f, expressionText(field), location,
                           fmt::format("returned an unexpected result type. Expected '{}', but was '{}' for value: {}",
                                       want, jsonTypeName(got), toJsonText(got)));
}

detail::Evaluated Execution::Impl::evalExpression(std::string_view field, const std::string& location,
                                                  JsonataScope& scope) {
  const Frame& f = scope.frame;
  if (!jsonata_) {
    return std::unexpected(
        Failure{"States.Runtime", runtimeCause(f, "JSONata is not available: no JsonataEvaluator is configured.")});
  }
  std::string_view text = expressionText(field);
  auto it = compiled_.find(text);
  if (it == compiled_.end()) {
    auto c = jsonata_->compile(text);
    if (!c)
      return std::unexpected(
          expressionFailure(f, text, location, "threw an error during evaluation. " + c.error().message));
    it = compiled_.emplace(std::string(text), std::move(*c)).first;
  }
  if (!scope.bindings) {
    boost::json::object b(f.variables);
    boost::json::object states;
    states["input"] = scope.input;
    states["context"] = scope.ctx.context();
    if (scope.result) states["result"] = *scope.result;
    if (scope.errorOutput) states["errorOutput"] = *scope.errorOutput;
    b["states"] = std::move(states);
    scope.bindings = std::move(b);
  }
  auto r = it->second->evaluate(*scope.bindings, JsonataEnvironment{clock_.now(), &ids_});
  if (!r)
    return std::unexpected(
        expressionFailure(f, text, location, "threw an error during evaluation. " + r.error().message));
  if (!*r) return std::unexpected(expressionFailure(f, text, location, "returned nothing (undefined)."));
  return std::move(**r);
}

// A JSONata-mode field: "{% ... %}" strings are evaluated, objects and arrays are walked, other
// values are literals.
detail::Evaluated Execution::Impl::evalField(const Json& v, const std::string& location, JsonataScope& scope) {
  if (isExpression(v)) return evalExpression(v.get_string(), location, scope);
  if (v.is_object()) {
    boost::json::object out;
    for (const auto& kv : v.get_object()) {
      auto r = evalField(kv.value(), location + "/" + std::string(kv.key()), scope);
      if (!r) return r;
      out[kv.key()] = std::move(*r);
    }
    return Json(std::move(out));
  }
  if (v.is_array()) {
    boost::json::array out;
    const auto& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      auto r = evalField(a[i], fmt::format("{}[{}]", location, i), scope);
      if (!r) return r;
      out.push_back(std::move(*r));
    }
    return Json(std::move(out));
  }
  return v;
}

// A numeric field of a JSONata state (TimeoutSeconds, MaxConcurrency, ...) written as an
// expression: nullopt when it is not one. `min` is the smallest value allowed.
std::expected<std::optional<double>, detail::Failure> Execution::Impl::jsonataNumber(std::string_view field, double min,
                                                                                     bool integer,
                                                                                     JsonataScope& scope) {
  const State& s = *scope.frame.state;
  auto it = s.jsonataNumbers.find(field);
  if (it == s.jsonataNumbers.end()) return std::nullopt;
  std::string location(field);
  auto v = evalExpression(it->second, location, scope);
  if (!v) return std::unexpected(v.error());
  double d = 0;
  if (!asDouble(*v, d) || (integer && std::trunc(d) != d))
    return std::unexpected(unexpectedType(scope.frame, it->second, location, integer ? "integer" : "number", *v));
  if (d < min) {
    return std::unexpected(expressionFailure(scope.frame, expressionText(it->second), location,
                                             fmt::format("returned an invalid value: {}", toJsonText(*v))));
  }
  return d;
}

// Assign and Output of a JSONata state (or Choice rule, or catcher): both see the same $states
// and variables; without Output the state's output is `defaultOutput`.
std::expected<std::pair<boost::json::object, detail::Json>, detail::Failure> Execution::Impl::jsonataOutputs(
    JsonataScope& scope, const std::optional<Json>& output, const std::optional<Json>& assign,
    const Json& defaultOutput) {
  boost::json::object assigned;
  if (assign) {
    auto a = evalField(*assign, "Assign", scope);
    if (!a) return std::unexpected(a.error());
    if (!a->is_object())
      return std::unexpected(queryFailure(scope.frame, "The field 'Assign' must be an object", "Assign"));
    assigned = std::move(a->get_object());
  }
  Json out = defaultOutput;
  if (output) {
    auto o = evalField(*output, "Output", scope);
    if (!o) return std::unexpected(o.error());
    out = std::move(*o);
  }
  return std::pair{std::move(assigned), std::move(out)};
}

void Execution::Impl::finishJsonata(Frame& f, JsonataScope& scope, const std::optional<Json>& output,
                                    const std::optional<Json>& assign, const Json& defaultOutput, const State* next,
                                    std::optional<int64_t> previous) {
  auto r = jsonataOutputs(scope, output, assign, defaultOutput);
  if (!r) return failState(f, r.error());
  leave(f, std::move(r->second), next, &r->first, previous);
}

// Reports a JSONata evaluation failure with its EvaluationFailed event (once).
void Execution::Impl::reportEvaluationFailure(Frame& f, Failure& failure) {
  if (!failure.evaluation) return;
  failure.evaluation = false;
  boost::json::object d;
  d["cause"] = failure.cause.value_or("");
  d["error"] = failure.error;
  if (failure.location) d["location"] = *failure.location;
  d["state"] = f.state->name;
  emitRaw(f, "EvaluationFailed", "evaluationFailedEventDetails", std::move(d), true,
          failure.afterEntered ? f.enteredId : f.enteredPrevious);
  // A Map whose items or iteration settings fail to evaluate ends there; its Output and Assign
  // are evaluated after MapStateSucceeded.
  bool afterRun =
      failure.location && (failure.location->starts_with("Output") || failure.location->starts_with("Assign"));
  if (f.state->type == StateType::kMap && !afterRun) emitRaw(f, "MapStateFailed", "", {});
}

void Execution::Impl::executeJsonata(Frame& f, const StateContext& ctx) {
  const State& s = *f.state;
  JsonataScope scope{f, ctx, f.input};
  switch (s.type) {
    case StateType::kPass:
      return finishJsonata(f, scope, s.jsonataOutput, s.jsonataAssign, f.input, nextOf(s));
    case StateType::kSucceed:
      return finishJsonata(f, scope, s.jsonataOutput, s.jsonataAssign, f.input, nullptr);
    case StateType::kFail: {
      std::optional<std::string> fields[2] = {s.error, s.cause};
      const char* names[2] = {"Error", "Cause"};
      for (int i = 0; i < 2; ++i) {
        if (!fields[i] || !isExpression(Json(*fields[i]))) continue;
        auto v = evalExpression(*fields[i], names[i], scope);
        if (!v) return failState(f, v.error());
        fields[i] = v->is_string() ? std::string(v->get_string()) : toJsonText(*v);
      }
      return finishFrame(f, Json(), Failure{fields[0].value_or(""), fields[1]});
    }
    case StateType::kChoice:
      for (const auto& rule : s.choices) {
        bool matched = rule.condition.is_bool() && rule.condition.get_bool();
        if (rule.condition.is_string()) {
          auto v = evalExpression(rule.condition.get_string(), "Condition", scope);
          if (!v) return failState(f, v.error());
          if (!v->is_bool())
            return failState(f, unexpectedType(f, rule.condition.get_string(), "Condition", "boolean", *v));
          matched = v->get_bool();
        }
        if (matched) return finishJsonata(f, scope, rule.jsonataOutput, rule.jsonataAssign, f.input, rule.nextState);
      }
      if (s.defaultNext.empty()) return failState(f, Failure{"States.NoChoiceMatched", "No Matches!"});
      return finishJsonata(f, scope, s.jsonataOutput, s.jsonataAssign, f.input, s.defaultState);
    case StateType::kWait:
      return executeWaitJsonata(f, scope);
    case StateType::kTask:
      return executeTask(f, ctx);
    case StateType::kParallel:
      return executeParallel(f, ctx);
    case StateType::kMap:
      return executeMap(f, ctx);
  }
}

// The items of a JSONata Map: its Items field, or else its input.
detail::Evaluated Execution::Impl::jsonataItems(Frame& f, JsonataScope& scope) {
  const State& s = *f.state;
  if (!s.jsonataItems) {
    if (f.input.is_array()) return f.input;
    return std::unexpected(
        queryFailure(f, fmt::format("Map state input must be an array but was: {}", toJsonText(f.input)), {}));
  }
  auto items = evalField(*s.jsonataItems, "Items", scope);
  if (items && !items->is_array()) {
    if (isExpression(*s.jsonataItems))
      return std::unexpected(unexpectedType(f, s.jsonataItems->get_string(), "Items", "array", *items));
    return std::unexpected(queryFailure(f, "The field 'Items' must be an array", "Items"));
  }
  return items;
}

}  // namespace wharf::asl
