// Conversion between boost::json documents and evaluator values, at the API edges.
#pragma once

#include <boost/json.hpp>

#include "sfn/jsonata/value.h"

namespace wharf::jsonata {

Value fromJson(const boost::json::value& json);
// Undefined array items become null; undefined object members and functions are dropped, as
// JSON.stringify does. Integral doubles become integers so they print without a fraction.
boost::json::value toJson(const Value& value);

}  // namespace wharf::jsonata
