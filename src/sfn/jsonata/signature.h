// Function signatures such as `<s-n?:s>`: parsing and validation of arguments (T0410/T0411/T0412).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sfn/jsonata/value.h"

namespace wharf::jsonata {

class Signature {
 public:
  // Parses a signature; raises S0401/S0402 on malformed text.
  static std::shared_ptr<Signature> parse(std::string_view text);
  // Validates and coerces `args`, substituting `context` for a missing context-defaulted parameter.
  std::vector<Value> validate(const std::vector<Value>& args, const Value& context) const;
  size_t paramCount() const { return params_.size(); }

 private:
  struct Param {
    std::string accepts;  // symbols accepted, including 'm' for missing
    char type = 0;        // 'a' for arrays gets special handling
    std::string subtype;
    char modifier = 0;  // '?', '+' or 0
    bool context = false;
  };
  bool match(size_t pi, size_t pos, const std::string& sig, std::vector<std::pair<size_t, size_t>>& spans) const;
  std::vector<Param> params_;
};

char typeSymbol(const Value& v);

}  // namespace wharf::jsonata
