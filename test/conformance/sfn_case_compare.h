// Compares the outcome of one execution with what AWS recorded for the same conformance case,
// applying the corpus README's normalization; shared by the in-process and HTTP runners.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sfn/asl/definition.h"

namespace wharf::conformance {

struct CaseResult {
  enum class Kind { kPassed, kFailed, kSkipped } kind = Kind::kPassed;
  std::string detail;
};

// What an execution ended with, whichever way it ran.
struct Outcome {
  std::string status;         // SUCCEEDED, FAILED, TIMED_OUT, ABORTED, or RUNNING
  boost::json::value output;  // parsed; null when there is none
  std::optional<std::string> error;
  std::optional<std::string> cause;
  boost::json::array history;  // GetExecutionHistory events, oldest first
};

// Whether `actual` matches the recorded event `expected`: type, details (JSON text parsed,
// masked values and placeholders as wildcards, timestamps ignored) and, when `ids`, the event
// ids. On a mismatch `where` says what differs.
bool matchEvent(const boost::json::value& expected, const boost::json::value& actual, bool ids, std::string& where);

// Activities created by a test are recorded as the word "activity_arn": replaces that Resource
// in `definition` by `arn`, so it is recognised as an activity (the expected word matches any).
void substituteActivityArns(boost::json::value& definition, std::string_view arn);

// Compares `actual` with the case's `expected` block; `machine` is the case's parsed definition
// (Map and Parallel regions may interleave their events in any order).
CaseResult compareOutcome(const boost::json::object& expected, const asl::StateMachine& machine, const Outcome& actual);

}  // namespace wharf::conformance
