// Runs one conformance case through a real Wharf server's Step Functions API: the API, the
// paged history and the durable engine checked against the same recordings as the interpreter.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "sfn_case_compare.h"
#include "sfn_http_client.h"

namespace wharf::conformance {

// Why the case must stay in replay (in-process) mode, or nullopt when it can run over HTTP: it
// needs an integration Wharf lacks, resources the corpus does not record, or an outside actor
// (activity cases run over HTTP, the runner acting as their worker).
std::optional<std::string> replayOnlyReason(const boost::json::object& c);

// CreateStateMachine `name` (STANDARD), StartExecution, DescribeExecution until the execution
// ends, GetExecutionHistory page by page, then the shared comparison. `name` must be unused on
// the server.
CaseResult runOverHttp(SfnHttpClient& client, const boost::json::object& c, const std::string& name);

}  // namespace wharf::conformance
