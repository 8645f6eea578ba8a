#include "sfn/asl/json_text.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstring>

namespace wharf::asl {
namespace {

// The escape letter of each byte: 0 = none, 'u' = \u00XX, else the letter after the backslash.
constexpr auto kEscapes = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['"'] = '"';
  table['\\'] = '\\';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['\b'] = 'b';
  table['\f'] = 'f';
  return table;
}();

char escapeOf(char c) { return kEscapes[static_cast<unsigned char>(c)]; }

// The bytes each byte's escape adds (for sizing without branches).
constexpr auto kEscapeExtra = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = kEscapes[c] == 0 ? 0 : kEscapes[c] == 'u' ? 5 : 1;
  return table;
}();

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  // Sized once, then written in place (no zero fill): strings of JSON text are mostly escapes
  // and short runs.
  size_t size = s.size() + 2;
  for (char c : s) size += kEscapeExtra[static_cast<unsigned char>(c)];
  size_t at = out.size();
  // The lambda returns the length itself: libstdc++ 12 may pass the grown capacity as the size.
  out.resize_and_overwrite(at + size, [&](char* data, size_t) {
    char* p = data + at;
    *p++ = '"';
    if (size == s.size() + 2) {
      std::memcpy(p, s.data(), s.size());
      p += s.size();
    } else {
      for (char c : s) {
        char e = escapeOf(c);
        if (e == 0) {
          *p++ = c;
          continue;
        }
        *p++ = '\\';
        *p++ = e;
        if (e == 'u') {
          static constexpr char kHex[] = "0123456789abcdef";
          *p++ = '0';
          *p++ = '0';
          *p++ = kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
          *p++ = kHex[static_cast<unsigned char>(c) & 0xf];
        }
      }
    }
    *p = '"';
    return at + size;
  });
}

namespace {

// Room for any double's text: the shortest round-trip form (at most 24 characters) and ".0".
using DoubleText = std::array<char, 32>;

// A double as Jackson writes it (1.0, 1.5E10 is written 1.5e+10), "null" when not finite.
std::string_view formatDouble(double d, DoubleText& buf) {
  if (!std::isfinite(d)) return "null";
  char* end = fmt::format_to(buf.data(), "{}", d);
  std::string_view text(buf.data(), static_cast<size_t>(end - buf.data()));
  if (text.find_first_of(".e") != std::string_view::npos) return text;
  *end++ = '.';
  *end++ = '0';
  return {buf.data(), static_cast<size_t>(end - buf.data())};
}

void appendDouble(std::string& out, double d) {
  DoubleText buf;
  out += formatDouble(d, buf);
}

template <typename Integer>
void appendInteger(std::string& out, Integer n) {
  fmt::format_int text(n);
  out.append(text.data(), text.size());
}

void append(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      break;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::int64:
      appendInteger(out, v.get_int64());
      break;
    case boost::json::kind::uint64:
      appendInteger(out, v.get_uint64());
      break;
    case boost::json::kind::double_:
      appendDouble(out, v.get_double());
      break;
    case boost::json::kind::string:
      appendJsonString(out, v.get_string());
      break;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append(out, e);
      }
      out.push_back(']');
      break;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        appendJsonString(out, kv.key());
        out.push_back(':');
        append(out, kv.value());
      }
      out.push_back('}');
      break;
    }
  }
}

}  // namespace

std::string toJsonText(const boost::json::value& value) {
  std::string out;
  append(out, value);
  return out;
}

void appendJsonText(std::string& out, const boost::json::value& value) { append(out, value); }

namespace {

// The bytes one byte of a string takes in JSON text and in a JSON string literal of that text
// (a quote is \" in the one, \\\" in the other; a newline \n and \\n).
constexpr auto kTextBytes = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = kEscapes[c] == 0 ? 1 : kEscapes[c] == 'u' ? 6 : 2;
  return table;
}();
constexpr auto kLiteralBytes = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) {
    char e = kEscapes[c];
    table[c] = e == 0 ? 1 : e == 'u' ? 7 : e == '"' || e == '\\' ? 4 : 3;
  }
  return table;
}();

// A string's share of both lengths: its quotes are \" in the literal.
void measureString(std::string_view s, JsonTextLength& length) {
  size_t text = 2, literal = 4;
  for (char c : s) {
    text += kTextBytes[static_cast<unsigned char>(c)];
    literal += kLiteralBytes[static_cast<unsigned char>(c)];
  }
  length.text += text;
  length.literal += literal;
}

// Text without quotes or backslashes (numbers, literals, punctuation) is the same in both.
void measurePlain(size_t size, JsonTextLength& length) {
  length.text += size;
  length.literal += size;
}

void measure(const boost::json::value& v, JsonTextLength& length) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return measurePlain(4, length);
    case boost::json::kind::bool_:
      return measurePlain(v.get_bool() ? 4 : 5, length);
    case boost::json::kind::int64:
      return measurePlain(fmt::format_int(v.get_int64()).size(), length);
    case boost::json::kind::uint64:
      return measurePlain(fmt::format_int(v.get_uint64()).size(), length);
    case boost::json::kind::double_: {
      DoubleText buf;
      return measurePlain(formatDouble(v.get_double(), buf).size(), length);
    }
    case boost::json::kind::string:
      return measureString(v.get_string(), length);
    case boost::json::kind::array: {
      const auto& a = v.get_array();
      measurePlain(a.empty() ? 2 : a.size() + 1, length);  // brackets and commas
      for (const auto& e : a) measure(e, length);
      return;
    }
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      measurePlain(o.empty() ? 2 : 2 * o.size() + 1, length);  // braces, colons and commas
      for (const auto& kv : o) {
        measureString(kv.key(), length);
        measure(kv.value(), length);
      }
      return;
    }
  }
}

char* writePlain(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

char* writeLiteralString(char* p, std::string_view s) {
  *p++ = '\\';
  *p++ = '"';
  for (char c : s) {
    char e = escapeOf(c);
    if (e == 0) {
      *p++ = c;
      continue;
    }
    *p++ = '\\';
    *p++ = '\\';
    if (e == '"' || e == '\\') *p++ = '\\';
    *p++ = e;
    if (e == 'u') {
      static constexpr char kHex[] = "0123456789abcdef";
      *p++ = '0';
      *p++ = '0';
      *p++ = kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      *p++ = kHex[static_cast<unsigned char>(c) & 0xf];
    }
  }
  *p++ = '\\';
  *p++ = '"';
  return p;
}

char* writeLiteralBody(char* p, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return writePlain(p, "null");
    case boost::json::kind::bool_:
      return writePlain(p, v.get_bool() ? "true" : "false");
    case boost::json::kind::int64: {
      fmt::format_int text(v.get_int64());
      return writePlain(p, {text.data(), text.size()});
    }
    case boost::json::kind::uint64: {
      fmt::format_int text(v.get_uint64());
      return writePlain(p, {text.data(), text.size()});
    }
    case boost::json::kind::double_: {
      DoubleText buf;
      return writePlain(p, formatDouble(v.get_double(), buf));
    }
    case boost::json::kind::string:
      return writeLiteralString(p, v.get_string());
    case boost::json::kind::array: {
      *p++ = '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) *p++ = ',';
        first = false;
        p = writeLiteralBody(p, e);
      }
      *p++ = ']';
      return p;
    }
    case boost::json::kind::object: {
      *p++ = '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) *p++ = ',';
        first = false;
        p = writeLiteralString(p, kv.key());
        *p++ = ':';
        p = writeLiteralBody(p, kv.value());
      }
      *p++ = '}';
      return p;
    }
  }
  return p;
}

}  // namespace

JsonTextLength measureJsonText(const boost::json::value& value) {
  JsonTextLength length{0, 2};
  measure(value, length);
  return length;
}

char* writeJsonTextLiteral(char* out, const boost::json::value& value) {
  *out++ = '"';
  out = writeLiteralBody(out, value);
  *out++ = '"';
  return out;
}

Result<boost::json::value> parseJsonText(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 512;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec) return invalidParameter(ec.message(), "InvalidJson");
  return v;
}

std::string jsonTypeName(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "unknown";
}

bool asDouble(const boost::json::value& value, double& out) {
  switch (value.kind()) {
    case boost::json::kind::int64:
      out = static_cast<double>(value.get_int64());
      return true;
    case boost::json::kind::uint64:
      out = static_cast<double>(value.get_uint64());
      return true;
    case boost::json::kind::double_:
      out = value.get_double();
      return true;
    default:
      return false;
  }
}

bool jsonEquals(const boost::json::value& a, const boost::json::value& b) {
  double x = 0, y = 0;
  if (asDouble(a, x) && asDouble(b, y)) return x == y;
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& aa = a.get_array();
    const auto& ba = b.get_array();
    if (aa.size() != ba.size()) return false;
    for (size_t i = 0; i < aa.size(); ++i) {
      if (!jsonEquals(aa[i], ba[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto& ao = a.get_object();
    const auto& bo = b.get_object();
    if (ao.size() != bo.size()) return false;
    for (const auto& kv : ao) {
      const auto* other = bo.if_contains(kv.key());
      if (!other || !jsonEquals(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace wharf::asl
