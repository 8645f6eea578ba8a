#include "sfn/jsonata/regex.h"

#include <algorithm>
#include <cwctype>

#include "sfn/jsonata/error.h"

namespace wharf::jsonata {
namespace {

enum class RType { kChar, kAny, kClass, kBol, kEol, kWordB, kNotWordB, kGroup, kLook, kRepeat, kBackref };

struct RNode {
  RType type = RType::kChar;
  char16_t ch = 0;
  std::vector<std::pair<char16_t, char16_t>> ranges;
  bool negate = false;
  std::vector<std::vector<RNode*>> alts;
  int group = -1;
  std::vector<RNode*> child;  // one node, for repeats
  int min = 0, max = -1;
  bool greedy = true;
};

constexpr long kMaxSteps = 50'000'000;

}  // namespace

struct Regex::Impl {
  std::vector<std::unique_ptr<RNode>> nodes;
  std::vector<RNode*> top;
  int groups = 0;
  bool ignoreCase = false;
  bool multiline = false;

  RNode* make(RType t) {
    nodes.push_back(std::make_unique<RNode>());
    nodes.back()->type = t;
    return nodes.back().get();
  }

  // --- parsing ---
  std::u16string_view p;
  size_t i = 0;

  [[noreturn]] void fail(const char* what) { raise("D1004", std::string("Invalid regular expression: ") + what); }

  std::vector<std::vector<RNode*>> parseAlts() {
    std::vector<std::vector<RNode*>> alts;
    alts.push_back(parseSeq());
    while (i < p.size() && p[i] == u'|') {
      ++i;
      alts.push_back(parseSeq());
    }
    return alts;
  }

  static void addClassEscape(RNode* n, char16_t e) {
    auto& r = n->ranges;
    switch (e) {
      case u'd':
        r.push_back({u'0', u'9'});
        break;
      case u'w':
        r.push_back({u'a', u'z'});
        r.push_back({u'A', u'Z'});
        r.push_back({u'0', u'9'});
        r.push_back({u'_', u'_'});
        break;
      case u's':
        for (char16_t c : std::u16string_view(u" \t\n\r\v\f\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff"))
          r.push_back({c, c});
        r.push_back({0x2000, 0x200a});
        break;
    }
  }

  // Builds the complement of the ranges of a \D \W \S escape.
  static std::vector<std::pair<char16_t, char16_t>> complement(std::vector<std::pair<char16_t, char16_t>> r) {
    std::sort(r.begin(), r.end());
    std::vector<std::pair<char16_t, char16_t>> out;
    uint32_t next = 0;
    for (auto [a, b] : r) {
      if (a > next) out.push_back({static_cast<char16_t>(next), static_cast<char16_t>(a - 1)});
      if (b + 1u > next) next = b + 1u;
    }
    if (next <= 0xFFFF) out.push_back({static_cast<char16_t>(next), 0xFFFF});
    return out;
  }

  // \xHH and \uHHHH: the value of `count` hex digits, or (without them) the letter itself.
  int hexEscape(size_t count, char16_t letter) {
    int v = 0;
    for (size_t k = 0; k < count; ++k) {
      char16_t c = i + k < p.size() ? p[i + k] : u'\0';
      int d = (c >= u'0' && c <= u'9')   ? c - u'0'
              : (c >= u'a' && c <= u'f') ? c - u'a' + 10
              : (c >= u'A' && c <= u'F') ? c - u'A' + 10
                                         : -1;
      if (d < 0) return letter;
      v = v * 16 + d;
    }
    i += count;
    return v;
  }

  // Parses an escape's character value (after the backslash); returns -1 for class escapes.
  int escapeChar(char16_t e) {
    switch (e) {
      case u'n':
        return u'\n';
      case u'r':
        return u'\r';
      case u't':
        return u'\t';
      case u'f':
        return u'\f';
      case u'v':
        return u'\v';
      case u'0':
        return 0;
      case u'x':
        return hexEscape(2, e);
      case u'u':
        return hexEscape(4, e);
      default:
        return e;
    }
  }

  RNode* parseClass() {
    RNode* n = make(RType::kClass);
    if (i < p.size() && p[i] == u'^') {
      n->negate = true;
      ++i;
    }
    while (i < p.size() && p[i] != u']') {
      char16_t c = p[i++];
      int lo;
      if (c == u'\\') {
        if (i >= p.size()) fail("\\ at end of pattern");
        char16_t e = p[i++];
        if (e == u'd' || e == u'w' || e == u's') {
          addClassEscape(n, e);
          continue;
        }
        if (e == u'D' || e == u'W' || e == u'S') {
          RNode tmp;
          addClassEscape(&tmp, static_cast<char16_t>(e + 32));
          for (auto r : complement(tmp.ranges)) n->ranges.push_back(r);
          continue;
        }
        lo = e == u'b' ? 8 : escapeChar(e);
      } else {
        lo = c;
      }
      if (i + 1 < p.size() && p[i] == u'-' && p[i + 1] != u']') {
        ++i;
        char16_t c2 = p[i++];
        int hi = c2;
        if (c2 == u'\\') {
          char16_t e = p[i++];
          hi = e == u'b' ? 8 : escapeChar(e);
        }
        if (hi < lo) fail("Range out of order in character class");
        n->ranges.push_back({static_cast<char16_t>(lo), static_cast<char16_t>(hi)});
      } else {
        n->ranges.push_back({static_cast<char16_t>(lo), static_cast<char16_t>(lo)});
      }
    }
    if (i >= p.size()) fail("Unterminated character class");
    ++i;
    return n;
  }

  RNode* parseAtom() {
    char16_t c = p[i++];
    switch (c) {
      case u'.':
        return make(RType::kAny);
      case u'^':
        return make(RType::kBol);
      case u'$':
        return make(RType::kEol);
      case u'[':
        return parseClass();
      case u'(': {
        RNode* n;
        if (i + 1 < p.size() && p[i] == u'?' && (p[i + 1] == u'=' || p[i + 1] == u'!')) {
          n = make(RType::kLook);
          n->negate = p[i + 1] == u'!';
          i += 2;
        } else if (i + 1 < p.size() && p[i] == u'?' && p[i + 1] == u':') {
          n = make(RType::kGroup);
          i += 2;
        } else {
          n = make(RType::kGroup);
          n->group = ++groups;
          if (i + 1 < p.size() && p[i] == u'?' && p[i + 1] == u'<') {
            size_t end = p.find(u'>', i);
            if (end == std::u16string_view::npos) fail("Invalid capture group name");
            i = end + 1;
          }
        }
        n->alts = parseAlts();
        if (i >= p.size() || p[i] != u')') fail("Unterminated group");
        ++i;
        return n;
      }
      case u')':
        fail("Unmatched ')'");
      case u'*':
      case u'+':
      case u'?':
        fail("Nothing to repeat");
      case u'\\': {
        if (i >= p.size()) fail("\\ at end of pattern");
        char16_t e = p[i++];
        if (e == u'b') return make(RType::kWordB);
        if (e == u'B') return make(RType::kNotWordB);
        if (e == u'd' || e == u'w' || e == u's' || e == u'D' || e == u'W' || e == u'S') {
          RNode* n = make(RType::kClass);
          bool upper = e < u'a';
          addClassEscape(n, upper ? static_cast<char16_t>(e + 32) : e);
          n->negate = upper;
          return n;
        }
        if (e >= u'1' && e <= u'9') {
          int g = e - u'0';
          while (i < p.size() && p[i] >= u'0' && p[i] <= u'9') g = g * 10 + (p[i++] - u'0');
          RNode* n = make(RType::kBackref);
          n->group = g;
          return n;
        }
        RNode* n = make(RType::kChar);
        n->ch = static_cast<char16_t>(escapeChar(e));
        return n;
      }
      default: {
        RNode* n = make(RType::kChar);
        n->ch = c;
        return n;
      }
    }
  }

  bool parseBraces(int& mn, int& mx) {
    size_t save = i;
    ++i;
    auto num = [&](int& out) {
      size_t start = i;
      out = 0;
      while (i < p.size() && p[i] >= u'0' && p[i] <= u'9') out = out * 10 + (p[i++] - u'0');
      return i > start;
    };
    if (!num(mn)) {
      i = save;
      return false;
    }
    mx = mn;
    if (i < p.size() && p[i] == u',') {
      ++i;
      if (!num(mx)) mx = -1;
    }
    if (i >= p.size() || p[i] != u'}') {
      i = save;
      return false;
    }
    ++i;
    return true;
  }

  std::vector<RNode*> parseSeq() {
    std::vector<RNode*> seq;
    while (i < p.size() && p[i] != u'|' && p[i] != u')') {
      RNode* atom = parseAtom();
      for (;;) {
        if (i >= p.size()) break;
        int mn, mx;
        char16_t q = p[i];
        if (q == u'*') {
          mn = 0, mx = -1, ++i;
        } else if (q == u'+') {
          mn = 1, mx = -1, ++i;
        } else if (q == u'?') {
          mn = 0, mx = 1, ++i;
        } else if (q == u'{' && parseBraces(mn, mx)) {
        } else {
          break;
        }
        if (atom->type == RType::kBol || atom->type == RType::kEol || atom->type == RType::kWordB ||
            atom->type == RType::kNotWordB)
          fail("Nothing to repeat");
        RNode* r = make(RType::kRepeat);
        r->min = mn;
        r->max = mx;
        if (i < p.size() && p[i] == u'?') {
          r->greedy = false;
          ++i;
        }
        r->child.push_back(atom);
        atom = r;
      }
      seq.push_back(atom);
    }
    return seq;
  }
};

namespace {

struct Matcher {
  const Regex::Impl& re;
  std::u16string_view s;
  std::vector<std::pair<int, int>> caps;
  int endPos = -1;
  long steps = 0;

  enum class CK { kSeq, kRepeat, kGroupEnd, kLookEnd, kDone };
  struct Cont {
    CK kind;
    const std::vector<RNode*>* seq = nullptr;
    size_t idx = 0;
    const RNode* node = nullptr;
    int count = 0;
    int start = 0;
    const Cont* next = nullptr;
  };

  static char16_t fold(char16_t c) {
    if (c < 128) return (c >= u'A' && c <= u'Z') ? static_cast<char16_t>(c + 32) : c;
    return static_cast<char16_t>(std::towlower(c));
  }
  bool isWord(int pos) const {
    if (pos < 0 || pos >= static_cast<int>(s.size())) return false;
    char16_t c = s[pos];
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'_';
  }
  static bool isLineEnd(char16_t c) { return c == u'\n' || c == u'\r' || c == 0x2028 || c == 0x2029; }

  bool classMatch(const RNode* n, char16_t c) const {
    bool in = false;
    for (auto [a, b] : n->ranges) {
      if (c >= a && c <= b) {
        in = true;
        break;
      }
    }
    if (!in && re.ignoreCase) {
      char16_t lc = fold(c);
      char16_t uc = static_cast<char16_t>(c < 128 ? ((c >= u'a' && c <= u'z') ? c - 32 : c) : std::towupper(c));
      for (auto [a, b] : n->ranges) {
        if ((lc >= a && lc <= b) || (uc >= a && uc <= b)) {
          in = true;
          break;
        }
      }
    }
    return in != n->negate;
  }

  bool cont(const Cont* k, int pos) {
    switch (k->kind) {
      case CK::kDone:
        endPos = pos;
        return true;
      case CK::kLookEnd:
        return true;
      case CK::kSeq:
        return seq(*k->seq, k->idx, pos, k->next);
      case CK::kGroupEnd: {
        auto saved = caps[k->node->group];
        caps[k->node->group] = {k->start, pos};
        if (cont(k->next, pos)) return true;
        caps[k->node->group] = saved;
        return false;
      }
      case CK::kRepeat:
        if (k->count > k->node->min && pos == k->start) return false;  // empty iteration
        return repeat(k->node, k->count, pos, k->next);
    }
    return false;
  }

  bool repeat(const RNode* n, int count, int pos, const Cont* k) {
    Cont rc{CK::kRepeat, nullptr, 0, n, count + 1, pos, k};
    if (count < n->min) return seq(n->child, 0, pos, &rc);
    if (n->max >= 0 && count >= n->max) return cont(k, pos);
    if (n->greedy) {
      if (seq(n->child, 0, pos, &rc)) return true;
      return cont(k, pos);
    }
    if (cont(k, pos)) return true;
    return seq(n->child, 0, pos, &rc);
  }

  bool seq(const std::vector<RNode*>& nodes, size_t idx, int pos, const Cont* k) {
    const int n = static_cast<int>(s.size());
    while (idx < nodes.size()) {
      if (++steps > kMaxSteps) raise("D1004", "Regular expression is too complex to evaluate");
      const RNode* node = nodes[idx];
      switch (node->type) {
        case RType::kChar:
          if (pos >= n || (s[pos] != node->ch && !(re.ignoreCase && fold(s[pos]) == fold(node->ch)))) return false;
          ++pos, ++idx;
          continue;
        case RType::kAny:
          if (pos >= n || isLineEnd(s[pos])) return false;
          ++pos, ++idx;
          continue;
        case RType::kClass:
          if (pos >= n || !classMatch(node, s[pos])) return false;
          ++pos, ++idx;
          continue;
        case RType::kBol:
          if (!(pos == 0 || (re.multiline && isLineEnd(s[pos - 1])))) return false;
          ++idx;
          continue;
        case RType::kEol:
          if (!(pos == n || (re.multiline && isLineEnd(s[pos])))) return false;
          ++idx;
          continue;
        case RType::kWordB:
        case RType::kNotWordB: {
          bool b = isWord(pos - 1) != isWord(pos);
          if (b != (node->type == RType::kWordB)) return false;
          ++idx;
          continue;
        }
        case RType::kBackref: {
          if (node->group < static_cast<int>(caps.size()) && caps[node->group].first >= 0) {
            auto [a, b] = caps[node->group];
            int len = b - a;
            if (pos + len > n) return false;
            for (int j = 0; j < len; ++j) {
              char16_t x = s[a + j], y = s[pos + j];
              if (x != y && !(re.ignoreCase && fold(x) == fold(y))) return false;
            }
            pos += len;
          }
          ++idx;
          continue;
        }
        case RType::kGroup: {
          Cont here{CK::kSeq, &nodes, idx + 1, nullptr, 0, 0, k};
          Cont ge{CK::kGroupEnd, nullptr, 0, node, 0, pos, &here};
          const Cont* after = node->group >= 0 ? &ge : &here;
          for (const auto& alt : node->alts) {
            if (seq(alt, 0, pos, after)) return true;
          }
          return false;
        }
        case RType::kLook: {
          Cont le{CK::kLookEnd};
          bool found = false;
          auto saved = caps;
          for (const auto& alt : node->alts) {
            if (seq(alt, 0, pos, &le)) {
              found = true;
              break;
            }
          }
          if (found == node->negate) {
            caps = saved;
            return false;
          }
          if (node->negate) caps = saved;
          ++idx;
          continue;
        }
        case RType::kRepeat: {
          Cont here{CK::kSeq, &nodes, idx + 1, nullptr, 0, 0, k};
          return repeat(node, 0, pos, &here);
        }
      }
    }
    return cont(k, pos);
  }
};

}  // namespace

Regex::Regex(std::u16string_view pattern, std::string_view flags) : source_(pattern), impl_(std::make_unique<Impl>()) {
  impl_->ignoreCase = flags.find('i') != std::string_view::npos;
  impl_->multiline = flags.find('m') != std::string_view::npos;
  impl_->p = source_;
  auto alts = impl_->parseAlts();
  if (impl_->i < source_.size()) impl_->fail("Unmatched ')'");
  if (alts.size() == 1) {
    impl_->top = alts[0];
  } else {
    RNode* g = impl_->make(RType::kGroup);
    g->alts = std::move(alts);
    impl_->top.push_back(g);
  }
}

Regex::~Regex() = default;

int Regex::groupCount() const { return impl_->groups; }

std::optional<RegexMatch> Regex::exec(std::u16string_view subject, int from) const {
  Matcher m{*impl_, subject, {}, -1, 0};
  Matcher::Cont done{Matcher::CK::kDone};
  for (int start = from; start <= static_cast<int>(subject.size()); ++start) {
    m.caps.assign(impl_->groups + 1, {-1, -1});
    if (m.seq(impl_->top, 0, start, &done)) {
      RegexMatch out;
      out.start = start;
      out.end = m.endPos;
      for (int g = 1; g <= impl_->groups; ++g) {
        if (m.caps[g].first >= 0)
          out.groups.emplace_back(m.caps[g]);
        else
          out.groups.emplace_back(std::nullopt);
      }
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace wharf::jsonata
