// Signatures of the built-in functions implemented outside functions.cc (formatting, date/time).
#pragma once

#include <string>
#include <vector>

#include "sfn/jsonata/function.h"

namespace wharf::jsonata {

Value fnFormatNumber(CallContext& ctx, std::vector<Value>& args);
Value fnFormatInteger(CallContext& ctx, std::vector<Value>& args);
Value fnParseInteger(CallContext& ctx, std::vector<Value>& args);
Value fnFromMillis(CallContext& ctx, std::vector<Value>& args);
Value fnToMillis(CallContext& ctx, std::vector<Value>& args);
Value fnNow(CallContext& ctx, std::vector<Value>& args);

// JSONata's $round: half to even, at `precision` decimal places.
double roundHalfEven(double value, int precision);

}  // namespace wharf::jsonata
