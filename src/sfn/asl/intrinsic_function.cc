#include "sfn/asl/intrinsic_function.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cmath>
#include <unordered_map>

#include "sfn/asl/json_text.h"

namespace wharf::asl {
namespace {

constexpr int kMaxNesting = 32;
constexpr size_t kMaxArrayRange = 1000;
constexpr size_t kMaxBase64Input = 10000;

struct Arity {
  size_t min;
  size_t max;
};

const std::unordered_map<std::string, Arity>& functionTable() {
  static const std::unordered_map<std::string, Arity> kTable = {
      {"Format", {1, SIZE_MAX}},  {"StringToJson", {1, 1}},  {"JsonToString", {1, 1}}, {"Array", {0, SIZE_MAX}},
      {"ArrayPartition", {2, 2}}, {"ArrayContains", {2, 2}}, {"ArrayRange", {3, 3}},   {"ArrayGetItem", {2, 2}},
      {"ArrayLength", {1, 1}},    {"ArrayUnique", {1, 1}},   {"Base64Encode", {1, 1}}, {"Base64Decode", {1, 1}},
      {"Hash", {2, 2}},           {"JsonMerge", {3, 3}},     {"MathRandom", {2, 3}},   {"MathAdd", {2, 2}},
      {"StringSplit", {2, 2}},    {"UUID", {0, 0}},
  };
  return kTable;
}

std::unexpected<Error> intrinsicFailure(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "States.IntrinsicFailure", std::move(message));
}

}  // namespace

class IntrinsicParser {
 public:
  explicit IntrinsicParser(std::string_view s) : s_(s) {}

  Result<IntrinsicFunction> parseTop() {
    auto call = parseCall(0);
    if (!call) return call;
    skip();
    if (pos_ != s_.size()) return bad("unexpected text after the closing parenthesis");
    return call;
  }

 private:
  std::unexpected<Error> bad(std::string why) const {
    return invalidParameter(
        fmt::format("The value for the field must be a valid intrinsic function call: {} ({})", s_, why),
        "InvalidIntrinsic");
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  Result<IntrinsicFunction> parseCall(int depth) {
    if (depth > kMaxNesting) return bad("calls nested too deeply");
    skip();
    size_t start = pos_;
    if (s_.compare(pos_, 7, "States.") != 0) return bad("a function name must start with 'States.'");
    pos_ += 7;
    size_t nameStart = pos_;
    while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    IntrinsicFunction fn;
    fn.name_ = std::string(s_.substr(nameStart, pos_ - nameStart));
    auto it = functionTable().find(fn.name_);
    if (it == functionTable().end()) return bad(fmt::format("unknown function 'States.{}'", fn.name_));
    skip();
    if (pos_ >= s_.size() || s_[pos_] != '(') return bad("expected '('");
    ++pos_;
    skip();
    if (pos_ < s_.size() && s_[pos_] == ')') {
      ++pos_;
    } else {
      while (true) {
        auto arg = parseArg(depth);
        if (!arg) return std::unexpected(arg.error());
        fn.args_.push_back(std::move(*arg));
        skip();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ')') {
          ++pos_;
          break;
        }
        return bad("expected ',' or ')'");
      }
    }
    if (fn.args_.size() < it->second.min || fn.args_.size() > it->second.max) {
      return bad(fmt::format("States.{} takes {} arguments, got {}", fn.name_,
                             it->second.min == it->second.max ? fmt::format("{}", it->second.min)
                                                              : fmt::format("at least {}", it->second.min),
                             fn.args_.size()));
    }
    fn.text_ = std::string(s_.substr(start, pos_ - start));
    return fn;
  }

  Result<IntrinsicFunction::Argument> parseArg(int depth) {
    skip();
    IntrinsicFunction::Argument arg;
    if (pos_ >= s_.size()) return bad("missing argument");
    char c = s_[pos_];
    if (c == '\'') {
      ++pos_;
      std::string out;
      while (pos_ < s_.size() && s_[pos_] != '\'') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) {
          char n = s_[pos_ + 1];
          if (n == '\'' || n == '\\') {
            out.push_back(n);
            pos_ += 2;
            continue;
          }
          if (n == '{' || n == '}') {  // kept escaped so States.Format can tell literal braces
            out.push_back('\\');
            out.push_back(n);
            pos_ += 2;
            continue;
          }
        }
        out.push_back(s_[pos_++]);
      }
      if (pos_ >= s_.size()) return bad("unterminated string literal");
      ++pos_;
      arg.literal = boost::json::string(out);
      return arg;
    }
    if (c == '$') {
      size_t start = pos_;
      int parens = 0;
      bool inQuote = false;
      while (pos_ < s_.size()) {
        char d = s_[pos_];
        if (d == '\'' && (pos_ == 0 || s_[pos_ - 1] != '\\')) inQuote = !inQuote;
        if (!inQuote) {
          if (d == '(') ++parens;
          if (d == ')') {
            if (parens == 0) break;
            --parens;
          }
          if (d == ',' && parens == 0) break;
        }
        ++pos_;
      }
      std::string_view text = s_.substr(start, pos_ - start);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
      auto path = JsonPath::parse(text);
      if (!path) return bad(fmt::format("invalid path argument '{}'", text));
      arg.kind = IntrinsicFunction::Argument::Kind::kPath;
      arg.path = std::make_shared<JsonPath>(std::move(*path));
      return arg;
    }
    if (s_.compare(pos_, 7, "States.") == 0) {
      auto call = parseCall(depth + 1);
      if (!call) return std::unexpected(call.error());
      arg.kind = IntrinsicFunction::Argument::Kind::kCall;
      arg.call = std::make_shared<IntrinsicFunction>(std::move(*call));
      return arg;
    }
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ')' &&
           !std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
    auto lit = parseJsonText(s_.substr(start, pos_ - start));
    if (start == pos_ || !lit || lit->is_structured() || lit->is_string()) {
      return bad(fmt::format("invalid literal '{}'", s_.substr(start, pos_ - start)));
    }
    arg.literal = std::move(*lit);
    return arg;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Result<IntrinsicFunction> IntrinsicFunction::parse(std::string_view text) { return IntrinsicParser(text).parseTop(); }

bool IntrinsicFunction::looksLikeCall(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return text.substr(i).starts_with("States.");
}

namespace {

using Args = std::vector<boost::json::value>;

std::string unescapeBraces(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) ++i;
    out.push_back(s[i]);
  }
  return out;
}

boost::json::value unescapeLiteral(const boost::json::value& v) {
  if (!v.is_string()) return v;
  return boost::json::string(unescapeBraces(v.get_string()));
}

Result<int64_t> integerArg(const Args& args, size_t i, std::string_view fn) {
  const auto& v = args[i];
  double d = 0;
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v.get_uint64());
  if (asDouble(v, d) && std::trunc(d) == d && std::abs(d) < 9e15) return static_cast<int64_t>(d);
  return intrinsicFailure(
      fmt::format("The argument at index {} of States.{} must be an integer, got {}", i + 1, fn, toJsonText(v)));
}

Result<std::string> stringArg(const Args& args, size_t i, std::string_view fn) {
  if (!args[i].is_string()) {
    return intrinsicFailure(
        fmt::format("The argument at index {} of States.{} must be a string, got {}", i + 1, fn, toJsonText(args[i])));
  }
  return std::string(args[i].get_string());
}

Result<const boost::json::array*> arrayArg(const Args& args, size_t i, std::string_view fn) {
  if (!args[i].is_array()) {
    return intrinsicFailure(
        fmt::format("The argument at index {} of States.{} must be an array, got {}", i + 1, fn, toJsonText(args[i])));
  }
  return &args[i].get_array();
}

std::string base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

std::optional<std::string> base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out(3 * in.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Result<std::string> hashHex(std::string_view data, std::string_view algorithm) {
  const EVP_MD* md = nullptr;
  if (algorithm == "MD5") md = EVP_md5();
  if (algorithm == "SHA-1") md = EVP_sha1();
  if (algorithm == "SHA-256") md = EVP_sha256();
  if (algorithm == "SHA-384") md = EVP_sha384();
  if (algorithm == "SHA-512") md = EVP_sha512();
  if (!md) {
    return intrinsicFailure(
        fmt::format("States.Hash algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, got '{}'", algorithm));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

// java.util.Random, so a seeded States.MathRandom gives the numbers AWS gives.
int32_t javaRandomNextInt(int64_t seed, int32_t bound) {
  constexpr uint64_t kMul = 0x5DEECE66DULL;
  constexpr uint64_t kMask = (1ULL << 48) - 1;
  uint64_t state = (static_cast<uint64_t>(seed) ^ kMul) & kMask;
  auto next = [&](int bits) {
    state = (state * kMul + 0xBULL) & kMask;
    return static_cast<int32_t>(state >> (48 - bits));
  };
  if ((bound & -bound) == bound) return static_cast<int32_t>((static_cast<int64_t>(bound) * next(31)) >> 31);
  int32_t bits = 0, val = 0;
  do {
    bits = next(31);
    val = bits % bound;
  } while (static_cast<int64_t>(bits) - val + (bound - 1) > INT32_MAX);
  return val;
}

// States.Format renders objects and arrays the way Java's Map/List toString does.
std::string formatArg(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ", ";
      first = false;
      out += std::string(kv.key()) + "=" + formatArg(kv.value());
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ", ";
      first = false;
      out += formatArg(e);
    }
    return out + "]";
  }
  return toJsonText(v);
}

Result<boost::json::value> applyFunction(const std::string& fn, const Args& args, const boost::json::value& rawTemplate,
                                         IdGenerator* ids) {
  if (fn == "Format") {
    if (!rawTemplate.is_string()) return intrinsicFailure("The first argument of States.Format must be a string");
    std::string_view t = rawTemplate.get_string();
    std::string out;
    size_t next = 1;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '\\' && i + 1 < t.size() && (t[i + 1] == '{' || t[i + 1] == '}')) {
        out.push_back(t[++i]);
      } else if (t[i] == '{' && i + 1 < t.size() && t[i + 1] == '}') {
        if (next >= args.size()) {
          return intrinsicFailure("The number of arguments of States.Format does not match the number of '{}'");
        }
        out += formatArg(args[next++]);
        ++i;
      } else {
        out.push_back(t[i]);
      }
    }
    if (next != args.size()) {
      return intrinsicFailure("The number of arguments of States.Format does not match the number of '{}'");
    }
    return boost::json::string(out);
  }
  if (fn == "StringToJson") {
    auto s = stringArg(args, 0, fn);
    if (!s) return std::unexpected(s.error());
    if (s->find_first_not_of(" \t\r\n") == std::string::npos) return nullptr;
    auto v = parseJsonText(*s);
    if (!v) return intrinsicFailure(fmt::format("The argument of States.StringToJson is not valid JSON: {}", *s));
    return *v;
  }
  if (fn == "JsonToString") return boost::json::string(toJsonText(args[0]));
  if (fn == "Array") return boost::json::array(args.begin(), args.end());
  if (fn == "ArrayPartition") {
    auto arr = arrayArg(args, 0, fn);
    if (!arr) return std::unexpected(arr.error());
    auto size = integerArg(args, 1, fn);
    if (!size) return std::unexpected(size.error());
    if (*size <= 0) return intrinsicFailure("The chunk size of States.ArrayPartition must be greater than 0");
    boost::json::array out;
    for (size_t i = 0; i < (*arr)->size(); i += *size) {
      size_t end = std::min((*arr)->size(), i + static_cast<size_t>(*size));
      out.push_back(boost::json::array((*arr)->begin() + i, (*arr)->begin() + end));
    }
    return out;
  }
  if (fn == "ArrayContains") {
    auto arr = arrayArg(args, 0, fn);
    if (!arr) return std::unexpected(arr.error());
    for (const auto& e : **arr) {
      if (jsonEquals(e, args[1])) return true;
    }
    return false;
  }
  if (fn == "ArrayRange") {
    int64_t v[3];
    for (size_t i = 0; i < 3; ++i) {
      auto n = integerArg(args, i, fn);
      if (!n) return std::unexpected(n.error());
      v[i] = *n;
    }
    if (v[2] == 0) return intrinsicFailure("The step of States.ArrayRange cannot be 0");
    boost::json::array out;
    for (int64_t x = v[0]; v[2] > 0 ? x <= v[1] : x >= v[1]; x += v[2]) {
      if (out.size() >= kMaxArrayRange) {
        return intrinsicFailure(fmt::format("States.ArrayRange cannot produce more than {} items", kMaxArrayRange));
      }
      out.push_back(x);
    }
    return out;
  }
  if (fn == "ArrayGetItem") {
    auto arr = arrayArg(args, 0, fn);
    if (!arr) return std::unexpected(arr.error());
    auto idx = integerArg(args, 1, fn);
    if (!idx) return std::unexpected(idx.error());
    if (*idx < 0 || *idx >= static_cast<int64_t>((*arr)->size())) {
      return intrinsicFailure(fmt::format("Index {} is out of bounds for States.ArrayGetItem", *idx));
    }
    return (**arr)[*idx];
  }
  if (fn == "ArrayLength") {
    auto arr = arrayArg(args, 0, fn);
    if (!arr) return std::unexpected(arr.error());
    return static_cast<int64_t>((*arr)->size());
  }
  if (fn == "ArrayUnique") {
    auto arr = arrayArg(args, 0, fn);
    if (!arr) return std::unexpected(arr.error());
    boost::json::array out;
    for (const auto& e : **arr) {
      bool seen = false;
      for (const auto& o : out) seen = seen || jsonEquals(o, e);
      if (!seen) out.push_back(e);
    }
    return out;
  }
  if (fn == "Base64Encode") {
    auto s = stringArg(args, 0, fn);
    if (!s) return std::unexpected(s.error());
    if (s->size() > kMaxBase64Input)
      return intrinsicFailure("The input of States.Base64Encode exceeds 10000 characters");
    return boost::json::string(base64Encode(*s));
  }
  if (fn == "Base64Decode") {
    auto s = stringArg(args, 0, fn);
    if (!s) return std::unexpected(s.error());
    if (s->size() > kMaxBase64Input)
      return intrinsicFailure("The input of States.Base64Decode exceeds 10000 characters");
    auto decoded = base64Decode(*s);
    if (!decoded) return intrinsicFailure("The input of States.Base64Decode is not valid base64");
    return boost::json::string(*decoded);
  }
  if (fn == "Hash") {
    auto data = stringArg(args, 0, fn);
    if (!data) return std::unexpected(data.error());
    auto alg = stringArg(args, 1, fn);
    if (!alg) return std::unexpected(alg.error());
    auto h = hashHex(*data, *alg);
    if (!h) return std::unexpected(h.error());
    return boost::json::string(*h);
  }
  if (fn == "JsonMerge") {
    if (!args[0].is_object() || !args[1].is_object()) {
      return intrinsicFailure("The first two arguments of States.JsonMerge must be objects");
    }
    if (!args[2].is_bool() || args[2].get_bool()) {
      return intrinsicFailure("States.JsonMerge supports only shallow merges: the third argument must be false");
    }
    boost::json::object out = args[0].get_object();
    for (const auto& kv : args[1].get_object()) out[kv.key()] = kv.value();
    return out;
  }
  if (fn == "MathRandom") {
    auto lo = integerArg(args, 0, fn);
    if (!lo) return std::unexpected(lo.error());
    auto hi = integerArg(args, 1, fn);
    if (!hi) return std::unexpected(hi.error());
    if (*hi <= *lo || *hi - *lo > INT32_MAX) {
      return intrinsicFailure("States.MathRandom needs a start lower than its end");
    }
    int32_t bound = static_cast<int32_t>(*hi - *lo);
    int64_t seed = 0;
    if (args.size() == 3) {
      auto s = integerArg(args, 2, fn);
      if (!s) return std::unexpected(s.error());
      seed = *s;
    } else {
      seed = static_cast<int64_t>(std::stoull(ids->hex(8), nullptr, 16));
    }
    return *lo + javaRandomNextInt(seed, bound);
  }
  if (fn == "MathAdd") {
    // Numbers are rounded like Java's Math.round before adding.
    int64_t sum = 0;
    for (size_t i = 0; i < 2; ++i) {
      double d = 0;
      if (!asDouble(args[i], d) || std::abs(d) > 9e15) {
        return intrinsicFailure(fmt::format("The argument at index {} of States.MathAdd must be a number, got {}",
                                            i + 1, toJsonText(args[i])));
      }
      sum += static_cast<int64_t>(std::floor(d + 0.5));
    }
    return sum;
  }
  if (fn == "StringSplit") {
    auto s = stringArg(args, 0, fn);
    if (!s) return std::unexpected(s.error());
    auto d = stringArg(args, 1, fn);
    if (!d) return std::unexpected(d.error());
    boost::json::array out;
    std::string token;
    for (char c : *s) {
      if (d->find(c) != std::string::npos) {
        if (!token.empty()) out.push_back(boost::json::string(token));
        token.clear();
      } else {
        token.push_back(c);
      }
    }
    if (!token.empty()) out.push_back(boost::json::string(token));
    return out;
  }
  if (fn == "UUID") return boost::json::string(ids->uuid());
  return intrinsicFailure(fmt::format("Unknown function States.{}", fn));
}

}  // namespace

Result<boost::json::value> IntrinsicFunction::evaluate(const EvalScope& scope) const {
  Args values;
  values.reserve(args_.size());
  for (const auto& arg : args_) {
    switch (arg.kind) {
      case Argument::Kind::kLiteral:
        values.push_back(unescapeLiteral(arg.literal));
        break;
      case Argument::Kind::kPath: {
        auto v = resolvePath(*arg.path, scope);
        if (!v) {
          return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                      fmt::format("The JSONPath '{}' could not be found in the input", arg.path->text()));
        }
        values.push_back(std::move(*v));
        break;
      }
      case Argument::Kind::kCall: {
        auto v = arg.call->evaluate(scope);
        if (!v) return v;
        values.push_back(std::move(*v));
        break;
      }
    }
  }
  // States.Format needs its template with escaped braces still marked.
  static const boost::json::value kNone;
  const boost::json::value& rawTemplate =
      args_.empty() ? kNone : (args_[0].kind == Argument::Kind::kLiteral ? args_[0].literal : values[0]);
  return applyFunction(name_, values, rawTemplate, scope.ids);
}

}  // namespace wharf::asl
