// The JSONata function library (plus the AWS Step Functions additions), registered in one table.
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "sfn/jsonata/builtins.h"
#include "sfn/jsonata/error.h"
#include "sfn/jsonata/evaluator.h"
#include "sfn/jsonata/json_convert.h"
#include "sfn/jsonata/signature.h"
#include "sfn/jsonata/utf.h"

namespace wharf::jsonata {
namespace {

using Args = std::vector<Value>;

const Value& arg(const Args& a, size_t i) {
  static const Value kUndefined;
  return i < a.size() ? a[i] : kUndefined;
}

Value str(std::string s) { return Value::string(std::move(s)); }
Value num(double d) { return Value::number(d); }

// --- aggregation ---
Value fnSum(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  double total = 0;
  for (const Value& v : arg(a, 0).arr()) total += v.asNumber();
  return num(total);
}
Value fnCount(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return num(0);
  return num(static_cast<double>(arg(a, 0).arr().size()));
}
Value extreme(Args& a, bool max) {
  const Value& v = arg(a, 0);
  if (v.isUndefined() || v.arr().empty()) return Value();
  double r = max ? -INFINITY : INFINITY;
  for (const Value& x : v.arr()) r = max ? std::max(r, x.asNumber()) : std::min(r, x.asNumber());
  return num(r);
}
Value fnMax(CallContext&, Args& a) { return extreme(a, true); }
Value fnMin(CallContext&, Args& a) { return extreme(a, false); }
Value fnAverage(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined() || v.arr().empty()) return Value();
  double total = 0;
  for (const Value& x : v.arr()) total += x.asNumber();
  return num(total / static_cast<double>(v.arr().size()));
}

// --- strings ---
Value fnString(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  bool pretty = arg(a, 1).isBool() && arg(a, 1).asBool();
  if (pretty && !v.isString() && !v.isFunction()) {
    if (v.isNumber() && !std::isfinite(v.asNumber()))
      raise("D3001", "Attempting to invoke string function on Infinity or NaN");
    return str(stringify(v.isArray() && v.hasFlag(kOuterWrapper) && !v.arr().empty() ? v.arr()[0] : v, true));
  }
  return str(toJsString(v));
}

// JavaScript's slice() index normalisation.
size_t sliceIndex(double idx, size_t len) {
  if (std::isnan(idx)) return 0;
  idx = std::trunc(idx);
  if (idx < 0) idx = std::max(0.0, static_cast<double>(len) + idx);
  return static_cast<size_t>(std::min(idx, static_cast<double>(len)));
}

Value fnSubstring(CallContext&, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  std::vector<uint32_t> cps = codePoints(s.str());
  double len = static_cast<double>(cps.size());
  double start = arg(a, 1).asNumber();
  if (len + start < 0) start = 0;
  if (arg(a, 2).isDefined()) {
    double length = arg(a, 2).asNumber();
    if (length <= 0) return str("");
    double end = start >= 0 ? start + length : len + start + length;
    size_t b = sliceIndex(start, cps.size()), e = sliceIndex(end, cps.size());
    return str(b < e ? fromCodePoints(cps, b, e) : "");
  }
  return str(fromCodePoints(cps, sliceIndex(start, cps.size()), cps.size()));
}
Value fnSubstringBefore(CallContext&, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  size_t pos = s.str().find(arg(a, 1).isString() ? arg(a, 1).str() : "");
  return pos == std::string::npos ? s : str(s.str().substr(0, pos));
}
Value fnSubstringAfter(CallContext&, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  const std::string& chars = arg(a, 1).isString() ? arg(a, 1).str() : "";
  size_t pos = s.str().find(chars);
  return pos == std::string::npos ? s : str(s.str().substr(pos + chars.size()));
}

uint32_t caseMap(uint32_t c, bool upper) {
  if (upper) {
    if (c >= 'a' && c <= 'z') return c - 32;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
  } else {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
    if (c >= 0x391 && c <= 0x3A9) return c + 32;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
  }
  return c;
}
Value changeCase(const Value& s, bool upper) {
  if (s.isUndefined()) return Value();
  std::string out;
  for (uint32_t c : codePoints(s.str())) {
    if (upper && c == 0xDF) {
      out += "SS";  // German sharp s has no single-letter capital in toUpperCase
    } else {
      appendUtf8(out, caseMap(c, upper));
    }
  }
  return str(std::move(out));
}
Value fnLowercase(CallContext&, Args& a) { return changeCase(arg(a, 0), false); }
Value fnUppercase(CallContext&, Args& a) { return changeCase(arg(a, 0), true); }
Value fnLength(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  return num(static_cast<double>(codePointCount(arg(a, 0).str())));
}
Value fnTrim(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  std::string out;
  bool space = false;
  for (char c : arg(a, 0).str()) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
    } else {
      if (space && !out.empty()) out += ' ';
      space = false;
      out += c;
    }
  }
  return str(std::move(out));
}
Value fnPad(CallContext&, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  double width = arg(a, 1).asNumber();
  std::string padChar = arg(a, 2).isString() && !arg(a, 2).str().empty() ? arg(a, 2).str() : " ";
  double padLength = std::fabs(width) - static_cast<double>(codePointCount(s.str()));
  if (padLength <= 0) return s;
  size_t n = static_cast<size_t>(padLength);
  std::vector<uint32_t> padCps = codePoints(padChar);
  std::vector<uint32_t> padding;
  while (padding.size() < n) padding.insert(padding.end(), padCps.begin(), padCps.end());
  std::string pad = fromCodePoints(padding, 0, n);
  return str(width > 0 ? s.str() + pad : pad + s.str());
}

const Regex& regexOf(const Value& f) {
  // Custom matcher functions (JavaScript-only extension objects) are not supported.
  if (f.fn().type != FunctionType::kRegex)
    raise("T1010", "The matcher function argument passed to function does not return the correct object structure");
  return *f.fn().regex;
}
std::string sub16(const std::u16string& s, int b, int e) { return fromUtf16(std::u16string_view(s).substr(b, e - b)); }

Value matchObject(const std::u16string& s, const RegexMatch& m) {
  auto o = std::make_shared<Object>();
  o->set("match", str(sub16(s, m.start, m.end)));
  o->set("index", num(m.start));
  Array groups;
  for (const auto& g : m.groups) groups.push_back(g ? str(sub16(s, g->first, g->second)) : Value());
  o->set("groups", Value::array(std::move(groups)));
  return Value::object(o);
}

Value fnMatch(CallContext&, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  const Value& limit = arg(a, 2);
  if (limit.isDefined() && limit.asNumber() < 0)
    raise("D3040", "Third argument of match function must evaluate to a positive number");
  Array out;
  if (limit.isUndefined() || limit.asNumber() > 0) {
    std::u16string u = toUtf16(s.str());
    double count = 0;
    forEachMatch(regexOf(arg(a, 1)), u, [&](const RegexMatch& m) {
      if (limit.isDefined() && count >= limit.asNumber()) return false;
      out.push_back(matchObject(u, m));
      ++count;
      return true;
    });
  }
  return Value::sequence(std::move(out));
}
Value fnContains(CallContext&, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  const Value& token = arg(a, 1);
  if (token.isString()) return Value::boolean(s.str().find(token.str()) != std::string::npos);
  return Value::boolean(regexOf(token).exec(toUtf16(s.str()), 0).has_value());
}

std::string substitute(const std::string& replacement, const std::u16string& s, const RegexMatch& m) {
  std::string out;
  size_t position = 0;
  size_t index = replacement.find('$', position);
  while (index != std::string::npos && position < replacement.size()) {
    out += replacement.substr(position, index - position);
    position = index + 1;
    char dollar = position < replacement.size() ? replacement[position] : '\0';
    if (dollar == '$') {
      out += '$';
      ++position;
    } else if (dollar == '0') {
      out += sub16(s, m.start, m.end);
      ++position;
    } else {
      size_t groups = m.groups.size();
      size_t maxDigits = groups == 0 ? 1 : static_cast<size_t>(std::floor(std::log10(static_cast<double>(groups)))) + 1;
      auto parseDigits = [&](size_t count) -> long {
        std::string d;
        for (size_t k = position;
             k < position + count && k < replacement.size() && isdigit(static_cast<unsigned char>(replacement[k])); ++k)
          d += replacement[k];
        return d.empty() ? -1 : std::stol(d);
      };
      long idx = parseDigits(maxDigits);
      if (maxDigits > 1 && idx > static_cast<long>(groups)) idx = parseDigits(maxDigits - 1);
      if (idx >= 0) {
        if (groups > 0 && idx >= 1 && static_cast<size_t>(idx) <= groups && m.groups[idx - 1]) {
          out += sub16(s, m.groups[idx - 1]->first, m.groups[idx - 1]->second);
        }
        position += std::to_string(idx).size();
      } else {
        out += '$';
      }
    }
    index = replacement.find('$', position);
  }
  out += replacement.substr(std::min(position, replacement.size()));
  return out;
}

Value fnReplace(CallContext& ctx, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  const Value& pattern = arg(a, 1);
  const Value& replacement = arg(a, 2);
  const Value& limit = arg(a, 3);
  if (pattern.isString() && pattern.str().empty())
    raise("D3010", "Second argument of replace function cannot be an empty string");
  if (limit.isDefined() && limit.asNumber() < 0)
    raise("D3011", "Fourth argument of replace function must evaluate to a positive number");
  if (limit.isDefined() && limit.asNumber() == 0) return s;
  double count = 0;
  if (pattern.isString()) {
    if (!replacement.isString()) raise("T0410", "Argument 3 of function replace does not match function signature");
    const std::string& src = s.str();
    std::string out;
    size_t position = 0;
    size_t index = src.find(pattern.str());
    while (index != std::string::npos && (limit.isUndefined() || count < limit.asNumber())) {
      out += src.substr(position, index - position);
      out += replacement.str();
      position = index + pattern.str().size();
      ++count;
      index = src.find(pattern.str(), position);
    }
    out += src.substr(position);
    return str(std::move(out));
  }
  std::u16string u = toUtf16(s.str());
  std::string out;
  int position = 0;
  bool any = false;
  forEachMatch(regexOf(pattern), u, [&](const RegexMatch& m) {
    if (limit.isDefined() && count >= limit.asNumber()) return false;
    any = true;
    out += sub16(u, position, m.start);
    if (replacement.isString()) {
      out += substitute(replacement.str(), u, m);
    } else {
      Value r = ctx.ev.apply(replacement, {matchObject(u, m)}, Value(), ctx.env);
      if (!r.isString()) raise("D3012", "Attempted to replace a matched string with a non-string value");
      out += r.str();
    }
    position = m.end;
    ++count;
    return true;
  });
  if (!any) return s;
  out += sub16(u, position, static_cast<int>(u.size()));
  return str(std::move(out));
}

Value fnSplit(CallContext&, Args& a) {
  const Value& s = arg(a, 0);
  if (s.isUndefined()) return Value();
  const Value& sep = arg(a, 1);
  const Value& limit = arg(a, 2);
  if (limit.isDefined() && limit.asNumber() < 0)
    raise("D3020", "Third argument of split function must evaluate to a positive number");
  Array out;
  double lim = limit.isDefined() ? std::floor(limit.asNumber()) : INFINITY;
  if (lim == 0) return Value::array(std::move(out));
  if (sep.isString()) {
    const std::string& src = s.str();
    if (sep.str().empty()) {
      std::u16string u = toUtf16(src);
      for (size_t i = 0; i < u.size() && out.size() < lim; ++i)
        out.push_back(str(fromUtf16(std::u16string_view(u).substr(i, 1))));
      return Value::array(std::move(out));
    }
    size_t position = 0;
    for (;;) {
      if (out.size() >= lim) break;
      size_t idx = src.find(sep.str(), position);
      if (idx == std::string::npos) {
        out.push_back(str(src.substr(position)));
        break;
      }
      out.push_back(str(src.substr(position, idx - position)));
      position = idx + sep.str().size();
    }
    return Value::array(std::move(out));
  }
  std::u16string u = toUtf16(s.str());
  int start = 0;
  double count = 0;
  bool any = false;
  forEachMatch(regexOf(sep), u, [&](const RegexMatch& m) {
    if (count >= lim) return false;
    any = true;
    out.push_back(str(sub16(u, start, m.start)));
    start = m.end;
    ++count;
    return true;
  });
  if (!any) {
    out.push_back(s);
  } else if (count < lim) {
    out.push_back(str(sub16(u, start, static_cast<int>(u.size()))));
  }
  return Value::array(std::move(out));
}
Value fnJoin(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  std::string sep = arg(a, 1).isString() ? arg(a, 1).str() : "";
  std::string out;
  bool first = true;
  for (const Value& s : v.arr()) {
    if (!first) out += sep;
    first = false;
    out += s.str();
  }
  return str(std::move(out));
}

// --- numbers ---
bool matchesDecimal(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t d = i;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == d) return false;
  if (i < s.size() && s[i] == '.') {
    size_t f = ++i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == f) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e = i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == e) return false;
  }
  return i == s.size();
}
Value fnNumber(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  if (v.isNumber()) return v;
  if (v.isBool()) return num(v.asBool() ? 1 : 0);
  if (v.isString()) {
    const std::string& s = v.str();
    if (matchesDecimal(s)) {
      double d = std::strtod(s.c_str(), nullptr);
      if (std::isfinite(d)) return num(d);
    }
    if (s.size() > 2 && s[0] == '0') {
      int base = (s[1] == 'x' || s[1] == 'X')   ? 16
                 : (s[1] == 'o' || s[1] == 'O') ? 8
                 : (s[1] == 'b' || s[1] == 'B') ? 2
                                                : 0;
      if (base) {
        char* end;
        double d = static_cast<double>(std::strtoull(s.c_str() + 2, &end, base));
        if (*end == '\0') return num(d);
      }
    }
  }
  raise("D3030", "Unable to cast value to a number: " + stringify(v, false));
}
Value fnFloor(CallContext&, Args& a) {
  return arg(a, 0).isUndefined() ? Value() : num(std::floor(arg(a, 0).asNumber()));
}
Value fnCeil(CallContext&, Args& a) { return arg(a, 0).isUndefined() ? Value() : num(std::ceil(arg(a, 0).asNumber())); }
Value fnAbs(CallContext&, Args& a) { return arg(a, 0).isUndefined() ? Value() : num(std::fabs(arg(a, 0).asNumber())); }
Value fnRound(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  int precision = arg(a, 1).isNumber() ? static_cast<int>(arg(a, 1).asNumber()) : 0;
  return num(roundHalfEven(arg(a, 0).asNumber(), precision));
}
Value fnSqrt(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  double d = arg(a, 0).asNumber();
  if (d < 0) raise("D3060", "The sqrt function cannot be applied to a negative number: " + formatJsNumber(d));
  return num(std::sqrt(d));
}
Value fnPower(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  double r = std::pow(arg(a, 0).asNumber(), arg(a, 1).asNumber());
  if (!std::isfinite(r))
    raise("D3061", "The power function has resulted in a value that cannot be represented as a JSON number");
  return num(r);
}
Value fnRandom(CallContext& ctx, Args& a) {
  if (arg(a, 0).isNumber()) {
    double seed = arg(a, 0).asNumber();
    uint64_t bits;
    std::memcpy(&bits, &seed, sizeof bits);
    std::mt19937_64 seeded(bits);
    return num(static_cast<double>(seeded() >> 11) * 0x1.0p-53);
  }
  return num(static_cast<double>(ctx.ev.rng()() >> 11) * 0x1.0p-53);
}

// --- boolean ---
Value fnBoolean(CallContext&, Args& a) { return booleanOf(arg(a, 0)); }
Value fnNot(CallContext&, Args& a) { return arg(a, 0).isUndefined() ? Value() : Value::boolean(!truthy(arg(a, 0))); }
Value fnExists(CallContext&, Args& a) { return Value::boolean(arg(a, 0).isDefined()); }

// --- higher-order ---
Value fnMap(CallContext& ctx, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  Array out;
  const Array& in = v.arr();
  for (size_t i = 0; i < in.size(); ++i) {
    Value r = ctx.ev.callback(arg(a, 1), in[i], num(static_cast<double>(i)), v, ctx.env);
    if (r.isDefined()) out.push_back(std::move(r));
  }
  return Value::sequence(std::move(out));
}
Value fnFilter(CallContext& ctx, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  Array out;
  const Array& in = v.arr();
  for (size_t i = 0; i < in.size(); ++i) {
    if (truthy(ctx.ev.callback(arg(a, 1), in[i], num(static_cast<double>(i)), v, ctx.env))) out.push_back(in[i]);
  }
  return Value::sequence(std::move(out));
}
Value fnSingle(CallContext& ctx, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  bool found = false;
  Value result;
  const Array& in = v.arr();
  for (size_t i = 0; i < in.size(); ++i) {
    bool ok = true;
    if (arg(a, 1).isDefined()) ok = truthy(ctx.ev.callback(arg(a, 1), in[i], num(static_cast<double>(i)), v, ctx.env));
    if (ok) {
      if (found) raise("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more.");
      result = in[i];
      found = true;
    }
  }
  if (!found) raise("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0.");
  return result;
}
Value fnZip(CallContext&, Args& a) {
  size_t len = a.empty() ? 0 : SIZE_MAX;
  for (const Value& v : a) len = std::min(len, v.isArray() ? v.arr().size() : 0);
  Array out;
  for (size_t i = 0; i < len; ++i) {
    Array tuple;
    for (const Value& v : a) tuple.push_back(v.arr()[i]);
    out.push_back(Value::array(std::move(tuple)));
  }
  return Value::array(std::move(out));
}
Value fnReduce(CallContext& ctx, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  const Value& fn = arg(a, 1);
  int arity = fn.fn().arity();
  if (arity < 2)
    raise("D3050", "The second argument of reduce function must be a function with at least two arguments");
  const Array& in = v.arr();
  Value result;
  size_t i = 0;
  if (arg(a, 2).isUndefined() && !in.empty()) {
    result = in[0];
    i = 1;
  } else {
    result = arg(a, 2);
  }
  for (; i < in.size(); ++i) {
    std::vector<Value> args;
    args.reserve(4);
    args.push_back(result);
    args.push_back(in[i]);
    if (arity >= 3) args.push_back(num(static_cast<double>(i)));
    if (arity >= 4) args.push_back(v);
    result = ctx.ev.apply(fn, std::move(args), Value(), ctx.env);
  }
  return result;
}
Value fnSift(CallContext& ctx, Args& a) {
  const Value& o = arg(a, 0);
  if (o.isUndefined()) return Value();
  auto out = std::make_shared<Object>();
  for (const auto& [k, v] : o.obj().entries) {
    if (truthy(ctx.ev.callback(arg(a, 1), v, str(k), o, ctx.env))) out->set(k, v);
  }
  if (out->size() == 0) return Value();
  return Value::object(out);
}
Value fnEach(CallContext& ctx, Args& a) {
  const Value& o = arg(a, 0);
  if (o.isUndefined()) return Value();
  Array out;
  for (const auto& [k, v] : o.obj().entries) {
    Value r = ctx.ev.callback(arg(a, 1), v, str(k), o, ctx.env);
    if (r.isDefined()) out.push_back(std::move(r));
  }
  return Value::sequence(std::move(out));
}

// --- objects and arrays ---
void collectKeys(const Value& v, std::vector<std::string>& keys, std::unordered_map<std::string, bool>& seen) {
  if (v.isArray()) {
    for (const Value& x : v.arr()) collectKeys(x, keys, seen);
  } else if (v.isObject()) {
    for (const auto& [k, x] : v.obj().entries) {
      if (seen.emplace(k, true).second) keys.push_back(k);
    }
  }
}
Value fnKeys(CallContext&, Args& a) {
  std::vector<std::string> keys;
  std::unordered_map<std::string, bool> seen;
  collectKeys(arg(a, 0), keys, seen);
  Array out;
  for (auto& k : keys) out.push_back(str(std::move(k)));
  return Value::sequence(std::move(out));
}
Value fnLookup(CallContext&, Args& a) { return lookupField(arg(a, 0), arg(a, 1).str()); }
Value fnAppend(CallContext&, Args& a) { return appendValues(arg(a, 0), arg(a, 1)); }
Value spread(const Value& v) {
  if (v.isArray()) {
    Value result = Value::sequence();
    for (const Value& x : v.arr()) result = appendValues(result, spread(x));
    return result;
  }
  if (v.isObject()) {
    Array out;
    for (const auto& [k, x] : v.obj().entries) {
      auto o = std::make_shared<Object>();
      o->set(k, x);
      out.push_back(Value::object(o));
    }
    return Value::sequence(std::move(out));
  }
  return v;
}
Value fnSpread(CallContext&, Args& a) { return spread(arg(a, 0)); }
Value fnMerge(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  auto out = std::make_shared<Object>();
  for (const Value& o : arg(a, 0).arr()) {
    for (const auto& [k, v] : o.obj().entries) out->set(k, v);
  }
  return Value::object(out);
}
Value fnReverse(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  if (v.arr().size() <= 1) return v;
  Array out(v.arr().rbegin(), v.arr().rend());
  return Value::array(std::move(out));
}
Value fnError(CallContext&, Args& a) {
  raise("D3137", arg(a, 0).isString() ? arg(a, 0).str() : "$error() function evaluated");
}
Value fnAssert(CallContext&, Args& a) {
  if (!arg(a, 0).asBool()) raise("D3141", arg(a, 1).isString() ? arg(a, 1).str() : "$assert() statement failed");
  return Value();
}
Value fnType(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  switch (v.kind()) {
    case Kind::kUndefined:
      return Value();
    case Kind::kNull:
      return str("null");
    case Kind::kNumber:
      return str("number");
    case Kind::kString:
      return str("string");
    case Kind::kBool:
      return str("boolean");
    case Kind::kArray:
      return str("array");
    case Kind::kFunction:
      return str("function");
    case Kind::kObject:
      return str("object");
  }
  return Value();
}
Value fnSort(CallContext& ctx, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  const Array& in = v.arr();
  if (in.size() <= 1) return v;
  const Value& comparator = arg(a, 1);
  if (comparator.isUndefined()) {
    bool nums = true, strs = true;
    for (const Value& x : in) {
      nums = nums && x.isNumber();
      strs = strs && x.isString();
    }
    if (!nums && !strs)
      raise("D3070",
            "The single argument form of the sort function can only be applied to an array of strings or an array of "
            "numbers.  Use the second argument to specify a comparison function");
  }
  auto swap = [&](const Value& x, const Value& y) {
    if (comparator.isDefined()) return truthy(ctx.ev.apply(comparator, {x, y}, Value(), ctx.env));
    if (x.isNumber()) return x.asNumber() > y.asNumber();
    return compareUtf16(x.str(), y.str()) > 0;
  };
  Array items = in;
  mergeSort(items, swap);
  return Value::array(std::move(items));
}
Value fnShuffle(CallContext& ctx, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  if (v.arr().size() <= 1) return v;
  Array out = v.arr();
  std::shuffle(out.begin(), out.end(), ctx.ev.rng());
  return Value::array(std::move(out));
}
Value fnDistinct(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  if (!v.isArray() || v.arr().size() <= 1) return v;
  Array out;
  for (const Value& x : v.arr()) {
    bool dup = false;
    for (const Value& y : out) {
      if (deepEqual(x, y)) {
        dup = true;
        break;
      }
    }
    if (!dup) out.push_back(x);
  }
  return Value::array(std::move(out), v.isSequence() ? kSequence : 0);
}

Value cloneValue(const Value& v) { return fromJson(toJson(v)); }
Value fnClone(CallContext&, Args& a) { return arg(a, 0).isUndefined() ? Value() : cloneValue(arg(a, 0)); }

// --- encoding ---
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
Value fnBase64Encode(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  std::string bytes;
  for (char16_t c : toUtf16(arg(a, 0).str())) bytes += static_cast<char>(c & 0xFF);
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kB64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kB64[n & 63] : '=';
  }
  return str(std::move(out));
}
Value fnBase64Decode(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : arg(a, 0).str()) {
    const char* p = std::strchr(kB64, c);
    if (!p || c == '\0') continue;
    buf = (buf << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      appendUtf8(out, (buf >> bits) & 0xFF);
    }
  }
  return str(std::move(out));
}
Value encodeUri(const Value& v, const char* keep) {
  if (v.isUndefined()) return Value();
  std::u16string u = toUtf16(v.str());
  for (size_t i = 0; i < u.size(); ++i) {
    if (u[i] >= 0xD800 && u[i] <= 0xDFFF) {
      bool pair = u[i] <= 0xDBFF && i + 1 < u.size() && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF;
      if (!pair) raise("D3140", "Malformed URL passed to $encodeUrl()");
      ++i;
    }
  }
  std::string out;
  for (unsigned char c : v.str()) {
    if (isalnum(c) || std::strchr(keep, c)) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return str(std::move(out));
}
Value decodeUri(const Value& v, const char* reserved) {
  if (v.isUndefined()) return Value();
  const std::string& s = v.str();
  std::string out;
  auto hex = [](char c) {
    return isdigit(static_cast<unsigned char>(c)) ? c - '0'
           : (c >= 'a' && c <= 'f')               ? c - 'a' + 10
           : (c >= 'A' && c <= 'F')               ? c - 'A' + 10
                                                  : -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() + 0 || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
      raise("D3140", "Malformed URL passed to $decodeUrl()");
    int byte = hex(s[i + 1]) * 16 + hex(s[i + 2]);
    if (byte < 0x80 && std::strchr(reserved, byte) && byte != 0) {
      out += s.substr(i, 3);
    } else {
      out += static_cast<char>(byte);
    }
    i += 2;
  }
  // validate the decoded bytes form UTF-8
  for (size_t i = 0; i < out.size();) {
    unsigned char c = out[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > out.size()) raise("D3140", "Malformed URL passed to $decodeUrl()");
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(out[i + k]) & 0xC0) != 0x80)
        raise("D3140", "Malformed URL passed to $decodeUrl()");
    }
    i += len;
  }
  return str(std::move(out));
}
Value fnEncodeUrlComponent(CallContext&, Args& a) { return encodeUri(arg(a, 0), "-_.!~*'()"); }
Value fnEncodeUrl(CallContext&, Args& a) { return encodeUri(arg(a, 0), "-_.!~*'();/?:@&=+$,#"); }
Value fnDecodeUrlComponent(CallContext&, Args& a) { return decodeUri(arg(a, 0), ""); }
Value fnDecodeUrl(CallContext&, Args& a) { return decodeUri(arg(a, 0), ";/?:@&=+$,#"); }

Value fnMillis(CallContext& ctx, Args&) { return num(ctx.ev.nowMillis()); }

// --- AWS Step Functions additions ---
Value fnPartition(CallContext&, Args& a) {
  const Value& v = arg(a, 0);
  if (v.isUndefined()) return Value();
  double size = arg(a, 1).asNumber();
  if (size <= 0 || std::floor(size) != size)
    raise("D3080", "The size argument of $partition must be a positive integer");
  Array out;
  const Array& in = v.arr();
  for (size_t i = 0; i < in.size(); i += static_cast<size_t>(size)) {
    out.push_back(Value::array(Array(in.begin() + i, in.begin() + std::min(in.size(), i + static_cast<size_t>(size)))));
  }
  return Value::array(std::move(out));
}
Value fnRange(CallContext&, Args& a) {
  double start = arg(a, 0).asNumber(), end = arg(a, 1).asNumber();
  double step = arg(a, 2).isNumber() ? arg(a, 2).asNumber() : 1;
  if (step == 0) raise("D3081", "The step argument of $range must not be zero");
  Array out;
  for (double x = start; step > 0 ? x <= end : x >= end; x += step) {
    out.push_back(num(x));
    if (out.size() > 10'000'000) raise("D2014", "The size of the sequence allocated by $range must not exceed 1e7");
  }
  // A sequence, as jsonata's own ranges: one number comes back as that number, as AWS returns it.
  return Value::sequence(std::move(out));
}
Value fnHash(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  std::string alg = arg(a, 1).isString() ? arg(a, 1).str() : "SHA-256";
  const EVP_MD* md = alg == "MD5"       ? EVP_md5()
                     : alg == "SHA-1"   ? EVP_sha1()
                     : alg == "SHA-256" ? EVP_sha256()
                     : alg == "SHA-384" ? EVP_sha384()
                     : alg == "SHA-512" ? EVP_sha512()
                                        : nullptr;
  if (!md) raise("D3082", "Unsupported hash algorithm: " + alg + " (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const std::string& data = arg(a, 0).str();
  EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    out += buf;
  }
  return str(std::move(out));
}
Value fnUuid(CallContext& ctx, Args&) {
  uint64_t hi = ctx.ev.rng()(), lo = ctx.ev.rng()();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return str(buf);
}
Value fnParse(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(arg(a, 0).str(), ec);
  if (ec) raise("D3083", "Unable to parse JSON string: " + ec.message());
  return fromJson(parsed);
}

Builtin kBuiltins[] = {
    {"sum", "<a<n>:n>", fnSum, 1, nullptr},
    {"count", "<a:n>", fnCount, 1, nullptr},
    {"max", "<a<n>:n>", fnMax, 1, nullptr},
    {"min", "<a<n>:n>", fnMin, 1, nullptr},
    {"average", "<a<n>:n>", fnAverage, 1, nullptr},
    {"string", "<x-b?:s>", fnString, 1, nullptr},
    {"substring", "<s-nn?:s>", fnSubstring, 3, nullptr},
    {"substringBefore", "<s-s:s>", fnSubstringBefore, 2, nullptr},
    {"substringAfter", "<s-s:s>", fnSubstringAfter, 2, nullptr},
    {"lowercase", "<s-:s>", fnLowercase, 1, nullptr},
    {"uppercase", "<s-:s>", fnUppercase, 1, nullptr},
    {"length", "<s-:n>", fnLength, 1, nullptr},
    {"trim", "<s-:s>", fnTrim, 1, nullptr},
    {"pad", "<s-ns?:s>", fnPad, 3, nullptr},
    {"match", "<s-f<s:o>n?:a<o>>", fnMatch, 3, nullptr},
    {"contains", "<s-(sf):b>", fnContains, 2, nullptr},
    {"replace", "<s-(sf)(sf)n?:s>", fnReplace, 4, nullptr},
    {"split", "<s-(sf)n?:a<s>>", fnSplit, 3, nullptr},
    {"join", "<a<s>s?:s>", fnJoin, 2, nullptr},
    {"formatNumber", "<n-so?:s>", fnFormatNumber, 3, nullptr},
    {"formatBase", "<n-n?:s>", nullptr, 2, nullptr},
    {"formatInteger", "<n-s:s>", fnFormatInteger, 2, nullptr},
    {"parseInteger", "<s-s:n>", fnParseInteger, 2, nullptr},
    {"number", "<(nsb)-:n>", fnNumber, 1, nullptr},
    {"floor", "<n-:n>", fnFloor, 1, nullptr},
    {"ceil", "<n-:n>", fnCeil, 1, nullptr},
    {"round", "<n-n?:n>", fnRound, 2, nullptr},
    {"abs", "<n-:n>", fnAbs, 1, nullptr},
    {"sqrt", "<n-:n>", fnSqrt, 1, nullptr},
    {"power", "<n-n:n>", fnPower, 2, nullptr},
    {"random", "<n?:n>", fnRandom, 0, nullptr},
    {"boolean", "<x-:b>", fnBoolean, 1, nullptr},
    {"not", "<x-:b>", fnNot, 1, nullptr},
    {"map", "<af>", fnMap, 2, nullptr},
    {"zip", "<a+>", fnZip, 0, nullptr},
    {"filter", "<af>", fnFilter, 2, nullptr},
    {"single", "<af?>", fnSingle, 2, nullptr},
    {"reduce", "<afj?:j>", fnReduce, 3, nullptr},
    {"sift", "<o-f?:o>", fnSift, 2, nullptr},
    {"keys", "<x-:a<s>>", fnKeys, 1, nullptr},
    {"lookup", "<x-s:x>", fnLookup, 2, nullptr},
    {"append", "<xx:a>", fnAppend, 2, nullptr},
    {"exists", "<x:b>", fnExists, 1, nullptr},
    {"spread", "<x-:a<o>>", fnSpread, 1, nullptr},
    {"merge", "<a<o>:o>", fnMerge, 1, nullptr},
    {"reverse", "<a:a>", fnReverse, 1, nullptr},
    {"each", "<o-f:a>", fnEach, 2, nullptr},
    {"error", "<s?:x>", fnError, 1, nullptr},
    {"assert", "<bs?:x>", fnAssert, 2, nullptr},
    {"type", "<x:s>", fnType, 1, nullptr},
    {"sort", "<af?:a>", fnSort, 2, nullptr},
    {"shuffle", "<a:a>", fnShuffle, 1, nullptr},
    {"distinct", "<x:x>", fnDistinct, 1, nullptr},
    {"base64encode", "<s-:s>", fnBase64Encode, 1, nullptr},
    {"base64decode", "<s-:s>", fnBase64Decode, 1, nullptr},
    {"encodeUrlComponent", "<s-:s>", fnEncodeUrlComponent, 1, nullptr},
    {"encodeUrl", "<s-:s>", fnEncodeUrl, 1, nullptr},
    {"decodeUrlComponent", "<s-:s>", fnDecodeUrlComponent, 1, nullptr},
    {"decodeUrl", "<s-:s>", fnDecodeUrl, 1, nullptr},
    {"toMillis", "<s-s?:n>", fnToMillis, 2, nullptr},
    {"fromMillis", "<n-s?s?:s>", fnFromMillis, 3, nullptr},
    {"clone", "<(oa)-:o>", fnClone, 1, nullptr},
    {"now", "<s?s?:s>", fnNow, 2, nullptr},
    {"millis", "<:n>", fnMillis, 0, nullptr},
    {"partition", "<an:a>", fnPartition, 2, nullptr},
    {"range", "<nnn?:a>", fnRange, 3, nullptr},
    {"hash", "<s-s?:s>", fnHash, 2, nullptr},
    {"uuid", "<:s>", fnUuid, 0, nullptr},
    {"parse", "<s-:x>", fnParse, 1, nullptr},
};

Value fnFormatBase(CallContext&, Args& a) {
  if (arg(a, 0).isUndefined()) return Value();
  double value = roundHalfEven(arg(a, 0).asNumber(), 0);
  double radix = arg(a, 1).isNumber() ? arg(a, 1).asNumber() : 10;
  if (radix < 2 || radix > 36)
    raise("D3100",
          "The radix of the formatBase function must be between 2 and 36.  It was given " + formatJsNumber(radix));
  int r = static_cast<int>(radix);
  bool neg = value < 0;
  double v = std::fabs(value);
  std::string digits;
  do {
    int d = static_cast<int>(std::fmod(v, r));
    digits += "0123456789abcdefghijklmnopqrstuvwxyz"[d];
    v = std::floor(v / r);
  } while (v > 0);
  if (neg) digits += '-';
  std::reverse(digits.begin(), digits.end());
  return str(std::move(digits));
}

}  // namespace

const Value* findBuiltin(std::string_view name) {
  static const std::unordered_map<std::string, Value> table = [] {
    std::unordered_map<std::string, Value> t;
    for (Builtin& b : kBuiltins) {
      if (!b.impl) b.impl = fnFormatBase;
      b.sig = Signature::parse(b.signature);
      auto f = std::make_shared<Function>();
      f->type = FunctionType::kNative;
      f->builtin = &b;
      t.emplace(b.name, Value::function(f));
    }
    return t;
  }();
  auto it = table.find(std::string(name));
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace wharf::jsonata
