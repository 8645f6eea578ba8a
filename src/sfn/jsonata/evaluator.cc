#include "sfn/jsonata/evaluator.h"

#include <cmath>
#include <unordered_map>

#include "sfn/jsonata/error.h"
#include "sfn/jsonata/signature.h"
#include "sfn/jsonata/utf.h"

namespace wharf::jsonata {

void raise(std::string code, std::string message, int position) {
  throw JsonataError{std::move(code), std::move(message), position, {}};
}

namespace {

bool isArrayOfNumbers(const Value& v) {
  if (!v.isArray()) return false;
  for (const Value& x : v.arr()) {
    if (!x.isNumber()) return false;
  }
  return true;
}

bool numeric(const Value& v) {
  if (!v.isNumber()) return false;
  double d = v.asNumber();
  if (std::isnan(d)) return false;
  if (!std::isfinite(d)) raise("D1001", "Number out of range: " + formatJsNumber(d));
  return true;
}

Value tupleOf(const Value& item) {
  auto o = std::make_shared<Object>();
  o->entries.emplace_back("@", item);
  return Value::object(o);
}

const Value& tupleFocus(const Value& tuple) { return tuple.obj().entries.front().second; }

Value copyTuple(const Value& tuple) { return Value::object(std::make_shared<Object>(tuple.obj())); }

}  // namespace

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNull:
      return false;
    case Kind::kBool:
      return v.asBool();
    case Kind::kNumber:
      return v.asNumber() != 0 && !std::isnan(v.asNumber());
    case Kind::kString:
      return !v.str().empty();
    case Kind::kObject:
      return v.obj().size() > 0;
    case Kind::kFunction:
      return false;
    case Kind::kArray: {
      const Array& a = v.arr();
      if (a.size() == 1) return truthy(a[0]);
      for (const Value& x : a) {
        if (truthy(x)) return true;
      }
      return false;
    }
  }
  return false;
}

Value booleanOf(const Value& v) { return v.isUndefined() ? Value() : Value::boolean(truthy(v)); }

std::string toJsString(const Value& v) {
  if (v.isString()) return v.str();
  if (v.isFunction()) return "";
  if (v.isNumber() && !std::isfinite(v.asNumber()))
    raise("D3001", "Attempting to invoke string function on Infinity or NaN");
  if (v.isArray() && v.hasFlag(kOuterWrapper) && !v.arr().empty()) return stringify(v.arr()[0], false);
  return stringify(v, false);
}

Value appendValues(const Value& a, const Value& b) {
  if (a.isUndefined()) return b;
  if (b.isUndefined()) return a;
  Array out;
  if (a.isArray()) {
    out.reserve(a.arr().size() + (b.isArray() ? b.arr().size() : 1));
    out = a.arr();
  } else {
    out.push_back(a);
  }
  if (b.isArray()) {
    out.insert(out.end(), b.arr().begin(), b.arr().end());
  } else {
    out.push_back(b);
  }
  return Value::array(std::move(out));
}

Value lookupField(const Value& input, const std::string& key) {
  if (input.isObject()) {
    const Value* v = input.obj().find(key);
    return v ? *v : Value();
  }
  if (!input.isArray()) return Value();
  Array out;
  for (const Value& item : input.arr()) {
    Value r = lookupField(item, key);
    if (r.isUndefined()) continue;
    if (r.isArray()) {
      out.insert(out.end(), r.arr().begin(), r.arr().end());
    } else {
      out.push_back(std::move(r));
    }
  }
  return Value::sequence(std::move(out));
}

std::shared_ptr<Signature> Function::signature() const {
  switch (type) {
    case FunctionType::kLambda:
      return node ? node->signature : nullptr;
    case FunctionType::kNative:
      return builtin->sig;
    case FunctionType::kTransform: {
      static const auto sig = Signature::parse("<(oa):o>");
      return sig;
    }
    default:
      return nullptr;
  }
}

int Function::arity() const {
  switch (type) {
    case FunctionType::kLambda:
      return static_cast<int>(node->params.size());
    case FunctionType::kNative:
      return builtin->arity;
    case FunctionType::kPartial: {
      int n = 0;
      for (bool h : hole) n += h;
      return n;
    }
    case FunctionType::kRegex:
      return 2;
    default:
      return 1;
  }
}

Evaluator::Evaluator(const Limits& limits, double nowMillis)
    : limits_(limits), deadline_(std::chrono::steady_clock::now() + limits.timeout), now_(nowMillis) {}

Evaluator::DepthGuard Evaluator::enter() {
  ++depth_;
  checkLimits();
  return DepthGuard{depth_};
}

void Evaluator::checkLimits() {
  if (depth_ > limits_.maxDepth)
    raise("U1001",
          "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
  if ((++ticks_ & 0x3FF) == 0 && std::chrono::steady_clock::now() > deadline_) {
    raise("U1001", "Expression evaluation timeout: Check for infinite loop");
  }
}

FramePtr Evaluator::frameFromTuple(const FramePtr& env, const Value& tuple) {
  auto frame = std::make_shared<Frame>(env);
  frame->vars = tuple.obj().entries;
  return frame;
}

Value Evaluator::evaluate(const Node* expr, const Value& input, const FramePtr& env) {
  DepthGuard guard = enter();
  Value result = evalNode(expr, input, env);
  for (const Stage& s : expr->predicate) result = evaluateFilter(s.expr.get(), result, env);
  if (expr->type != NodeType::kPath && expr->hasGroup) result = evaluateGroup(expr->group, expr->position, result, env);
  if (result.isSequence() && !result.hasFlag(kTupleStream)) {
    if (expr->keepArray) result.setFlag(kKeepSingleton);
    const Array& a = result.arr();
    if (a.empty()) return Value();
    if (a.size() == 1 && !result.hasFlag(kKeepSingleton)) return a[0];
  }
  return result;
}

Value Evaluator::evalNode(const Node* expr, const Value& input, const FramePtr& env) {
  switch (expr->type) {
    case NodeType::kPath:
      return evaluatePath(expr, input, env);
    case NodeType::kBinary:
      return evaluateBinary(expr, input, env);
    case NodeType::kNegate: {
      Value v = evaluate(expr->expr.get(), input, env);
      if (v.isUndefined()) return v;
      if (numeric(v)) return Value::number(-v.asNumber());
      raise("D1002", "Cannot negate a non-numeric value", expr->position);
    }
    case NodeType::kArray:
      return evaluateArray(expr, input, env);
    case NodeType::kObject:
      return evaluateGroup(expr->pairs, expr->position, input, env);
    case NodeType::kName:
      return lookupField(input, expr->value);
    case NodeType::kLiteral:
      return expr->literal;
    case NodeType::kWildcard: {
      Array out;
      const Value* in = &input;
      if (input.isArray() && input.hasFlag(kOuterWrapper) && !input.arr().empty()) in = &input.arr()[0];
      auto flattenInto = [&](auto& self, const Value& v) -> void {
        if (v.isArray()) {
          for (const Value& x : v.arr()) self(self, x);
        } else {
          out.push_back(v);
        }
      };
      if (in->isObject()) {
        for (const auto& [k, v] : in->obj().entries) {
          if (v.isArray())
            flattenInto(flattenInto, v);
          else
            out.push_back(v);
        }
      } else if (in->isArray()) {
        for (const Value& v : in->arr()) {
          if (v.isArray())
            flattenInto(flattenInto, v);
          else
            out.push_back(v);
        }
      }
      return Value::sequence(std::move(out));
    }
    case NodeType::kDescendant: {
      if (input.isUndefined()) return Value();
      Array out;
      auto recurse = [&](auto& self, const Value& v) -> void {
        if (!v.isArray()) out.push_back(v);
        if (v.isArray()) {
          for (const Value& x : v.arr()) self(self, x);
        } else if (v.isObject()) {
          for (const auto& [k, x] : v.obj().entries) self(self, x);
        }
      };
      recurse(recurse, input);
      if (out.size() == 1) return out[0];
      return Value::sequence(std::move(out));
    }
    case NodeType::kParent: {
      const Value* v = env->lookup(expr->slot->label);
      return v ? *v : Value();
    }
    case NodeType::kCondition: {
      Value c = evaluate(expr->condition.get(), input, env);
      if (truthy(c)) return evaluate(expr->then.get(), input, env);
      if (expr->otherwise) return evaluate(expr->otherwise.get(), input, env);
      return Value();
    }
    case NodeType::kBlock: {
      auto frame = std::make_shared<Frame>(env);
      Value result;
      for (const NodePtr& e : expr->steps) result = evaluate(e.get(), input, frame);
      return result;
    }
    case NodeType::kBind: {
      Value v = evaluate(expr->rhs.get(), input, env);
      env->bind(expr->lhs->value, v);
      return v;
    }
    case NodeType::kRegex: {
      auto f = std::make_shared<Function>();
      f->type = FunctionType::kRegex;
      f->regex = std::static_pointer_cast<Regex>(expr->compiled);
      return Value::function(f);
    }
    case NodeType::kFunction:
      return evaluateFunction(expr, input, env, nullptr);
    case NodeType::kPartial:
      return evaluatePartial(expr, input, env);
    case NodeType::kVariable: {
      if (expr->value.empty()) {
        if (input.isArray() && input.hasFlag(kOuterWrapper)) return input.arr().empty() ? Value() : input.arr()[0];
        return input;
      }
      if (const Value* v = env->lookup(expr->value)) return *v;
      if (const Value* b = findBuiltin(expr->value)) return *b;
      return Value();
    }
    case NodeType::kLambda: {
      auto f = std::make_shared<Function>();
      f->type = FunctionType::kLambda;
      f->node = expr;
      f->input = input;
      f->env = env;
      f->thunk = expr->thunk;
      return Value::function(f);
    }
    case NodeType::kApply:
      return evaluateApply(expr, input, env);
    case NodeType::kTransform: {
      auto f = std::make_shared<Function>();
      f->type = FunctionType::kTransform;
      f->node = expr;
      f->env = env;
      return Value::function(f);
    }
    default:
      raise("S0206", "Unknown expression type", expr->position);
  }
}

Value Evaluator::evaluatePath(const Node* expr, const Value& input, const FramePtr& env) {
  Value inputSeq;
  if (input.isArray() && expr->steps[0]->type != NodeType::kVariable) {
    inputSeq = input;
  } else {
    inputSeq = Value::sequence(Array{input});
  }
  Value resultSeq;
  bool isTuple = false;
  Value tuples;
  for (size_t i = 0; i < expr->steps.size(); ++i) {
    const Node* step = expr->steps[i].get();
    if (step->tuple) isTuple = true;
    if (i == 0 && step->consarray) {
      resultSeq = evaluate(step, inputSeq, env);
    } else if (isTuple) {
      tuples = evaluateTupleStep(step, inputSeq, std::move(tuples), env);
    } else {
      resultSeq = evaluateStep(step, inputSeq, env, i == expr->steps.size() - 1);
    }
    if (!isTuple && (resultSeq.isUndefined() || (resultSeq.isArray() && resultSeq.arr().empty()))) break;
    if (step->focus.empty()) inputSeq = resultSeq;
  }
  if (isTuple) {
    if (expr->tuple) {
      resultSeq = tuples;
    } else {
      Array out;
      if (tuples.isArray()) {
        out.reserve(tuples.arr().size());
        for (const Value& t : tuples.arr()) out.push_back(tupleFocus(t));
      }
      resultSeq = Value::sequence(std::move(out));
    }
  }
  if (expr->keepSingletonArray) {
    if (resultSeq.isArray() && resultSeq.hasFlag(kCons) && !resultSeq.hasFlag(kSequence)) {
      resultSeq = Value::sequence(Array{resultSeq});
    }
    if (resultSeq.isArray()) {
      resultSeq.setFlag(kKeepSingleton);
    } else if (resultSeq.isDefined()) {
      resultSeq = Value::array(Array{resultSeq}, kSequence | kKeepSingleton);
    }
  }
  if (expr->hasGroup) resultSeq = evaluateGroup(expr->group, expr->position, isTuple ? tuples : resultSeq, env);
  return resultSeq;
}

Value Evaluator::evaluateStep(const Node* step, const Value& input, const FramePtr& env, bool lastStep) {
  if (step->type == NodeType::kSort) {
    Value r = evaluateSort(step, input, env);
    if (!step->stages.empty()) r = evaluateStages(step->stages, r, env);
    return r;
  }
  const Array& in = input.arr();
  Array results;
  results.reserve(in.size());
  for (const Value& item : in) {
    Value res = evaluate(step, item, env);
    for (const Stage& s : step->stages) res = evaluateFilter(s.expr.get(), res, env);
    if (res.isDefined()) results.push_back(std::move(res));
  }
  if (lastStep && results.size() == 1 && results[0].isArray() && !results[0].isSequence()) return results[0];
  Array flat;
  flat.reserve(results.size());
  for (Value& r : results) {
    if (!r.isArray() || r.hasFlag(kCons)) {
      flat.push_back(std::move(r));
    } else {
      const Array& a = r.arr();
      flat.insert(flat.end(), a.begin(), a.end());
    }
  }
  return Value::sequence(std::move(flat));
}

Value Evaluator::evaluateStages(const std::vector<Stage>& stages, Value input, const FramePtr& env) {
  for (const Stage& s : stages) {
    if (!s.isIndex) {
      input = evaluateFilter(s.expr.get(), input, env);
    } else if (input.isArray()) {
      Array& a = input.mutArr();
      for (size_t i = 0; i < a.size(); ++i) {
        a[i] = copyTuple(a[i]);
        a[i].mutObj().set(s.var, Value::number(static_cast<double>(i)));
      }
    }
  }
  return input;
}

Value Evaluator::evaluateTupleStep(const Node* step, const Value& input, Value tuples, const FramePtr& env) {
  if (step->type == NodeType::kSort) {
    Value result;
    if (tuples.isDefined()) {
      result = evaluateSort(step, tuples, env);
    } else {
      Value sorted = evaluateSort(step, input, env);
      Array out;
      if (sorted.isArray()) {
        for (size_t i = 0; i < sorted.arr().size(); ++i) {
          Value t = tupleOf(sorted.arr()[i]);
          if (!step->indexVar.empty()) t.mutObj().set(step->indexVar, Value::number(static_cast<double>(i)));
          out.push_back(std::move(t));
        }
      }
      result = Value::array(std::move(out), kSequence | kTupleStream);
    }
    if (!step->stages.empty()) result = evaluateStages(step->stages, result, env);
    return result;
  }
  if (tuples.isUndefined()) {
    Array ts;
    for (const Value& item : input.arr()) ts.push_back(tupleOf(item));
    tuples = Value::array(std::move(ts), kSequence | kTupleStream);
  }
  Array out;
  for (const Value& tuple : tuples.arr()) {
    FramePtr stepEnv = frameFromTuple(env, tuple);
    Value res = evaluate(step, tupleFocus(tuple), stepEnv);
    if (res.isUndefined()) continue;
    Array items;
    bool stream = res.isArray() && res.hasFlag(kTupleStream);
    if (res.isArray())
      items = res.arr();
    else
      items.push_back(res);
    for (size_t b = 0; b < items.size(); ++b) {
      Value t = copyTuple(tuple);
      Object& o = t.mutObj();
      if (stream) {
        for (const auto& [k, v] : items[b].obj().entries) o.set(k, v);
      } else {
        if (!step->focus.empty()) {
          o.set(step->focus, items[b]);
        } else {
          o.entries.front().second = items[b];
        }
        if (!step->indexVar.empty()) o.set(step->indexVar, Value::number(static_cast<double>(b)));
        if (step->ancestor) o.set(step->ancestor->label, tupleFocus(tuple));
      }
      out.push_back(std::move(t));
    }
  }
  Value result = Value::array(std::move(out), kSequence | kTupleStream);
  if (!step->stages.empty()) result = evaluateStages(step->stages, result, env);
  return result;
}

Value Evaluator::evaluateFilter(const Node* pred, const Value& input, const FramePtr& env) {
  bool stream = input.isArray() && input.hasFlag(kTupleStream);
  uint8_t flags = stream ? (kSequence | kTupleStream) : kSequence;
  Value inSeq = input.isArray() ? input : Value::sequence(Array{input});
  const Array& in = inSeq.arr();
  if (pred->type == NodeType::kLiteral && pred->literal.isNumber()) {
    double idx = std::floor(pred->literal.asNumber());
    if (idx < 0) idx += static_cast<double>(in.size());
    if (idx >= 0 && idx < static_cast<double>(in.size())) {
      const Value& item = in[static_cast<size_t>(idx)];
      if (item.isUndefined()) return Value::array(Array{}, flags);
      if (item.isArray()) return item;
      return Value::array(Array{item}, flags);
    }
    return Value::array(Array{}, flags);
  }
  Array out;
  for (size_t i = 0; i < in.size(); ++i) {
    const Value& item = in[i];
    Value res;
    if (stream) {
      res = evaluate(pred, tupleFocus(item), frameFromTuple(env, item));
    } else {
      res = evaluate(pred, item, env);
    }
    if (numeric(res)) res = Value::array(Array{res});
    if (isArrayOfNumbers(res)) {
      for (const Value& n : res.arr()) {
        double ii = std::floor(n.asNumber());
        if (ii < 0) ii += static_cast<double>(in.size());
        if (ii == static_cast<double>(i)) out.push_back(item);
      }
    } else if (truthy(res)) {
      out.push_back(item);
    }
  }
  return Value::array(std::move(out), flags);
}

Value Evaluator::evaluateArray(const Node* expr, const Value& input, const FramePtr& env) {
  Array out;
  for (const NodePtr& item : expr->steps) {
    Value v = evaluate(item.get(), input, env);
    if (v.isUndefined()) continue;
    if (item->type == NodeType::kArray) {
      out.push_back(std::move(v));
    } else if (v.isArray()) {
      out.insert(out.end(), v.arr().begin(), v.arr().end());
    } else {
      out.push_back(std::move(v));
    }
  }
  return Value::array(std::move(out), expr->consarray ? kCons : 0);
}

Value Evaluator::evaluateBinary(const Node* expr, const Value& input, const FramePtr& env) {
  const std::string& op = expr->value;
  Value lhs = evaluate(expr->lhs.get(), input, env);
  if (op == "and") return Value::boolean(truthy(lhs) && truthy(evaluate(expr->rhs.get(), input, env)));
  if (op == "or") return Value::boolean(truthy(lhs) || truthy(evaluate(expr->rhs.get(), input, env)));
  Value rhs = evaluate(expr->rhs.get(), input, env);
  try {
    switch (op[0]) {
      case '+':
      case '-':
      case '*':
      case '/':
      case '%': {
        if (lhs.isDefined() && !numeric(lhs))
          raise("T2001", "The left side of the " + op + " operator must evaluate to a number");
        if (rhs.isDefined() && !numeric(rhs))
          raise("T2002", "The right side of the " + op + " operator must evaluate to a number");
        if (lhs.isUndefined() || rhs.isUndefined()) return Value();
        double a = lhs.asNumber(), b = rhs.asNumber();
        switch (op[0]) {
          case '+':
            return Value::number(a + b);
          case '-':
            return Value::number(a - b);
          case '*':
            return Value::number(a * b);
          case '/':
            return Value::number(a / b);
          default:
            return Value::number(std::fmod(a, b));
        }
      }
      case '&': {
        std::string s = lhs.isDefined() ? toJsString(lhs) : "";
        if (rhs.isDefined()) s += toJsString(rhs);
        return Value::string(std::move(s));
      }
      case '.': {  // range
        if (lhs.isDefined() && (!lhs.isNumber() || std::floor(lhs.asNumber()) != lhs.asNumber()))
          raise("T2003", "The left side of the range operator (..) must evaluate to an integer");
        if (rhs.isDefined() && (!rhs.isNumber() || std::floor(rhs.asNumber()) != rhs.asNumber()))
          raise("T2004", "The right side of the range operator (..) must evaluate to an integer");
        if (lhs.isUndefined() || rhs.isUndefined()) return Value();
        double a = lhs.asNumber(), b = rhs.asNumber();
        if (a > b) return Value();
        double size = b - a + 1;
        if (size > 1e7)
          raise("D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7");
        Array out;
        out.reserve(static_cast<size_t>(size));
        for (double x = a; x <= b; x += 1) out.push_back(Value::number(x));
        return Value::sequence(std::move(out));
      }
      default:
        break;
    }
    if (op == "=" || op == "!=") {
      if (lhs.isUndefined() || rhs.isUndefined()) return Value::boolean(false);
      bool eq = deepEqual(lhs, rhs);
      return Value::boolean(op == "=" ? eq : !eq);
    }
    if (op == "in") {
      if (lhs.isUndefined() || rhs.isUndefined()) return Value::boolean(false);
      auto same = [&](const Value& x) {
        if (x.kind() != lhs.kind()) return false;
        if (x.isArray() || x.isObject() || x.isFunction()) return x.identity() == lhs.identity();
        return deepEqual(x, lhs);
      };
      if (rhs.isArray()) {
        for (const Value& x : rhs.arr()) {
          if (same(x)) return Value::boolean(true);
        }
        return Value::boolean(false);
      }
      return Value::boolean(same(rhs));
    }
    // comparison
    bool lc = lhs.isUndefined() || lhs.isString() || lhs.isNumber();
    bool rc = rhs.isUndefined() || rhs.isString() || rhs.isNumber();
    if (!lc || !rc)
      raise("T2010", "The expressions either side of operator " + op + " must evaluate to numeric or string values");
    if (lhs.isUndefined() || rhs.isUndefined()) return Value();
    if (lhs.kind() != rhs.kind())
      raise("T2009", "The values either side of operator " + op + " must be of the same data type");
    int cmp;
    if (lhs.isNumber()) {
      double a = lhs.asNumber(), b = rhs.asNumber();
      if (op == "<") return Value::boolean(a < b);
      if (op == "<=") return Value::boolean(a <= b);
      if (op == ">") return Value::boolean(a > b);
      return Value::boolean(a >= b);
    }
    cmp = compareUtf16(lhs.str(), rhs.str());
    if (op == "<") return Value::boolean(cmp < 0);
    if (op == "<=") return Value::boolean(cmp <= 0);
    if (op == ">") return Value::boolean(cmp > 0);
    return Value::boolean(cmp >= 0);
  } catch (JsonataError& e) {
    if (e.position < 0) e.position = expr->position;
    throw;
  }
}

Value Evaluator::evaluateGroup(const std::vector<std::pair<NodePtr, NodePtr>>& pairs, int position, Value input,
                               const FramePtr& env) {
  bool reduce = input.isArray() && input.hasFlag(kTupleStream);
  if (!input.isArray()) {
    // One context item (the usual object constructor): no grouping to do.
    auto result = std::make_shared<Object>();
    std::vector<std::pair<std::string, size_t>> keys;
    keys.reserve(pairs.size());
    for (size_t p = 0; p < pairs.size(); ++p) {
      Value key = evaluate(pairs[p].first.get(), input, env);
      if (key.isUndefined()) continue;
      if (!key.isString())
        raise("T1003", "Key in object structure must evaluate to a string; got: " + stringify(key, false), position);
      for (const auto& [k, _] : keys) {
        if (k == key.str()) raise("D1009", "Multiple key definitions evaluate to same key: " + key.str(), position);
      }
      keys.emplace_back(key.str(), p);
    }
    result->entries.reserve(keys.size());
    for (const auto& [k, p] : keys) {
      Value v = evaluate(pairs[p].second.get(), input, env);
      if (v.isDefined()) result->set(k, std::move(v));
    }
    return Value::object(result);
  }
  Array emptyInput{Value()};
  const Array& items = input.arr().empty() ? emptyInput : input.arr();
  struct Group {
    std::string key;
    Value data;
    size_t exprIndex;
    Array collected;  // items appended after the first, flattened as fn.append does
    size_t count = 1;
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> index;
  for (const Value& item : items) {
    FramePtr itemEnv = reduce ? frameFromTuple(env, item) : env;
    for (size_t p = 0; p < pairs.size(); ++p) {
      Value key = evaluate(pairs[p].first.get(), reduce ? tupleFocus(item) : item, itemEnv);
      if (key.isUndefined()) continue;
      if (!key.isString())
        raise("T1003", "Key in object structure must evaluate to a string; got: " + stringify(key, false), position);
      auto it = index.find(key.str());
      if (it != index.end()) {
        Group& g = groups[it->second];
        if (g.exprIndex != p) raise("D1009", "Multiple key definitions evaluate to same key: " + key.str(), position);
        if (g.count++ == 1) {
          if (g.data.isArray())
            g.collected = g.data.arr();
          else
            g.collected.push_back(g.data);
        }
        if (item.isArray()) {
          g.collected.insert(g.collected.end(), item.arr().begin(), item.arr().end());
        } else {
          g.collected.push_back(item);
        }
      } else {
        index.emplace(key.str(), groups.size());
        groups.push_back({key.str(), item, p, {}, 1});
      }
    }
  }
  auto result = std::make_shared<Object>();
  result->entries.reserve(groups.size());
  for (Group& g : groups) {
    if (g.count > 1) g.data = Value::array(std::move(g.collected));
    Value context = g.data;
    FramePtr groupEnv = env;
    if (reduce) {
      Value tuple;
      if (g.data.isArray()) {
        auto merged = std::make_shared<Object>(g.data.arr()[0].obj());
        for (size_t i = 1; i < g.data.arr().size(); ++i) {
          for (const auto& [k, v] : g.data.arr()[i].obj().entries) {
            const Value* existing = merged->find(k);
            merged->set(k, appendValues(existing ? *existing : Value(), v));
          }
        }
        tuple = Value::object(merged);
      } else {
        tuple = g.data;
      }
      context = tupleFocus(tuple);
      auto frame = std::make_shared<Frame>(env);
      for (size_t i = 1; i < tuple.obj().entries.size(); ++i) frame->vars.push_back(tuple.obj().entries[i]);
      groupEnv = frame;
    }
    Value v = evaluate(pairs[g.exprIndex].second.get(), context, groupEnv);
    if (v.isDefined()) result->set(g.key, std::move(v));
  }
  return Value::object(result);
}

Value Evaluator::evaluateSort(const Node* expr, const Value& input, const FramePtr& env) {
  if (!input.isArray()) return input;
  bool tupleSort = input.hasFlag(kTupleStream);
  const Array& in = input.arr();
  if (in.size() <= 1) return input;
  // Evaluate every sort key once, then merge-sort indexes stably.
  std::vector<std::vector<Value>> keys(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    for (const SortTerm& term : expr->terms) {
      if (tupleSort) {
        keys[i].push_back(evaluate(term.expr.get(), tupleFocus(in[i]), frameFromTuple(env, in[i])));
      } else {
        keys[i].push_back(evaluate(term.expr.get(), in[i], env));
      }
    }
  }
  auto greater = [&](size_t a, size_t b) {
    for (size_t t = 0; t < expr->terms.size(); ++t) {
      const Value& x = keys[a][t];
      const Value& y = keys[b][t];
      int comp;
      if (x.isUndefined()) {
        comp = y.isUndefined() ? 0 : 1;
        if (comp == 0) continue;
        return comp == 1;
      }
      if (y.isUndefined()) return false;
      if (!(x.isString() || x.isNumber()) || !(y.isString() || y.isNumber()))
        raise("T2008", "The expressions within an order-by clause must evaluate to numeric or string values",
              expr->position);
      if (x.kind() != y.kind())
        raise("T2007", "Type mismatch within order-by clause. All values must be of the same type", expr->position);
      if (x.isNumber()) {
        if (x.asNumber() == y.asNumber()) continue;
        comp = x.asNumber() < y.asNumber() ? -1 : 1;
      } else {
        if (x.str() == y.str()) continue;
        comp = compareUtf16(x.str(), y.str()) < 0 ? -1 : 1;
      }
      if (expr->terms[t].descending) comp = -comp;
      return comp == 1;
    }
    return false;
  };
  std::vector<size_t> order(in.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  mergeSort(order, greater);
  Array out;
  out.reserve(in.size());
  for (size_t i : order) out.push_back(in[i]);
  return Value::array(std::move(out), input.flags() | kSequence);
}

Value Evaluator::evaluateFunction(const Node* expr, const Value& input, const FramePtr& env, const Value* applyTo) {
  Value proc = evaluate(expr->procedure.get(), input, env);
  if (proc.isUndefined() && expr->procedure->type == NodeType::kPath && !expr->procedure->steps.empty() &&
      (env->lookup(expr->procedure->steps[0]->value) || findBuiltin(expr->procedure->steps[0]->value))) {
    raise("T1005", "Attempted to invoke a non-function. Did you mean ${{{token}}}?", expr->position);
  }
  std::vector<Value> args;
  args.reserve(expr->steps.size() + 1);
  if (applyTo) args.push_back(*applyTo);
  for (const NodePtr& a : expr->steps) args.push_back(evaluate(a.get(), input, env));
  try {
    return apply(proc, std::move(args), input, env);
  } catch (JsonataError& e) {
    if (e.position < 0) e.position = expr->position;
    throw;
  }
}

Value Evaluator::apply(const Value& proc, std::vector<Value> args, const Value& input, const FramePtr& env) {
  Value result = applyInner(proc, args, input, env);
  while (result.isFunction() && result.fn().type == FunctionType::kLambda && result.fn().thunk) {
    Value thunk = result;
    const Function& t = thunk.fn();
    const Node* call = t.node->body.get();
    Value next = evaluate(call->procedure.get(), t.input, t.env);
    std::vector<Value> evaluated;
    for (const NodePtr& a : call->steps) evaluated.push_back(evaluate(a.get(), t.input, t.env));
    result = applyInner(next, evaluated, t.input, t.env);
  }
  return result;
}

Value Evaluator::callback(const Value& fn, const Value& a1, const Value& a2, const Value& a3, const FramePtr& env) {
  int arity = fn.isFunction() ? fn.fn().arity() : 1;
  std::vector<Value> args{a1};
  if (arity >= 2) args.push_back(a2);
  if (arity >= 3) args.push_back(a3);
  return apply(fn, std::move(args), Value(), env);
}

Value Evaluator::applyInner(const Value& proc, std::vector<Value>& args, const Value& input, const FramePtr& env) {
  if (!proc.isFunction()) raise("T1006", "Attempted to invoke a non-function");
  DepthGuard guard = enter();
  const Function& f = proc.fn();
  std::shared_ptr<Signature> sig = f.signature();
  std::vector<Value> validated = sig ? sig->validate(args, input) : std::move(args);
  switch (f.type) {
    case FunctionType::kLambda: {
      auto frame = std::make_shared<Frame>(f.env);
      const auto& params = f.node->params;
      frame->vars.reserve(params.size());
      for (size_t i = 0; i < params.size(); ++i)
        frame->vars.emplace_back(params[i], i < validated.size() ? validated[i] : Value());
      return evaluate(f.node->body.get(), f.input, frame);
    }
    case FunctionType::kNative: {
      CallContext ctx{*this, input, env};
      return f.builtin->impl(ctx, validated);
    }
    case FunctionType::kPartial: {
      std::vector<Value> full;
      size_t next = 0;
      for (size_t i = 0; i < f.boundArgs.size(); ++i) {
        if (f.hole[i]) {
          full.push_back(next < validated.size() ? validated[next] : Value());
          ++next;
        } else {
          full.push_back(f.boundArgs[i]);
        }
      }
      return apply(f.target, std::move(full), input, env);
    }
    case FunctionType::kChain: {
      Value r = apply(f.target, std::move(validated), input, env);
      return apply(f.second, {r}, input, env);
    }
    case FunctionType::kRegex: {
      if (validated.empty() || !validated[0].isString()) return Value();
      std::u16string s = toUtf16(validated[0].str());
      int from = validated.size() > 1 && validated[1].isNumber() ? static_cast<int>(validated[1].asNumber()) : 0;
      auto m = f.regex->exec(s, from);
      if (!m) return Value();
      auto o = std::make_shared<Object>();
      o->set("match", Value::string(fromUtf16(std::u16string_view(s).substr(m->start, m->end - m->start))));
      o->set("start", Value::number(m->start));
      o->set("end", Value::number(m->end));
      Array groups;
      for (auto& g : m->groups) {
        groups.push_back(g ? Value::string(fromUtf16(std::u16string_view(s).substr(g->first, g->second - g->first)))
                           : Value());
      }
      o->set("groups", Value::array(std::move(groups)));
      return Value::object(o);
    }
    case FunctionType::kTransform:
      return transform(f, validated.empty() ? Value() : validated[0], env);
  }
  return Value();
}

namespace {

Value deepClone(const Value& v) {
  if (v.isArray()) {
    Array out;
    out.reserve(v.arr().size());
    for (const Value& x : v.arr()) out.push_back(deepClone(x));
    return Value::array(std::move(out));
  }
  if (v.isObject()) {
    auto o = std::make_shared<Object>();
    for (const auto& [k, x] : v.obj().entries) {
      if (x.isUndefined() || x.isFunction()) continue;
      o->entries.emplace_back(k, deepClone(x));
    }
    Value out = Value::object(std::make_shared<Object>());
    for (auto& [k, x] : o->entries) out.mutObj().set(k, std::move(x));
    return out;
  }
  return v;
}

}  // namespace

Value Evaluator::transform(const Function& f, const Value& obj, const FramePtr& env) {
  if (obj.isUndefined()) return Value();
  Value result = deepClone(obj);
  const Node* expr = f.node;
  Value matches = evaluate(expr->pattern.get(), result, f.env);
  if (matches.isUndefined()) return result;
  Array list = matches.isArray() ? matches.arr() : Array{matches};
  for (const Value& match : list) {
    Value update = evaluate(expr->update.get(), match, f.env);
    if (update.isDefined()) {
      if (!update.isObject())
        raise("T2011", "The insert/update clause of the transform expression must evaluate to an object",
              expr->position);
      if (match.isObject()) {
        for (const auto& [k, v] : update.obj().entries) match.mutObj().set(k, v);
      }
    }
    if (expr->remove) {
      Value deletions = evaluate(expr->remove.get(), match, f.env);
      if (deletions.isDefined()) {
        Array names = deletions.isArray() ? deletions.arr() : Array{deletions};
        for (const Value& n : names) {
          if (!n.isString())
            raise("T2012",
                  "The delete clause of the transform expression must evaluate to a string or array of strings",
                  expr->position);
        }
        if (match.isObject()) {
          for (const Value& n : names) match.mutObj().erase(n.str());
        }
      }
    }
  }
  return result;
}

Value Evaluator::evaluatePartial(const Node* expr, const Value& input, const FramePtr& env) {
  auto f = std::make_shared<Function>();
  f->type = FunctionType::kPartial;
  for (const NodePtr& a : expr->steps) {
    bool isHole = a->type == NodeType::kPlaceholder;
    f->hole.push_back(isHole);
    f->boundArgs.push_back(isHole ? Value() : evaluate(a.get(), input, env));
  }
  Value proc = evaluate(expr->procedure.get(), input, env);
  if (proc.isUndefined() && expr->procedure->type == NodeType::kPath && !expr->procedure->steps.empty() &&
      (env->lookup(expr->procedure->steps[0]->value) || findBuiltin(expr->procedure->steps[0]->value))) {
    raise("T1007", "Attempted to partially apply a non-function. Did you mean ${{{token}}}?", expr->position);
  }
  if (!proc.isFunction()) raise("T1008", "Attempted to partially apply a non-function", expr->position);
  f->target = proc;
  return Value::function(f);
}

Value Evaluator::evaluateApply(const Node* expr, const Value& input, const FramePtr& env) {
  Value lhs = evaluate(expr->lhs.get(), input, env);
  if (expr->rhs->type == NodeType::kFunction) return evaluateFunction(expr->rhs.get(), input, env, &lhs);
  Value func = evaluate(expr->rhs.get(), input, env);
  if (!func.isFunction())
    raise("T2006", "The right side of the function application operator ~> must be a function", expr->position);
  if (lhs.isFunction()) {
    auto f = std::make_shared<Function>();
    f->type = FunctionType::kChain;
    f->target = lhs;
    f->second = func;
    return Value::function(f);
  }
  return apply(func, {lhs}, Value(), env);
}

}  // namespace wharf::jsonata
