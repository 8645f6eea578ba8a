// Runs one conformance case through the in-process ASL interpreter on a manual clock, answering
// its service integrations from the case's recorded history ("replay mode").
#pragma once

#include <boost/json.hpp>

#include "sfn_case_compare.h"

namespace wharf::conformance {

// Runs the case (a parsed case file) and compares it with its recording. Skips cases whose
// integrations cannot be replayed. Thread-compatible: cases may run on different threads.
CaseResult runInProcess(const boost::json::object& c);

}  // namespace wharf::conformance
