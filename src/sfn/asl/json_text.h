// JSON text exactly as Step Functions writes it into history events and outputs (compact,
// Jackson-style numbers), plus parsing that reports failures as values.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace wharf::asl {

// Compact JSON text; doubles keep a fraction (1.0), integers have none (1).
std::string toJsonText(const boost::json::value& value);
// toJsonText appended to `out` (so a caller can reuse one buffer).
void appendJsonText(std::string& out, const boost::json::value& value);

// Appends `text` as a JSON string literal (quoted, escaped as toJsonText escapes strings).
void appendJsonString(std::string& out, std::string_view text);

// The lengths of a value's JSON text (toJsonText) and of that text as a JSON string literal.
struct JsonTextLength {
  size_t text = 0;
  size_t literal = 0;
};
JsonTextLength measureJsonText(const boost::json::value& value);
// Writes toJsonText(value) as a JSON string literal (what appendJsonString would append for it) at
// `out`, which has room for measureJsonText(value).literal bytes, in one pass; returns its end.
char* writeJsonTextLiteral(char* out, const boost::json::value& value);

// Parses one JSON document; an error carries the parser's message.
Result<boost::json::value> parseJsonText(std::string_view text);

// Type name AWS uses in error messages (e.g. "string", "number", "object").
std::string jsonTypeName(const boost::json::value& value);

// Numeric view of a JSON number (int64, uint64 or double); false when not a number.
bool asDouble(const boost::json::value& value, double& out);

// Equality of JSON values with numbers compared by value (1 == 1.0).
bool jsonEquals(const boost::json::value& a, const boost::json::value& b);

}  // namespace wharf::asl
