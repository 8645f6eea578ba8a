// Function values (lambdas, built-ins, partial applications, regex matchers) and the variable
// frames closures capture.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sfn/jsonata/node.h"
#include "sfn/jsonata/value.h"

namespace wharf::jsonata {

class Evaluator;
class Regex;

// A scope of variable bindings; closures keep their defining frame alive.
struct Frame {
  explicit Frame(std::shared_ptr<Frame> p) : parent(std::move(p)) {}
  std::vector<std::pair<std::string, Value>> vars;
  std::shared_ptr<Frame> parent;

  void bind(const std::string& name, Value v) {
    for (auto& [k, existing] : vars) {
      if (k == name) {
        existing = std::move(v);
        return;
      }
    }
    vars.emplace_back(name, std::move(v));
  }
  const Value* lookup(std::string_view name) const {
    for (const Frame* f = this; f; f = f->parent.get()) {
      for (const auto& [k, v] : f->vars) {
        if (k == name) return &v;
      }
    }
    return nullptr;
  }
};
using FramePtr = std::shared_ptr<Frame>;

// Arguments handed to a built-in; `input` and `env` are the caller's focus (for $now, HOFs).
struct CallContext {
  Evaluator& ev;
  const Value& input;
  const FramePtr& env;
};
using NativeImpl = Value (*)(CallContext& ctx, std::vector<Value>& args);

struct Builtin {
  const char* name;
  const char* signature;
  NativeImpl impl;
  int arity;
  std::shared_ptr<Signature> sig;
};

enum class FunctionType { kLambda, kNative, kPartial, kRegex, kChain, kTransform };

struct Function {
  FunctionType type = FunctionType::kLambda;
  // kLambda / kTransform
  const Node* node = nullptr;
  NodePtr keepAlive;
  Value input;
  FramePtr env;
  bool thunk = false;
  // kNative
  const Builtin* builtin = nullptr;
  // kPartial: target with args, holes marked by `hole`; kChain: target then second
  Value target, second;
  std::vector<Value> boundArgs;
  std::vector<bool> hole;
  // kRegex
  std::shared_ptr<Regex> regex;

  std::shared_ptr<Signature> signature() const;
  int arity() const;
};

}  // namespace wharf::jsonata
