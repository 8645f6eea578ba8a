// What the engine knows about one execution outside its interpreter: identity, status and result.
// It is the read model DescribeExecution/ListExecutions answer from and the durable summary row.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "sfn/asl/execution.h"

namespace wharf::sfn {

// What ListExecutions shows of an execution: a list copies this much of each record, not its
// input and output.
struct ExecutionSummary {
  std::string executionArn;
  std::string stateMachineArn;
  std::string name;
  asl::ExecutionStatus status = asl::ExecutionStatus::kRunning;
  int64_t startMillis = 0, stopMillis = 0;
  // RedriveExecution: how often and when last.
  int64_t redriveCount = 0, redriveMillis = 0;

  bool running() const { return status == asl::ExecutionStatus::kRunning; }
};

struct ExecutionRecord : ExecutionSummary {
  std::string stateMachineName;
  bool express = false;                           // EXPRESS executions live in memory only
  std::shared_ptr<const std::string> definition;  // the definition text the execution runs
  std::string roleArn;
  std::string input;  // JSON text
  std::optional<std::string> output, error, cause;
  int64_t eventCount = 0;
  // Whether this unsuccessful execution kept its journal (the engine rebuilds it from there to
  // redrive it); the client tokens of the latest redrives with when each was used, to answer a
  // repeated request without redriving again.
  bool journalKept = false;
  std::vector<std::pair<std::string, int64_t>> redriveTokens;

  std::string toStored() const;
  static Result<ExecutionRecord> fromStored(std::string_view text);
};

}  // namespace wharf::sfn
