#include "sfn/jsonata/parser.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>

#include "sfn/jsonata/error.h"
#include "sfn/jsonata/regex.h"
#include "sfn/jsonata/signature.h"
#include "sfn/jsonata/utf.h"

namespace wharf::jsonata {
namespace {

const std::map<std::string, int, std::less<>>& operatorTable() {
  static const std::map<std::string, int, std::less<>> table = {
      {".", 75},  {"[", 80},  {"]", 0},   {"{", 70},   {"}", 0},   {"(", 80},  {")", 0},   {",", 0},   {"@", 80},
      {"#", 80},  {";", 80},  {":", 80},  {"?", 20},   {"+", 50},  {"-", 50},  {"*", 60},  {"/", 60},  {"%", 60},
      {"|", 20},  {"=", 40},  {"<", 40},  {">", 40},   {"^", 40},  {"**", 60}, {"..", 20}, {":=", 10}, {"!=", 40},
      {"<=", 40}, {">=", 40}, {"~>", 40}, {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50},  {"!", 0},   {"~", 0}};
  return table;
}

// Binding power as a symbol in the Pratt table (separators have none).
int leftBindingPower(const std::string& id) {
  static const std::map<std::string, int, std::less<>> lbp = {
      {".", 75},  {"[", 80},  {"{", 70},  {"(", 80},   {"@", 80},  {"#", 80},  {"?", 20}, {"+", 50},  {"-", 50},
      {"*", 60},  {"/", 60},  {"%", 60},  {"=", 40},   {"<", 40},  {">", 40},  {"^", 40}, {":=", 10}, {"!=", 40},
      {"<=", 40}, {">=", 40}, {"~>", 40}, {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50}};
  auto it = lbp.find(id);
  return it == lbp.end() ? 0 : it->second;
}

struct Token {
  std::string id;    // symbol id
  std::string type;  // name, variable, operator, string, number, value, regex, end
  std::string text;
  Value value;
  int position = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  NodePtr parse() {
    advance("", false);
    NodePtr e = expression(0);
    if (node_.id != "(end)") raise("S0201", "Syntax error: " + node_.text, node_.position);
    return e;
  }

 private:
  bool isOperatorChar(char c) const {
    static const std::string ops = ".[]{}(),@#;:?+-*/%|=<>^&!~";
    return ops.find(c) != std::string::npos;
  }

  bool isSpace(char c) const { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }

  std::string scanRegex() {
    size_t start = pos_;
    int depth = 0;
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == '/' && depth == 0) {
        size_t bs = 0;
        while (pos_ >= bs + 1 && src_[pos_ - bs - 1] == '\\') ++bs;
        if (bs % 2 == 0) {
          std::string pattern(src_.substr(start, pos_ - start));
          if (pattern.empty()) raise("S0301", "Empty regular expressions are not allowed", static_cast<int>(pos_));
          ++pos_;
          size_t fstart = pos_;
          while (pos_ < src_.size() && (src_[pos_] == 'i' || src_[pos_] == 'm')) ++pos_;
          regexFlags_ = std::string(src_.substr(fstart, pos_ - fstart));
          return pattern;
        }
      }
      bool escaped = pos_ > 0 && src_[pos_ - 1] == '\\';
      if ((c == '(' || c == '[' || c == '{') && !escaped) ++depth;
      if ((c == ')' || c == ']' || c == '}') && !escaped) --depth;
      ++pos_;
    }
    raise("S0302", "No terminating / in regular expression", static_cast<int>(pos_));
  }

  // Returns false at end of input.
  bool lex(bool prefix, Token& tok) {
    for (;;) {
      while (pos_ < src_.size() && isSpace(src_[pos_])) ++pos_;
      if (pos_ + 1 < src_.size() && src_[pos_] == '/' && src_[pos_ + 1] == '*') {
        size_t start = pos_;
        pos_ += 2;
        while (!(pos_ + 1 < src_.size() && src_[pos_] == '*' && src_[pos_ + 1] == '/')) {
          if (++pos_ >= src_.size()) raise("S0106", "Comment has no closing tag", static_cast<int>(start));
        }
        pos_ += 2;
        continue;
      }
      break;
    }
    if (pos_ >= src_.size()) return false;
    char c = src_[pos_];
    tok = Token{};
    tok.position = static_cast<int>(pos_);
    if (!prefix && c == '/') {
      ++pos_;
      tok.type = "regex";
      tok.text = scanRegex();
      tok.value = Value::string(regexFlags_);
      tok.position = static_cast<int>(pos_);
      return true;
    }
    static const char* kDouble[] = {"..", ":=", "!=", ">=", "<=", "**", "~>"};
    for (const char* d : kDouble) {
      if (src_.substr(pos_, 2) == d) {
        pos_ += 2;
        tok.type = "operator";
        tok.text = d;
        tok.position = static_cast<int>(pos_);
        return true;
      }
    }
    if (isOperatorChar(c)) {
      ++pos_;
      tok.type = "operator";
      tok.text = std::string(1, c);
      tok.position = static_cast<int>(pos_);
      return true;
    }
    if (c == '"' || c == '\'') {
      char quote = c;
      ++pos_;
      std::string s;
      while (pos_ < src_.size()) {
        char ch = src_[pos_];
        if (ch == '\\') {
          ++pos_;
          if (pos_ >= src_.size()) break;
          ch = src_[pos_];
          switch (ch) {
            case '"':
              s += '"';
              break;
            case '\\':
              s += '\\';
              break;
            case '/':
              s += '/';
              break;
            case 'b':
              s += '\b';
              break;
            case 'f':
              s += '\f';
              break;
            case 'n':
              s += '\n';
              break;
            case 'r':
              s += '\r';
              break;
            case 't':
              s += '\t';
              break;
            case 'u': {
              auto hex = [&](size_t at, uint32_t& out) {
                if (at + 4 > src_.size()) return false;
                out = 0;
                for (size_t k = at; k < at + 4; ++k) {
                  char h = src_[k];
                  out <<= 4;
                  if (h >= '0' && h <= '9')
                    out |= h - '0';
                  else if (h >= 'a' && h <= 'f')
                    out |= h - 'a' + 10;
                  else if (h >= 'A' && h <= 'F')
                    out |= h - 'A' + 10;
                  else
                    return false;
                }
                return true;
              };
              uint32_t cp;
              if (!hex(pos_ + 1, cp))
                raise("S0104", "The escape sequence \\u must be followed by 4 hex digits", static_cast<int>(pos_));
              pos_ += 4;
              uint32_t low;
              if (cp >= 0xD800 && cp <= 0xDBFF && src_.substr(pos_ + 1, 2) == "\\u" && hex(pos_ + 3, low) &&
                  low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                pos_ += 6;
              }
              appendUtf8(s, cp);
              break;
            }
            default:
              raise("S0103", std::string("Unsupported escape sequence: \\") + ch, static_cast<int>(pos_));
          }
        } else if (ch == quote) {
          ++pos_;
          tok.type = "string";
          tok.value = Value::string(std::move(s));
          tok.position = static_cast<int>(pos_);
          return true;
        } else {
          s += ch;
        }
        ++pos_;
      }
      raise("S0101", "String literal must be terminated by a matching quote", static_cast<int>(pos_));
    }
    if (c >= '0' && c <= '9') {
      size_t i = pos_;
      if (src_[i] == '0') {
        ++i;
      } else {
        while (i < src_.size() && isdigit(static_cast<unsigned char>(src_[i]))) ++i;
      }
      if (i + 1 < src_.size() && src_[i] == '.' && isdigit(static_cast<unsigned char>(src_[i + 1]))) {
        ++i;
        while (i < src_.size() && isdigit(static_cast<unsigned char>(src_[i]))) ++i;
      }
      if (i < src_.size() && (src_[i] == 'e' || src_[i] == 'E')) {
        size_t j = i + 1;
        if (j < src_.size() && (src_[j] == '+' || src_[j] == '-')) ++j;
        if (j < src_.size() && isdigit(static_cast<unsigned char>(src_[j]))) {
          while (j < src_.size() && isdigit(static_cast<unsigned char>(src_[j]))) ++j;
          i = j;
        }
      }
      std::string text(src_.substr(pos_, i - pos_));
      double d = std::strtod(text.c_str(), nullptr);
      if (!std::isfinite(d)) raise("S0102", "Number out of range: " + text, static_cast<int>(pos_));
      pos_ = i;
      tok.type = "number";
      tok.value = Value::number(d);
      tok.position = static_cast<int>(pos_);
      return true;
    }
    if (c == '`') {
      ++pos_;
      size_t end = src_.find('`', pos_);
      if (end == std::string_view::npos)
        raise("S0105", "Quoted property name must be terminated with a backquote (`)", static_cast<int>(pos_));
      tok.type = "name";
      tok.text = std::string(src_.substr(pos_, end - pos_));
      pos_ = end + 1;
      tok.position = static_cast<int>(pos_);
      return true;
    }
    size_t i = pos_;
    while (i < src_.size() && !isSpace(src_[i]) && !isOperatorChar(src_[i])) ++i;
    std::string name(src_.substr(pos_, i - pos_));
    pos_ = i;
    tok.position = static_cast<int>(pos_);
    if (name[0] == '$') {
      tok.type = "variable";
      tok.text = name.substr(1);
    } else if (name == "and" || name == "or" || name == "in") {
      tok.type = "operator";
      tok.text = name;
    } else if (name == "true" || name == "false") {
      tok.type = "value";
      tok.value = Value::boolean(name == "true");
    } else if (name == "null") {
      tok.type = "value";
      tok.value = Value::null();
    } else {
      tok.type = "name";
      tok.text = name;
    }
    return true;
  }

  void advance(const std::string& id, bool infix) {
    if (!id.empty() && node_.id != id) {
      raise(node_.id == "(end)" ? "S0203" : "S0202", "Expected " + id + ", got " + node_.text, node_.position);
    }
    Token tok;
    if (!lex(infix, tok)) {
      node_ = Token{"(end)", "end", "(end)", Value(), static_cast<int>(src_.size())};
      return;
    }
    if (tok.type == "name" || tok.type == "variable") {
      tok.id = "(name)";
    } else if (tok.type == "operator") {
      if (!operatorTable().contains(tok.text) || tok.text == "!" || tok.text == "~")
        raise("S0204", "Unknown operator: " + tok.text, tok.position);
      tok.id = tok.text;
    } else if (tok.type == "regex") {
      tok.id = "(regex)";
    } else {
      tok.id = "(literal)";
      if (tok.text.empty()) tok.text = tok.value.isString() ? tok.value.str() : stringify(tok.value, false);
    }
    node_ = std::move(tok);
  }
  void advance() { advance("", false); }

  NodePtr make(NodeType type, const Token& t) {
    auto n = std::make_shared<Node>();
    n->type = type;
    n->value = t.text;
    n->position = t.position;
    return n;
  }

  NodePtr expression(int rbp) {
    Token t = node_;
    advance("", true);
    NodePtr left = nud(t);
    while (rbp < leftBindingPower(node_.id) && node_.type != "name" && node_.type != "variable" &&
           node_.id != "(literal)" && node_.id != "(regex)" && node_.id != "(end)") {
      t = node_;
      advance();
      left = led(t, left);
    }
    return left;
  }

  std::vector<std::pair<NodePtr, NodePtr>> objectPairs() {
    std::vector<std::pair<NodePtr, NodePtr>> pairs;
    if (node_.id != "}") {
      for (;;) {
        NodePtr k = expression(0);
        advance(":", false);
        NodePtr v = expression(0);
        pairs.emplace_back(k, v);
        if (node_.id != ",") break;
        advance(",", false);
      }
    }
    advance("}", true);
    return pairs;
  }

  NodePtr nud(const Token& t) {
    if (t.id == "(name)") {
      auto n = make(t.type == "name" ? NodeType::kName : NodeType::kVariable, t);
      return n;
    }
    if (t.id == "(literal)") {
      auto n = make(NodeType::kLiteral, t);
      n->literal = t.value;
      n->value = t.type;  // string / number / value
      return n;
    }
    if (t.id == "(regex)") {
      auto n = make(NodeType::kRegex, t);
      n->literal = t.value;
      return n;
    }
    if (t.id == "and" || t.id == "or" || t.id == "in") return make(NodeType::kOperator, t);
    if (t.id == "-") {
      auto n = make(NodeType::kNegate, t);
      n->expr = expression(70);
      return n;
    }
    if (t.id == "*") return make(NodeType::kWildcard, t);
    if (t.id == "**") return make(NodeType::kDescendant, t);
    if (t.id == "%") return make(NodeType::kParent, t);
    if (t.id == "(") {
      auto n = make(NodeType::kBlock, t);
      while (node_.id != ")") {
        n->steps.push_back(expression(0));
        if (node_.id != ";") break;
        advance(";", false);
      }
      advance(")", true);
      return n;
    }
    if (t.id == "[") {
      auto n = make(NodeType::kArray, t);
      if (node_.id != "]") {
        for (;;) {
          NodePtr item = expression(0);
          if (node_.id == "..") {
            auto range = make(NodeType::kBinary, node_);
            range->value = "..";
            range->lhs = item;
            advance("..", false);
            range->rhs = expression(0);
            item = range;
          }
          n->steps.push_back(item);
          if (node_.id != ",") break;
          advance(",", false);
        }
      }
      advance("]", true);
      return n;
    }
    if (t.id == "{") {
      auto n = make(NodeType::kObject, t);
      n->pairs = objectPairs();
      return n;
    }
    if (t.id == "|") {
      auto n = make(NodeType::kTransform, t);
      n->pattern = expression(0);
      advance("|", false);
      n->update = expression(0);
      if (node_.id == ",") {
        advance(",", false);
        n->remove = expression(0);
      }
      advance("|", false);
      return n;
    }
    if (t.id == "(end)") return make(NodeType::kEnd, t);  // reported as S0207 unless a delimiter is missing
    raise("S0211", "The symbol " + t.text + " cannot be used as a unary operator", t.position);
  }

  NodePtr led(const Token& t, NodePtr left) {
    const std::string& op = t.id;
    if (op == "(") {
      auto n = make(NodeType::kFunction, t);
      n->procedure = left;
      if (node_.id != ")") {
        for (;;) {
          if (node_.type == "operator" && node_.id == "?") {
            n->type = NodeType::kPartial;
            n->steps.push_back(make(NodeType::kPlaceholder, node_));
            advance("?", false);
          } else {
            n->steps.push_back(expression(0));
          }
          if (node_.id != ",") break;
          advance(",", false);
        }
      }
      advance(")", true);
      if (left->type == NodeType::kName && (left->value == "function" || left->value == "\u03BB")) {
        for (const NodePtr& arg : n->steps) {
          if (arg->type != NodeType::kVariable)
            raise("S0208", "Parameter of function definition must be a variable name", arg->position);
          n->params.push_back(arg->value);
        }
        n->steps.clear();
        n->type = NodeType::kLambda;
        if (node_.id == "<") {
          int sigPos = node_.position;
          int depth = 1;
          std::string sig = "<";
          while (depth > 0 && node_.id != "{" && node_.id != "(end)") {
            advance();
            if (node_.id == ">")
              --depth;
            else if (node_.id == "<")
              ++depth;
            sig += node_.text;
          }
          advance(">", false);
          try {
            n->signature = Signature::parse(sig);
          } catch (JsonataError& e) {
            e.position = sigPos + std::max(e.position, 0);
            throw;
          }
        }
        advance("{", false);
        n->body = expression(0);
        advance("}", false);
      }
      return n;
    }
    if (op == "[") {
      if (node_.id == "]") {
        Node* step = left.get();
        while (step && step->type == NodeType::kPredicate) step = step->lhs.get();
        step->keepArray = true;
        advance("]", true);
        return left;
      }
      auto n = make(NodeType::kPredicate, t);
      n->lhs = left;
      n->rhs = expression(0);
      advance("]", true);
      return n;
    }
    if (op == "^") {
      auto n = make(NodeType::kOrderBy, t);
      advance("(", false);
      for (;;) {
        SortTerm term;
        if (node_.id == "<") {
          advance("<", false);
        } else if (node_.id == ">") {
          term.descending = true;
          advance(">", false);
        }
        term.expr = expression(0);
        n->terms.push_back(std::move(term));
        if (node_.id != ",") break;
        advance(",", false);
      }
      advance(")", false);
      n->lhs = left;
      return n;
    }
    if (op == "{") {
      auto n = make(NodeType::kGroupBy, t);
      n->lhs = left;
      n->pairs = objectPairs();
      return n;
    }
    if (op == ":=") {
      if (left->type != NodeType::kVariable)
        raise("S0212", "The left side of := must be a variable name (start with $)", left->position);
      auto n = make(NodeType::kBind, t);
      n->lhs = left;
      n->rhs = expression(leftBindingPower(":=") - 1);
      return n;
    }
    if (op == "@" || op == "#") {
      auto n = make(op == "@" ? NodeType::kFocus : NodeType::kIndex, t);
      n->lhs = left;
      n->rhs = expression(leftBindingPower(op));
      if (n->rhs->type != NodeType::kVariable)
        raise("S0214", "The right side of " + op + " must be a variable name (start with $)", n->rhs->position);
      return n;
    }
    if (op == "?") {
      auto n = make(NodeType::kCondition, t);
      n->condition = left;
      n->then = expression(0);
      if (node_.id == ":") {
        advance(":", false);
        n->otherwise = expression(0);
      }
      return n;
    }
    if (op == "~>") {
      auto n = make(NodeType::kApply, t);
      n->lhs = left;
      n->rhs = expression(leftBindingPower(op));
      return n;
    }
    auto n = make(NodeType::kBinary, t);
    n->lhs = left;
    n->rhs = expression(leftBindingPower(op));
    return n;
  }

  std::string_view src_;
  size_t pos_ = 0;
  Token node_;
  std::string regexFlags_;
};

// Post-processing, following the structure of jsonata-js's ast_optimize.
class Processor {
 public:
  NodePtr process(const NodePtr& expr) {
    NodePtr result = processNode(expr);
    if (result->type == NodeType::kParent || result->seeking) {
      raise("S0217", "The object representing the 'parent' cannot be derived from this expression", result->position);
    }
    return result;
  }

 private:
  static NodePtr pathOf(NodePtr step) {
    auto p = std::make_shared<Node>();
    p->type = NodeType::kPath;
    p->position = step->position;
    p->steps.push_back(std::move(step));
    return p;
  }

  void pushAncestry(Node& result, const Node& value) {
    if (value.seeking || value.type == NodeType::kParent) {
      std::vector<SlotPtr> slots = value.seekingParent;
      if (value.type == NodeType::kParent) slots.push_back(value.slot);
      result.seeking = true;
      result.seekingParent.insert(result.seekingParent.end(), slots.begin(), slots.end());
    }
  }

  SlotPtr seekParent(Node& node, SlotPtr slot) {
    switch (node.type) {
      case NodeType::kName:
      case NodeType::kWildcard:
        slot->level--;
        if (slot->level == 0) {
          if (!node.ancestor) {
            node.ancestor = slot;
          } else {
            ancestry_[slot->index]->label = node.ancestor->label;
            node.ancestor = slot;
          }
          node.tuple = true;
        }
        break;
      case NodeType::kParent:
        slot->level++;
        break;
      case NodeType::kBlock:
        if (!node.steps.empty()) {
          node.tuple = true;
          slot = seekParent(*node.steps.back(), slot);
        }
        break;
      case NodeType::kPath: {
        node.tuple = true;
        int index = static_cast<int>(node.steps.size()) - 1;
        slot = seekParent(*node.steps[index--], slot);
        while (slot->level > 0 && index >= 0) slot = seekParent(*node.steps[index--], slot);
        break;
      }
      default:
        raise("S0217", "The object representing the 'parent' cannot be derived from this expression", node.position);
    }
    return slot;
  }

  void resolveAncestry(Node& path) {
    Node& last = *path.steps.back();
    std::vector<SlotPtr> slots = last.seekingParent;
    if (last.type == NodeType::kParent) slots.push_back(last.slot);
    for (SlotPtr slot : slots) {
      int index = static_cast<int>(path.steps.size()) - 2;
      while (slot->level > 0) {
        if (index < 0) {
          path.seeking = true;
          path.seekingParent.push_back(slot);
          break;
        }
        Node* step = path.steps[index--].get();
        while (index >= 0 && !step->focus.empty() && !path.steps[index]->focus.empty())
          step = path.steps[index--].get();
        slot = seekParent(*step, slot);
      }
    }
  }

  NodePtr processNode(const NodePtr& expr) {
    NodePtr result;
    switch (expr->type) {
      case NodeType::kBinary:
        if (expr->value == ".") {
          NodePtr lstep = processNode(expr->lhs);
          if (lstep->type == NodeType::kPath) {
            result = lstep;
          } else {
            result = pathOf(lstep);
          }
          if (lstep->type == NodeType::kParent) {
            result->seeking = true;
            result->seekingParent = {lstep->slot};
          }
          NodePtr rest = processNode(expr->rhs);
          if (rest->type == NodeType::kPath) {
            result->steps.insert(result->steps.end(), rest->steps.begin(), rest->steps.end());
          } else {
            if (!rest->predicate.empty()) {
              rest->stages = std::move(rest->predicate);
              rest->predicate.clear();
            }
            result->steps.push_back(rest);
          }
          for (NodePtr& step : result->steps) {
            if (step->type == NodeType::kLiteral) {
              if (step->value != "string")
                raise("S0213",
                      "The literal value " + stringify(step->literal, false) +
                          " cannot be used as a step within a path expression",
                      step->position);
              auto name = std::make_shared<Node>(*step);
              name->type = NodeType::kName;
              name->value = step->literal.str();
              step = name;
            }
          }
          for (const NodePtr& step : result->steps) {
            if (step->keepArray) result->keepSingletonArray = true;
          }
          if (result->steps.front()->type == NodeType::kArray) result->steps.front()->consarray = true;
          if (result->steps.back()->type == NodeType::kArray) result->steps.back()->consarray = true;
          resolveAncestry(*result);
        } else {
          result = std::make_shared<Node>();
          result->type = NodeType::kBinary;
          result->value = expr->value;
          result->position = expr->position;
          result->lhs = processNode(expr->lhs);
          result->rhs = processNode(expr->rhs);
          pushAncestry(*result, *result->lhs);
          pushAncestry(*result, *result->rhs);
        }
        break;
      case NodeType::kPredicate: {
        result = processNode(expr->lhs);
        Node* step = result.get();
        bool stagesType = false;
        if (result->type == NodeType::kPath) {
          step = result->steps.back().get();
          stagesType = true;
        }
        if (step->hasGroup) raise("S0209", "A predicate cannot follow a grouping expression in a step", expr->position);
        NodePtr pred = processNode(expr->rhs);
        if (pred->seeking) {
          for (SlotPtr& slot : pred->seekingParent) {
            if (slot->level == 1) {
              seekParent(*step, slot);
            } else {
              slot->level--;
            }
          }
          pushAncestry(*step, *pred);
        }
        Stage stage;
        stage.expr = pred;
        (stagesType ? step->stages : step->predicate).push_back(std::move(stage));
        break;
      }
      case NodeType::kGroupBy: {
        result = processNode(expr->lhs);
        if (result->hasGroup) raise("S0210", "Each step can only have one grouping expression", expr->position);
        result->hasGroup = true;
        for (auto& [k, v] : expr->pairs) result->group.emplace_back(processNode(k), processNode(v));
        break;
      }
      case NodeType::kOrderBy: {
        result = processNode(expr->lhs);
        if (result->type != NodeType::kPath) result = pathOf(result);
        auto sortStep = std::make_shared<Node>();
        sortStep->type = NodeType::kSort;
        sortStep->position = expr->position;
        for (const SortTerm& term : expr->terms) {
          NodePtr e = processNode(term.expr);
          pushAncestry(*sortStep, *e);
          sortStep->terms.push_back({term.descending, e});
        }
        result->steps.push_back(sortStep);
        resolveAncestry(*result);
        break;
      }
      case NodeType::kBind: {
        result = std::make_shared<Node>(*expr);
        result->lhs = processNode(expr->lhs);
        result->rhs = processNode(expr->rhs);
        pushAncestry(*result, *result->rhs);
        break;
      }
      case NodeType::kFocus: {
        result = processNode(expr->lhs);
        Node* step = result.get();
        if (result->type == NodeType::kPath) step = result->steps.back().get();
        if (!step->stages.empty() || !step->predicate.empty())
          raise("S0215", "A context variable binding must precede any predicates on a step", expr->position);
        if (step->type == NodeType::kSort)
          raise("S0216", "A context variable binding must precede the 'order-by' clause on a step", expr->position);
        if (expr->keepArray) step->keepArray = true;
        step->focus = expr->rhs->value;
        step->tuple = true;
        break;
      }
      case NodeType::kIndex: {
        result = processNode(expr->lhs);
        Node* step = result.get();
        if (result->type == NodeType::kPath) {
          step = result->steps.back().get();
        } else {
          result = pathOf(result);
          if (!step->predicate.empty()) {
            step->stages = std::move(step->predicate);
            step->predicate.clear();
          }
        }
        if (step->stages.empty()) {
          step->indexVar = expr->rhs->value;
        } else {
          Stage s;
          s.isIndex = true;
          s.var = expr->rhs->value;
          step->stages.push_back(std::move(s));
        }
        step->tuple = true;
        break;
      }
      case NodeType::kApply: {
        result = std::make_shared<Node>(*expr);
        result->lhs = processNode(expr->lhs);
        result->rhs = processNode(expr->rhs);
        result->keepArray = result->lhs->keepArray || result->rhs->keepArray;
        break;
      }
      case NodeType::kNegate: {
        result = std::make_shared<Node>(*expr);
        result->expr = processNode(expr->expr);
        if (result->expr->type == NodeType::kLiteral && result->expr->value == "number") {
          NodePtr lit = std::make_shared<Node>(*result->expr);
          lit->literal = Value::number(-lit->literal.asNumber());
          result = lit;
        } else {
          pushAncestry(*result, *result->expr);
        }
        break;
      }
      case NodeType::kArray: {
        result = std::make_shared<Node>(*expr);
        result->steps.clear();
        for (const NodePtr& item : expr->steps) {
          NodePtr v = processNode(item);
          pushAncestry(*result, *v);
          result->steps.push_back(v);
        }
        break;
      }
      case NodeType::kObject: {
        result = std::make_shared<Node>(*expr);
        result->pairs.clear();
        for (const auto& [k, v] : expr->pairs) {
          NodePtr key = processNode(k);
          pushAncestry(*result, *key);
          NodePtr val = processNode(v);
          pushAncestry(*result, *val);
          result->pairs.emplace_back(key, val);
        }
        break;
      }
      case NodeType::kFunction:
      case NodeType::kPartial: {
        result = std::make_shared<Node>(*expr);
        result->steps.clear();
        for (const NodePtr& arg : expr->steps) {
          NodePtr a = processNode(arg);
          pushAncestry(*result, *a);
          result->steps.push_back(a);
        }
        result->procedure = processNode(expr->procedure);
        break;
      }
      case NodeType::kLambda: {
        result = std::make_shared<Node>(*expr);
        result->body = tailCallOptimize(processNode(expr->body));
        break;
      }
      case NodeType::kCondition: {
        result = std::make_shared<Node>(*expr);
        result->condition = processNode(expr->condition);
        pushAncestry(*result, *result->condition);
        result->then = processNode(expr->then);
        pushAncestry(*result, *result->then);
        if (expr->otherwise) {
          result->otherwise = processNode(expr->otherwise);
          pushAncestry(*result, *result->otherwise);
        }
        break;
      }
      case NodeType::kTransform: {
        result = std::make_shared<Node>(*expr);
        result->pattern = processNode(expr->pattern);
        result->update = processNode(expr->update);
        if (expr->remove) result->remove = processNode(expr->remove);
        break;
      }
      case NodeType::kBlock: {
        result = std::make_shared<Node>(*expr);
        result->steps.clear();
        for (const NodePtr& item : expr->steps) {
          NodePtr part = processNode(item);
          pushAncestry(*result, *part);
          if (part->consarray || (part->type == NodeType::kPath && part->steps.front()->consarray))
            result->consarray = true;
          result->steps.push_back(part);
        }
        break;
      }
      case NodeType::kName: {
        result = pathOf(std::make_shared<Node>(*expr));
        if (expr->keepArray) result->keepSingletonArray = true;
        break;
      }
      case NodeType::kParent: {
        result = std::make_shared<Node>(*expr);
        result->slot = std::make_shared<Slot>();
        result->slot->label = "!" + std::to_string(ancestorLabel_++);
        result->slot->index = static_cast<int>(ancestry_.size());
        ancestry_.push_back(result->slot);
        break;
      }
      case NodeType::kOperator: {
        auto name = std::make_shared<Node>(*expr);
        name->type = NodeType::kName;
        result = processNode(name);
        break;
      }
      case NodeType::kPlaceholder:
      case NodeType::kLiteral:
      case NodeType::kWildcard:
      case NodeType::kDescendant:
      case NodeType::kVariable:
        result = std::make_shared<Node>(*expr);
        break;
      case NodeType::kRegex:
        result = std::make_shared<Node>(*expr);
        result->compiled = std::make_shared<Regex>(toUtf16(expr->value), expr->literal.str());
        break;
      case NodeType::kEnd:
        raise("S0207", "Unexpected end of expression", expr->position);
      default:
        raise("S0206", "Unknown expression type", expr->position);
    }
    if (expr->keepArray) result->keepArray = true;
    return result;
  }

  NodePtr tailCallOptimize(NodePtr expr) {
    if (expr->type == NodeType::kFunction && expr->predicate.empty()) {
      auto thunk = std::make_shared<Node>();
      thunk->type = NodeType::kLambda;
      thunk->thunk = true;
      thunk->position = expr->position;
      thunk->body = expr;
      return thunk;
    }
    if (expr->type == NodeType::kCondition) {
      expr->then = tailCallOptimize(expr->then);
      if (expr->otherwise) expr->otherwise = tailCallOptimize(expr->otherwise);
    } else if (expr->type == NodeType::kBlock && !expr->steps.empty()) {
      expr->steps.back() = tailCallOptimize(expr->steps.back());
    }
    return expr;
  }

  int ancestorLabel_ = 0;
  std::vector<SlotPtr> ancestry_;
};

}  // namespace

NodePtr parseExpression(std::string_view source) {
  Parser parser(source);
  NodePtr tree = parser.parse();
  Processor processor;
  return processor.process(tree);
}

}  // namespace wharf::jsonata
