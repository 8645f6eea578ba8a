#include "sfn/jsonata/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sfn/jsonata/error.h"

namespace wharf::jsonata {

const Value* Object::find(std::string_view key) const {
  if (!index_.empty()) {
    auto it = index_.find(std::string(key));
    return it == index_.end() ? nullptr : &entries[it->second].second;
  }
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Object::set(const std::string& key, Value value) {
  if (Value* existing = const_cast<Value*>(find(key))) {
    *existing = std::move(value);
    return;
  }
  entries.emplace_back(key, std::move(value));
  if (!index_.empty()) {
    index_.emplace(key, static_cast<uint32_t>(entries.size() - 1));
  } else if (entries.size() >= kIndexFrom) {
    rebuildIndex();
  }
}

void Object::erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->first == key) {
      entries.erase(it);
      if (!index_.empty()) rebuildIndex();
      return;
    }
  }
}

void Object::rebuildIndex() {
  index_.clear();
  for (uint32_t i = 0; i < entries.size(); ++i) index_.emplace(entries[i].first, i);
}

Value makeObject() { return Value::object(std::make_shared<Object>()); }

std::string formatJsNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  std::string out;
  size_t i = 0;
  if (s[0] == '-') {
    out = "-";
    i = 1;
  }
  size_t epos = s.find('e');
  std::string digits;
  for (size_t j = i; j < epos; ++j) {
    if (s[j] != '.') digits += s[j];
  }
  int exp = std::atoi(s.c_str() + epos + 1);
  int k = static_cast<int>(digits.size());
  int n = exp + 1;
  if (k <= n && n <= 21) {
    out += digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(-n, '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += "e";
    out += (n - 1 >= 0) ? "+" : "-";
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

namespace {

void quote(std::string& out, const std::string& s) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

double round15(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.14e", d);
  return std::strtod(buf, nullptr);
}

void write(std::string& out, const Value& v, bool pretty, int depth) {
  auto newline = [&](int d) {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<size_t>(d) * 2, ' ');
  };
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNull:
      out += "null";
      break;
    case Kind::kBool:
      out += v.asBool() ? "true" : "false";
      break;
    case Kind::kNumber:
      if (!std::isfinite(v.asNumber())) raise("D1001", "Number out of range: " + formatJsNumber(v.asNumber()));
      out += formatJsNumber(round15(v.asNumber()));
      break;
    case Kind::kString:
      quote(out, v.str());
      break;
    case Kind::kFunction:
      out += "\"\"";
      break;
    case Kind::kArray: {
      const Array& a = v.arr();
      if (a.empty()) {
        out += "[]";
        break;
      }
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        newline(depth + 1);
        write(out, a[i], pretty, depth + 1);
      }
      newline(depth);
      out += ']';
      break;
    }
    case Kind::kObject: {
      bool any = false;
      out += '{';
      for (const auto& [k, item] : v.obj().entries) {
        if (item.isUndefined()) continue;
        if (any) out += ',';
        any = true;
        newline(depth + 1);
        quote(out, k);
        out += pretty ? ": " : ":";
        write(out, item, pretty, depth + 1);
      }
      if (any) newline(depth);
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string stringify(const Value& v, bool pretty) {
  std::string out;
  write(out, v, pretty, 0);
  return out;
}

bool deepEqual(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return a.asBool() == b.asBool();
    case Kind::kNumber:
      return a.asNumber() == b.asNumber();
    case Kind::kString:
      return a.str() == b.str();
    case Kind::kFunction:
      return a.identity() == b.identity();
    case Kind::kArray: {
      const Array& x = a.arr();
      const Array& y = b.arr();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!deepEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case Kind::kObject: {
      const Object& x = a.obj();
      const Object& y = b.obj();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.find(k);
        if (!other || !deepEqual(v, *other)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace wharf::jsonata
