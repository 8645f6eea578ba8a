#include "sfn/asl/choice_evaluator.h"

#include <fmt/format.h>

#include "common/time_format.h"
#include "sfn/asl/json_text.h"

namespace wharf::asl {
namespace {

// StringMatches: '*' matches any run of characters; "\*" and "\\" are literals.
bool wildcardMatch(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0, starP = std::string_view::npos, starT = 0;
  auto literalAt = [&](size_t i, char& c) -> size_t {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      c = pattern[i + 1];
      return 2;
    }
    c = pattern[i];
    return 1;
  };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      starP = ++p;
      starT = t;
      continue;
    }
    if (p < pattern.size()) {
      char c = 0;
      size_t len = literalAt(p, c);
      if (c == text[t]) {
        p += len;
        ++t;
        continue;
      }
    }
    if (starP == std::string_view::npos) return false;
    p = starP;
    t = ++starT;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

template <typename T>
bool ordered(std::string_view op, const T& a, const T& b) {
  if (op.ends_with("GreaterThanEquals")) return a >= b;
  if (op.ends_with("LessThanEquals")) return a <= b;
  if (op.ends_with("GreaterThan")) return a > b;
  if (op.ends_with("LessThan")) return a < b;
  return a == b;  // *Equals
}

bool compare(std::string_view op, const boost::json::value& value, const boost::json::value& operand) {
  if (op.starts_with("String")) {
    if (!value.is_string() || !operand.is_string()) return false;
    if (op == "StringMatches") return wildcardMatch(value.get_string(), operand.get_string());
    return ordered(op, value.get_string().subview(), operand.get_string().subview());
  }
  if (op.starts_with("Numeric")) {
    double a = 0, b = 0;
    return asDouble(value, a) && asDouble(operand, b) && ordered(op, a, b);
  }
  if (op == "BooleanEquals") return value.is_bool() && operand.is_bool() && value.get_bool() == operand.get_bool();
  if (op.starts_with("Timestamp")) {
    if (!value.is_string() || !operand.is_string()) return false;
    auto a = parseIso8601(value.get_string());
    auto b = parseIso8601(operand.get_string());
    return a && b && ordered(op, *a, *b);
  }
  return false;
}

}  // namespace

Result<bool> evaluateChoiceRule(const ChoiceRule& rule, const EvalScope& scope) {
  switch (rule.kind) {
    case ChoiceRule::Kind::kAnd:
      for (const auto& child : rule.children) {
        auto r = evaluateChoiceRule(child, scope);
        if (!r || !*r) return r;
      }
      return true;
    case ChoiceRule::Kind::kOr:
      for (const auto& child : rule.children) {
        auto r = evaluateChoiceRule(child, scope);
        if (!r || *r) return r;
      }
      return false;
    case ChoiceRule::Kind::kNot: {
      auto r = evaluateChoiceRule(rule.children[0], scope);
      if (!r) return r;
      return !*r;
    }
    case ChoiceRule::Kind::kJsonata:
      return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                  "JSONata conditions are evaluated by the JsonataEvaluator");
    case ChoiceRule::Kind::kCompare:
      break;
  }
  auto value = resolvePath(*rule.variable, scope);
  const std::string& op = rule.op;
  if (op == "IsPresent") return value.has_value() == rule.operand.get_bool();
  if (!value) {
    return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                fmt::format("Invalid path '{}': {}", rule.variable->text(), value.error().message));
  }
  if (op.starts_with("Is")) {
    bool is = false;
    if (op == "IsNull")
      is = value->is_null();
    else if (op == "IsNumeric")
      is = value->is_number();
    else if (op == "IsString")
      is = value->is_string();
    else if (op == "IsBoolean")
      is = value->is_bool();
    else if (op == "IsTimestamp")
      is = value->is_string() && parseIso8601(value->get_string()).has_value();
    return is == rule.operand.get_bool();
  }
  if (rule.operandPath) {
    auto operand = resolvePath(*rule.operandPath, scope);
    if (!operand) {
      return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                  fmt::format("Invalid path '{}': {}", rule.operandPath->text(), operand.error().message));
    }
    return compare(std::string_view(op).substr(0, op.size() - 4), *value, *operand);
  }
  return compare(op, *value, rule.operand);
}

}  // namespace wharf::asl
