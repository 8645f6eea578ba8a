#include "sfn/jsonata/signature.h"

#include "sfn/jsonata/error.h"

namespace wharf::jsonata {

char typeSymbol(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return 'm';
    case Kind::kNull:
      return 'l';
    case Kind::kBool:
      return 'b';
    case Kind::kNumber:
      return 'n';
    case Kind::kString:
      return 's';
    case Kind::kArray:
      return 'a';
    case Kind::kObject:
      return 'o';
    case Kind::kFunction:
      return 'f';
  }
  return 'm';
}

std::shared_ptr<Signature> Signature::parse(std::string_view text) {
  auto sig = std::make_shared<Signature>();
  size_t pos = 1;  // skip '<'
  while (pos < text.size()) {
    char c = text[pos];
    if (c == ':' || c == '>') break;
    Param p;
    switch (c) {
      case 's':
      case 'n':
      case 'b':
      case 'l':
      case 'o':
        p.accepts = std::string(1, c) + "m";
        p.type = c;
        break;
      case 'a':
        p.accepts = "asnblfom";
        p.type = 'a';
        break;
      case 'f':
        p.accepts = "f";
        p.type = 'f';
        break;
      case 'j':
        p.accepts = "asnblom";
        p.type = 'j';
        break;
      case 'x':
        p.accepts = "asnblfom";
        p.type = 'x';
        break;
      case '(': {
        size_t end = text.find(')', pos);
        if (end == std::string_view::npos)
          raise("S0402", "Choice groups containing parameterized types are not supported", static_cast<int>(pos));
        std::string choice(text.substr(pos + 1, end - pos - 1));
        if (choice.find('<') != std::string::npos)
          raise("S0402", "Choice groups containing parameterized types are not supported", static_cast<int>(pos));
        p.accepts = choice + "m";
        p.type = '(';
        pos = end;
        break;
      }
      case '-':
      case '?':
      case '+': {
        if (sig->params_.empty())
          raise("S0401", "Type parameters can only be applied to functions and arrays", static_cast<int>(pos));
        Param& prev = sig->params_.back();
        if (c == '-')
          prev.context = true;
        else
          prev.modifier = c;
        ++pos;
        continue;
      }
      case '<': {
        if (sig->params_.empty() || (sig->params_.back().type != 'a' && sig->params_.back().type != 'f')) {
          raise("S0401", "Type parameters can only be applied to functions and arrays", static_cast<int>(pos));
        }
        int depth = 1;
        size_t start = pos + 1;
        size_t j = start;
        for (; j < text.size() && depth > 0; ++j) {
          if (text[j] == '<') ++depth;
          if (text[j] == '>') --depth;
        }
        sig->params_.back().subtype = std::string(text.substr(start, j - 1 - start));
        pos = j;
        continue;
      }
      default:
        raise("S0401", "Unknown signature symbol", static_cast<int>(pos));
    }
    sig->params_.push_back(std::move(p));
    ++pos;
  }
  return sig;
}

bool Signature::match(size_t pi, size_t pos, const std::string& sig,
                      std::vector<std::pair<size_t, size_t>>& spans) const {
  if (pi == params_.size()) return pos == sig.size();
  const Param& p = params_[pi];
  auto ok = [&](size_t at) { return at < sig.size() && p.accepts.find(sig[at]) != std::string::npos; };
  size_t maxLen = 0;
  if (p.modifier == '+') {
    while (ok(pos + maxLen)) ++maxLen;
    for (size_t len = maxLen; len >= 1; --len) {
      spans[pi] = {pos, len};
      if (match(pi + 1, pos + len, sig, spans)) return true;
    }
    return false;
  }
  if (ok(pos)) {
    spans[pi] = {pos, 1};
    if (match(pi + 1, pos + 1, sig, spans)) return true;
  }
  if (p.modifier == '?' || p.context) {
    spans[pi] = {pos, 0};
    return match(pi + 1, pos, sig, spans);
  }
  return false;
}

std::vector<Value> Signature::validate(const std::vector<Value>& args, const Value& context) const {
  std::string supplied;
  for (const Value& a : args) supplied += typeSymbol(a);
  std::vector<std::pair<size_t, size_t>> spans(params_.size());
  if (!match(0, 0, supplied, spans)) {
    raise("T0410", "Argument of function does not match function signature");
  }
  std::vector<Value> out;
  size_t argIndex = 0;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    auto [start, len] = spans[i];
    if (len == 0) {
      if (p.context) {
        if (p.accepts.find(typeSymbol(context)) == std::string::npos) {
          raise("T0411", "Context value is not a compatible type with argument " + std::to_string(argIndex + 1));
        }
        out.push_back(context);
      } else {
        out.push_back(argIndex < args.size() ? args[argIndex] : Value());
        ++argIndex;
      }
      continue;
    }
    for (size_t k = 0; k < len; ++k) {
      char single = supplied[start + k];
      Value arg = argIndex < args.size() ? args[argIndex] : Value();
      if (p.type == 'a') {
        if (single == 'm') {
          arg = Value();
        } else {
          bool arrayOk = true;
          if (!p.subtype.empty()) {
            if (single != 'a' && supplied.substr(start, len) != p.subtype) {
              arrayOk = false;
            } else if (single == 'a' && !arg.arr().empty()) {
              char itemType = typeSymbol(arg.arr()[0]);
              if (itemType != p.subtype[0]) {
                arrayOk = false;
              } else {
                for (const Value& item : arg.arr()) {
                  if (typeSymbol(item) != itemType) arrayOk = false;
                }
              }
            }
          }
          if (!arrayOk)
            raise("T0412",
                  "Argument " + std::to_string(argIndex + 1) + " of function must be an array of the required type");
          if (single != 'a') arg = Value::array(Array{arg});
        }
      }
      out.push_back(std::move(arg));
      ++argIndex;
    }
  }
  return out;
}

}  // namespace wharf::jsonata
