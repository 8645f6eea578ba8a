#include "sfn/asl/json_path.h"

#include <fmt/format.h>

#include <regex>

#include "sfn/asl/json_text.h"

namespace wharf::asl {

// A filter expression inside [?( ... )].
struct FilterExpr {
  enum class Kind { kOr, kAnd, kNot, kCompare, kExists };
  struct Operand {
    enum class Kind { kRelative, kAbsolute, kLiteral, kRegex };
    Kind kind = Kind::kLiteral;
    std::vector<JsonPath::Segment> path;
    boost::json::value literal;
    std::shared_ptr<std::regex> regex;
  };
  Kind kind = Kind::kExists;
  std::vector<std::shared_ptr<FilterExpr>> children;
  Operand lhs, rhs;
  std::string op;
};

namespace {

using Segment = JsonPath::Segment;
constexpr size_t kMaxPathLength = 4096;

bool isNameChar(char c) { return c != '.' && c != '[' && c != ']' && c != ' ' && c != '(' && c != ')'; }

}  // namespace

class JsonPathParser {
 public:
  explicit JsonPathParser(std::string_view text) : s_(text) {}

  Result<JsonPath> parsePath() {
    JsonPath path;
    path.text_ = std::string(s_);
    if (s_.size() > kMaxPathLength) return bad("path is too long");
    if (s_.empty() || s_[0] != '$') return bad("must start with '$'");
    pos_ = 1;
    if (peek('$')) {
      ++pos_;
      path.root_ = JsonPath::Root::kContext;
    } else if (pos_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
      size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      path.root_ = JsonPath::Root::kVariable;
      path.variable_ = std::string(s_.substr(start, pos_ - start));
    }
    auto segs = parseSegments(false);
    if (!segs) return std::unexpected(segs.error());
    if (pos_ != s_.size()) return bad(fmt::format("unexpected character at position {}", pos_));
    path.segments_ = std::move(*segs);
    for (const auto& seg : path.segments_) {
      if (seg.kind != Segment::Kind::kName && seg.kind != Segment::Kind::kIndex) path.definite_ = false;
    }
    return path;
  }

 private:
  std::unexpected<Error> bad(std::string why) const {
    return invalidParameter(fmt::format("The value for the field must be a valid JSONPath: {} ({})", s_, why),
                            "InvalidJsonPath");
  }
  bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  void skipSpaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }

  // Segments until end of text, or (inFilter) until a character that cannot continue a path.
  Result<std::vector<Segment>> parseSegments(bool inFilter) {
    std::vector<Segment> out;
    while (pos_ < s_.size()) {
      if (s_.compare(pos_, 2, "..") == 0) {
        pos_ += 2;
        Segment seg;
        seg.kind = Segment::Kind::kDeepScan;
        if (peek('*')) {
          ++pos_;
        } else if (peek('[')) {
          auto inner = parseBracket();
          if (!inner) return std::unexpected(inner.error());
          if (inner->kind != Segment::Kind::kName && inner->kind != Segment::Kind::kWildcard)
            return bad("unsupported deep scan");
          seg.name = inner->name;
        } else {
          seg.name = parseName();
          if (seg.name.empty()) return bad("empty name after '..'");
        }
        out.push_back(std::move(seg));
      } else if (peek('.')) {
        ++pos_;
        if (peek('*')) {
          ++pos_;
          Segment wildcard;
          wildcard.kind = Segment::Kind::kWildcard;
          out.push_back(std::move(wildcard));
          continue;
        }
        Segment seg;
        seg.name = parseName();
        if (seg.name.empty()) return bad("empty property name");
        out.push_back(std::move(seg));
      } else if (peek('[')) {
        auto seg = parseBracket();
        if (!seg) return std::unexpected(seg.error());
        out.push_back(std::move(*seg));
      } else if (inFilter) {
        break;
      } else {
        return bad(fmt::format("unexpected character '{}'", s_[pos_]));
      }
    }
    return out;
  }

  std::string parseName() {
    size_t start = pos_;
    while (pos_ < s_.size() && isNameChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  Result<std::string> parseQuoted() {
    char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      // Only the quote itself can be escaped; any other backslash is part of the name.
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == quote) ++pos_;
      out.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return bad("unterminated string");
    ++pos_;
    return out;
  }

  Result<int64_t> parseInt() {
    size_t start = pos_;
    if (peek('-')) ++pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ == start || (pos_ == start + 1 && s_[start] == '-')) return bad("expected a number");
    if (pos_ - start > 18) return bad("number too large");
    return std::stoll(std::string(s_.substr(start, pos_ - start)));
  }

  Result<Segment> parseBracket() {
    ++pos_;  // '['
    skipSpaces();
    Segment seg;
    if (peek('*')) {
      ++pos_;
      seg.kind = Segment::Kind::kWildcard;
    } else if (peek('?')) {
      ++pos_;
      skipSpaces();
      if (!peek('(')) return bad("expected '(' after '?'");
      ++pos_;
      auto expr = parseOr();
      if (!expr) return std::unexpected(expr.error());
      skipSpaces();
      if (!peek(')')) return bad("expected ')' closing the filter");
      ++pos_;
      seg.kind = Segment::Kind::kFilter;
      seg.filter = *expr;
    } else if (peek('\'') || peek('"')) {
      std::vector<std::string> names;
      while (true) {
        skipSpaces();
        if (!peek('\'') && !peek('"')) return bad("expected a quoted name");
        auto name = parseQuoted();
        if (!name) return std::unexpected(name.error());
        names.push_back(std::move(*name));
        skipSpaces();
        if (!peek(',')) break;
        ++pos_;
      }
      if (names.size() == 1) {
        seg.name = std::move(names[0]);
      } else {
        seg.kind = Segment::Kind::kUnion;
        seg.names = std::move(names);
      }
    } else {
      std::optional<int64_t> first;
      if (!peek(':')) {
        auto n = parseInt();
        if (!n) return std::unexpected(n.error());
        first = *n;
      }
      skipSpaces();
      if (peek(':')) {
        seg.kind = Segment::Kind::kSlice;
        seg.start = first;
        ++pos_;
        skipSpaces();
        if (!peek(']') && !peek(':')) {
          auto n = parseInt();
          if (!n) return std::unexpected(n.error());
          seg.end = *n;
        }
        if (peek(':')) {
          ++pos_;
          if (!peek(']')) {
            auto n = parseInt();
            if (!n) return std::unexpected(n.error());
            if (*n == 0) return bad("slice step cannot be zero");
            seg.step = *n;
          }
        }
      } else if (peek(',')) {
        seg.kind = Segment::Kind::kUnion;
        seg.indexes.push_back(*first);
        while (peek(',')) {
          ++pos_;
          skipSpaces();
          auto n = parseInt();
          if (!n) return std::unexpected(n.error());
          seg.indexes.push_back(*n);
          skipSpaces();
        }
      } else {
        seg.kind = Segment::Kind::kIndex;
        seg.index = *first;
      }
    }
    skipSpaces();
    if (!peek(']')) return bad("expected ']'");
    ++pos_;
    return seg;
  }

  Result<std::shared_ptr<FilterExpr>> parseOr() {
    auto lhs = parseAnd();
    if (!lhs) return lhs;
    skipSpaces();
    while (s_.compare(pos_, 2, "||") == 0) {
      pos_ += 2;
      auto rhs = parseAnd();
      if (!rhs) return rhs;
      auto node = std::make_shared<FilterExpr>();
      node->kind = FilterExpr::Kind::kOr;
      node->children = {*lhs, *rhs};
      lhs = node;
      skipSpaces();
    }
    return lhs;
  }

  Result<std::shared_ptr<FilterExpr>> parseAnd() {
    auto lhs = parseUnary();
    if (!lhs) return lhs;
    skipSpaces();
    while (s_.compare(pos_, 2, "&&") == 0) {
      pos_ += 2;
      auto rhs = parseUnary();
      if (!rhs) return rhs;
      auto node = std::make_shared<FilterExpr>();
      node->kind = FilterExpr::Kind::kAnd;
      node->children = {*lhs, *rhs};
      lhs = node;
      skipSpaces();
    }
    return lhs;
  }

  Result<std::shared_ptr<FilterExpr>> parseUnary() {
    if (++depth_ > 64) return bad("filter nested too deeply");
    skipSpaces();
    auto node = std::make_shared<FilterExpr>();
    if (peek('!')) {
      ++pos_;
      auto inner = parseUnary();
      if (!inner) return inner;
      node->kind = FilterExpr::Kind::kNot;
      node->children = {*inner};
    } else if (peek('(')) {
      ++pos_;
      auto inner = parseOr();
      if (!inner) return inner;
      skipSpaces();
      if (!peek(')')) return bad("expected ')'");
      ++pos_;
      node = *inner;
    } else {
      auto lhs = parseOperand();
      if (!lhs) return std::unexpected(lhs.error());
      skipSpaces();
      static const char* kOps[] = {"==", "!=", "<=", ">=", "=~", "<", ">"};
      std::string op;
      for (const char* candidate : kOps) {
        if (s_.compare(pos_, std::strlen(candidate), candidate) == 0) {
          op = candidate;
          break;
        }
      }
      if (op.empty()) {
        node->kind = FilterExpr::Kind::kExists;
        node->lhs = std::move(*lhs);
      } else {
        pos_ += op.size();
        skipSpaces();
        auto rhs = parseOperand();
        if (!rhs) return std::unexpected(rhs.error());
        node->kind = FilterExpr::Kind::kCompare;
        node->op = op;
        node->lhs = std::move(*lhs);
        node->rhs = std::move(*rhs);
      }
    }
    --depth_;
    return node;
  }

  Result<FilterExpr::Operand> parseOperand() {
    FilterExpr::Operand out;
    if (peek('@') || peek('$')) {
      out.kind = peek('@') ? FilterExpr::Operand::Kind::kRelative : FilterExpr::Operand::Kind::kAbsolute;
      ++pos_;
      auto segs = parseSegments(true);
      if (!segs) return std::unexpected(segs.error());
      out.path = std::move(*segs);
      return out;
    }
    if (peek('\'') || peek('"')) {
      auto str = parseQuoted();
      if (!str) return std::unexpected(str.error());
      out.literal = boost::json::string(*str);
      return out;
    }
    if (peek('/')) {
      size_t start = ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '/') ++pos_;
      if (pos_ >= s_.size()) return bad("unterminated regex");
      std::string pattern(s_.substr(start, pos_ - start));
      ++pos_;
      bool icase = peek('i');
      if (icase) ++pos_;
      try {
        out.regex = std::make_shared<std::regex>(
            pattern, icase ? std::regex::ECMAScript | std::regex::icase : std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return bad("invalid regex");
      }
      out.kind = FilterExpr::Operand::Kind::kRegex;
      return out;
    }
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
                                s_[pos_] == '.' || s_[pos_] == '+')) {
      ++pos_;
    }
    auto lit = parseJsonText(s_.substr(start, pos_ - start));
    if (start == pos_ || !lit) return bad("invalid filter operand");
    out.literal = std::move(*lit);
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

Result<JsonPath> JsonPath::parse(std::string_view text) { return JsonPathParser(text).parsePath(); }

std::string normalizedStep(const Segment& segment) {
  if (segment.kind == Segment::Kind::kIndex) return fmt::format("[{}]", segment.index);
  return fmt::format("['{}']", segment.name);
}

namespace {

void collect(const boost::json::value& node, const boost::json::value& root, const std::vector<Segment>& segs, size_t i,
             std::vector<const boost::json::value*>& out);

std::vector<const boost::json::value*> operandValues(const FilterExpr::Operand& op, const boost::json::value& node,
                                                     const boost::json::value& root) {
  std::vector<const boost::json::value*> out;
  if (op.kind == FilterExpr::Operand::Kind::kLiteral) {
    out.push_back(&op.literal);
  } else if (op.kind != FilterExpr::Operand::Kind::kRegex) {
    collect(op.kind == FilterExpr::Operand::Kind::kRelative ? node : root, root, op.path, 0, out);
  }
  return out;
}

bool compare(const boost::json::value& a, const boost::json::value& b, const std::string& op) {
  double x = 0, y = 0;
  if (op == "==") return jsonEquals(a, b);
  if (op == "!=") return !jsonEquals(a, b);
  if (asDouble(a, x) && asDouble(b, y)) {
    if (op == "<") return x < y;
    if (op == "<=") return x <= y;
    if (op == ">") return x > y;
    if (op == ">=") return x >= y;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_string().subview().compare(b.get_string().subview());
    if (op == "<") return c < 0;
    if (op == "<=") return c <= 0;
    if (op == ">") return c > 0;
    if (op == ">=") return c >= 0;
  }
  return false;
}

bool matches(const FilterExpr& e, const boost::json::value& node, const boost::json::value& root) {
  switch (e.kind) {
    case FilterExpr::Kind::kOr:
      return matches(*e.children[0], node, root) || matches(*e.children[1], node, root);
    case FilterExpr::Kind::kAnd:
      return matches(*e.children[0], node, root) && matches(*e.children[1], node, root);
    case FilterExpr::Kind::kNot:
      return !matches(*e.children[0], node, root);
    case FilterExpr::Kind::kExists:
      return !operandValues(e.lhs, node, root).empty();
    case FilterExpr::Kind::kCompare: {
      auto lhs = operandValues(e.lhs, node, root);
      if (lhs.size() != 1) return false;
      if (e.op == "=~") {
        return e.rhs.regex && lhs[0]->is_string() && std::regex_match(std::string(lhs[0]->get_string()), *e.rhs.regex);
      }
      auto rhs = operandValues(e.rhs, node, root);
      return rhs.size() == 1 && compare(*lhs[0], *rhs[0], e.op);
    }
  }
  return false;
}

void deepScan(const boost::json::value& node, const boost::json::value& root, const std::vector<Segment>& segs,
              size_t i, std::vector<const boost::json::value*>& out) {
  const std::string& name = segs[i].name;
  if (node.is_object()) {
    for (const auto& kv : node.get_object()) {
      if (name.empty() || kv.key() == name) collect(kv.value(), root, segs, i + 1, out);
    }
    for (const auto& kv : node.get_object()) deepScan(kv.value(), root, segs, i, out);
  } else if (node.is_array()) {
    for (const auto& e : node.get_array()) {
      if (name.empty()) collect(e, root, segs, i + 1, out);
    }
    for (const auto& e : node.get_array()) deepScan(e, root, segs, i, out);
  }
}

void collect(const boost::json::value& node, const boost::json::value& root, const std::vector<Segment>& segs, size_t i,
             std::vector<const boost::json::value*>& out) {
  if (i == segs.size()) {
    out.push_back(&node);
    return;
  }
  const Segment& seg = segs[i];
  switch (seg.kind) {
    case Segment::Kind::kName:
      if (node.is_object()) {
        if (const auto* v = node.get_object().if_contains(seg.name)) collect(*v, root, segs, i + 1, out);
      }
      break;
    case Segment::Kind::kIndex:
      if (node.is_array()) {
        const auto& arr = node.get_array();
        int64_t idx = seg.index < 0 ? static_cast<int64_t>(arr.size()) + seg.index : seg.index;
        if (idx >= 0 && idx < static_cast<int64_t>(arr.size())) collect(arr[idx], root, segs, i + 1, out);
      }
      break;
    case Segment::Kind::kWildcard:
      if (node.is_array()) {
        for (const auto& e : node.get_array()) collect(e, root, segs, i + 1, out);
      } else if (node.is_object()) {
        for (const auto& kv : node.get_object()) collect(kv.value(), root, segs, i + 1, out);
      }
      break;
    case Segment::Kind::kSlice:
      if (node.is_array()) {
        const auto& arr = node.get_array();
        int64_t n = static_cast<int64_t>(arr.size());
        auto clamp = [n](int64_t v) { return std::clamp(v < 0 ? n + v : v, int64_t{0}, n); };
        if (seg.step > 0) {
          int64_t from = seg.start ? clamp(*seg.start) : 0;
          int64_t to = seg.end ? clamp(*seg.end) : n;
          for (int64_t k = from; k < to; k += seg.step) collect(arr[k], root, segs, i + 1, out);
        } else {
          int64_t from = seg.start ? std::min(clamp(*seg.start), n - 1) : n - 1;
          int64_t to = seg.end ? clamp(*seg.end) : -1;
          for (int64_t k = from; k > to; k += seg.step) collect(arr[k], root, segs, i + 1, out);
        }
      }
      break;
    case Segment::Kind::kUnion:
      if (node.is_object()) {
        for (const auto& name : seg.names) {
          if (const auto* v = node.get_object().if_contains(name)) collect(*v, root, segs, i + 1, out);
        }
      } else if (node.is_array()) {
        const auto& arr = node.get_array();
        for (int64_t idx : seg.indexes) {
          int64_t k = idx < 0 ? static_cast<int64_t>(arr.size()) + idx : idx;
          if (k >= 0 && k < static_cast<int64_t>(arr.size())) collect(arr[k], root, segs, i + 1, out);
        }
      }
      break;
    case Segment::Kind::kDeepScan:
      deepScan(node, root, segs, i, out);
      break;
    case Segment::Kind::kFilter:
      if (node.is_array()) {
        for (const auto& e : node.get_array()) {
          if (matches(*seg.filter, e, root)) collect(e, root, segs, i + 1, out);
        }
      } else if (node.is_object()) {
        if (matches(*seg.filter, node, root)) collect(node, root, segs, i + 1, out);
      }
      break;
  }
}

}  // namespace

Result<boost::json::value> JsonPath::evaluate(const boost::json::value& root) const {
  if (!definite_) {
    std::vector<const boost::json::value*> found;
    collect(root, root, segments_, 0, found);
    boost::json::array out;
    out.reserve(found.size());
    for (const auto* v : found) out.push_back(*v);
    return boost::json::value(std::move(out));
  }
  const boost::json::value* node = &root;
  std::string walked = "$";
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    walked += normalizedStep(seg);
    const boost::json::value* next = nullptr;
    if (seg.kind == Segment::Kind::kName && node->is_object()) {
      next = node->get_object().if_contains(seg.name);
    } else if (seg.kind == Segment::Kind::kIndex && node->is_array()) {
      const auto& arr = node->get_array();
      int64_t idx = seg.index < 0 ? static_cast<int64_t>(arr.size()) + seg.index : seg.index;
      if (idx >= 0 && idx < static_cast<int64_t>(arr.size())) next = &arr[idx];
    }
    if (!next) {
      std::string message = i + 1 == segments_.size() ? fmt::format("No results for path: {}", walked)
                                                      : fmt::format("Missing property in path {}", walked);
      return invalidParameter(std::move(message), "PathNotFound");
    }
    node = next;
  }
  return *node;
}

bool JsonPath::isAssignable() const {
  for (const auto& seg : segments_) {
    if (seg.kind != Segment::Kind::kName && seg.kind != Segment::Kind::kIndex) return false;
  }
  return root_ == Root::kInput;
}

Result<void> JsonPath::assign(boost::json::value& target, boost::json::value value) const {
  boost::json::value* node = &target;
  std::string walked = "$";
  for (const auto& seg : segments_) {
    walked += normalizedStep(seg);
    if (seg.kind == Segment::Kind::kName) {
      if (!node->is_object()) {
        return invalidParameter(fmt::format("Invalid path '{}': expected an object at {}", text_, walked),
                                "PathNotFound");
      }
      node = &node->get_object()[seg.name];
      if (node->is_null()) *node = boost::json::object();
    } else {
      if (!node->is_array() || seg.index < 0 || seg.index >= static_cast<int64_t>(node->get_array().size())) {
        return invalidParameter(fmt::format("Invalid path '{}': no array element at {}", text_, walked),
                                "PathNotFound");
      }
      node = &node->get_array()[seg.index];
    }
  }
  *node = std::move(value);
  return {};
}

}  // namespace wharf::asl
