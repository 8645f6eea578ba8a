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

void appendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  std::string text = fmt::format("{}", d);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  out += text;
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
