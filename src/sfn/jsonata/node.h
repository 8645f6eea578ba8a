// The abstract syntax tree of a compiled expression, after jsonata-js style post-processing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sfn/jsonata/value.h"

namespace wharf::jsonata {

class Signature;
struct Node;
using NodePtr = std::shared_ptr<Node>;

enum class NodeType {
  kPath,
  kBinary,
  kNegate,
  kArray,
  kObject,
  kName,
  kLiteral,
  kWildcard,
  kDescendant,
  kParent,
  kCondition,
  kBlock,
  kBind,
  kRegex,
  kFunction,
  kPartial,
  kVariable,
  kLambda,
  kApply,
  kTransform,
  kSort,
  kPlaceholder,
  kOperator,
  kEnd,
  kGroupBy,
  kPredicate,
  kOrderBy,
  kFocus,
  kIndex,
};

// A parent-operator slot: which ancestor label a `%` reads, resolved while post-processing.
struct Slot {
  std::string label;
  int level = 1;
  int index = 0;
};
using SlotPtr = std::shared_ptr<Slot>;

struct Stage {
  bool isIndex = false;
  NodePtr expr;
  std::string var;
};

struct SortTerm {
  bool descending = false;
  NodePtr expr;
};

struct Node {
  NodeType type = NodeType::kLiteral;
  std::string value;  // operator, name, variable, regex source
  Value literal;      // literal value / regex flags holder
  int position = 0;
  NodePtr lhs, rhs, expr, condition, then, otherwise, procedure, body, pattern, update, remove;
  std::vector<NodePtr> steps;                      // path steps / block / array items / call arguments
  std::vector<std::pair<NodePtr, NodePtr>> pairs;  // object constructor
  std::vector<std::pair<NodePtr, NodePtr>> group;
  bool hasGroup = false;
  std::vector<Stage> predicate;
  std::vector<Stage> stages;
  std::vector<SortTerm> terms;
  std::vector<std::string> params;
  std::shared_ptr<Signature> signature;
  std::string focus, indexVar;
  bool tuple = false, keepArray = false, keepSingletonArray = false, consarray = false, thunk = false;
  bool isRangeItem = false;
  SlotPtr ancestor, slot;
  std::vector<SlotPtr> seekingParent;
  bool seeking = false;            // seekingParent defined
  std::shared_ptr<void> compiled;  // compiled regex
};

}  // namespace wharf::jsonata
