// Tree-walking evaluation of a compiled expression with jsonata-js semantics (sequences, tuple
// streams for focus/index/parent bindings, tail calls), guarded by depth and time limits.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "sfn/jsonata/function.h"
#include "sfn/jsonata/node.h"
#include "sfn/jsonata/regex.h"
#include "sfn/jsonata/value.h"

namespace wharf::jsonata {

struct Limits {
  int maxDepth = 1500;
  std::chrono::milliseconds timeout{10000};
  // Replayable evaluations (Step Functions): a fixed time for $now/$millis instead of the system
  // clock, and the seed of $random/$uuid/$shuffle, asked for only when randomness is first used.
  std::optional<double> nowMillis;
  std::function<uint64_t()> randomSeed;
};

class Evaluator {
 public:
  Evaluator(const Limits& limits, double nowMillis);

  Value evaluate(const Node* expr, const Value& input, const FramePtr& env);
  Value apply(const Value& proc, std::vector<Value> args, const Value& input, const FramePtr& env);
  // Calls a higher-order function's callback with as many of (a1, a2, a3) as it declares.
  Value callback(const Value& fn, const Value& a1, const Value& a2, const Value& a3, const FramePtr& env);
  double nowMillis() const { return now_; }
  // Seeded on first use: most evaluations never need randomness.
  std::mt19937_64& rng() {
    if (!rng_) rng_.emplace(limits_.randomSeed ? limits_.randomSeed() : std::random_device{}());
    return *rng_;
  }

 private:
  Value evalNode(const Node* expr, const Value& input, const FramePtr& env);
  Value evaluatePath(const Node* expr, const Value& input, const FramePtr& env);
  Value evaluateStep(const Node* step, const Value& input, const FramePtr& env, bool lastStep);
  Value evaluateTupleStep(const Node* step, const Value& input, Value tuples, const FramePtr& env);
  Value evaluateStages(const std::vector<Stage>& stages, Value input, const FramePtr& env);
  Value evaluateFilter(const Node* pred, const Value& input, const FramePtr& env);
  Value evaluateBinary(const Node* expr, const Value& input, const FramePtr& env);
  Value evaluateArray(const Node* expr, const Value& input, const FramePtr& env);
  Value evaluateGroup(const std::vector<std::pair<NodePtr, NodePtr>>& pairs, int position, Value input,
                      const FramePtr& env);
  Value evaluateSort(const Node* expr, const Value& input, const FramePtr& env);
  Value evaluateFunction(const Node* expr, const Value& input, const FramePtr& env, const Value* applyTo);
  Value evaluatePartial(const Node* expr, const Value& input, const FramePtr& env);
  Value evaluateApply(const Node* expr, const Value& input, const FramePtr& env);
  Value applyInner(const Value& proc, std::vector<Value>& args, const Value& input, const FramePtr& env);
  Value transform(const Function& f, const Value& obj, const FramePtr& env);
  FramePtr frameFromTuple(const FramePtr& env, const Value& tuple);
  void checkLimits();
  // One level of nesting, counted (after checking the limits) until the guard is destroyed.
  struct DepthGuard {
    int& depth;
    ~DepthGuard() { --depth; }
  };
  DepthGuard enter();

  Limits limits_;
  std::chrono::steady_clock::time_point deadline_;
  int depth_ = 0;
  uint32_t ticks_ = 0;
  double now_;
  std::optional<std::mt19937_64> rng_;
};

// Truthiness as $boolean defines it; undefined stays undefined (returned as nullopt-like false).
bool truthy(const Value& v);
Value booleanOf(const Value& v);
// $string of a value (raises D3001 for non-finite numbers).
std::string toJsString(const Value& v);
// Appends like jsonata-js's fn.append (sequence concatenation).
Value appendValues(const Value& a, const Value& b);
Value lookupField(const Value& input, const std::string& key);
// Looks up a built-in function value by name (without '$').
const Value* findBuiltin(std::string_view name);
// jsonata-js's stable merge sort, kept (rather than std::stable_sort) so that comparators, which
// may be user functions, see the same pairs in the same order; `greater(a, b)` puts b first.
template <typename T, typename Greater>
void mergeSort(std::vector<T>& items, Greater&& greater);
// Calls `onMatch` for each successive match as jsonata-js's regex closure iterates them.
template <typename F>
void forEachMatch(const Regex& re, const std::u16string& s, F&& onMatch);

}  // namespace wharf::jsonata

#include "sfn/jsonata/error.h"

template <typename F>
void wharf::jsonata::forEachMatch(const Regex& re, const std::u16string& s, F&& onMatch) {
  auto m = re.exec(s, 0);
  while (m) {
    if (!onMatch(*m)) return;
    if (m->end >= static_cast<int>(s.size())) return;
    auto next = re.exec(s, m->end);
    if (next && next->end == next->start) raise("D1004", "Regular expression matches zero length string");
    m = std::move(next);
  }
}

template <typename T, typename Greater>
void wharf::jsonata::mergeSort(std::vector<T>& items, Greater&& greater) {
  std::vector<T> tmp(items.size());
  auto sort = [&](auto& self, size_t lo, size_t hi) -> void {
    if (hi - lo <= 1) return;
    size_t mid = lo + (hi - lo) / 2;
    self(self, lo, mid);
    self(self, mid, hi);
    size_t l = lo, r = mid, o = lo;
    while (l < mid && r < hi) tmp[o++] = greater(items[l], items[r]) ? items[r++] : items[l++];
    while (l < mid) tmp[o++] = items[l++];
    while (r < hi) tmp[o++] = items[r++];
    for (size_t i = lo; i < hi; ++i) items[i] = tmp[i];
  };
  sort(sort, 0, items.size());
}
