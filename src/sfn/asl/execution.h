// The ASL stepper: one execution of a definition, advanced by step inputs. Each call returns the
// history events to append and the commands to perform; there is no I/O, and time and ids come
// from the injected Clock and IdGenerator, so a replay gives the same history.
//
// Lifecycle: RUNNING (after start) -> SUCCEEDED | FAILED | TIMED_OUT | ABORTED; a redrive takes
// FAILED | TIMED_OUT | ABORTED back to RUNNING.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/history_event.h"
#include "sfn/asl/jsonata_evaluator.h"
#include "sfn/asl/task_types.h"

namespace wharf::asl {

enum class ExecutionStatus { kRunning, kSucceeded, kFailed, kTimedOut, kAborted };
std::string_view executionStatusName(ExecutionStatus status);

// Identity of the execution, as the context object ($$) and events show it.
struct ExecutionInfo {
  std::string executionArn;
  std::string executionName;
  std::string stateMachineArn;
  std::string stateMachineName;
  std::string roleArn;
  std::string region = "us-east-1";
};

struct StepResult {
  // The events this call appended to history(): valid until the execution's next start/step
  // or its destruction (a view, so the history is built once and never copied).
  std::span<const HistoryEvent> events;
  std::vector<Command> commands;
};

// Payload limit of inputs/outputs (256 KiB): beyond it a state fails with States.DataLimitExceeded.
inline constexpr size_t kMaxPayloadBytes = 256 * 1024;

class Execution {
 public:
  // `jsonata` may be null: JSONata states then fail with States.Runtime saying so.
  Execution(DefinitionPtr definition, ExecutionInfo info, const Clock& clock, IdGenerator& ids,
            JsonataEvaluator* jsonata = nullptr);
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // Emits ExecutionStarted and runs until the execution blocks or ends. Call once.
  StepResult start(const boost::json::value& input);
  // Applies one outside event (task outcome, timer, stop). Unknown ids are ignored (idempotent).
  // kRedrive on an unsuccessful execution emits ExecutionRedriven and re-enters each state that did
  // not finish, with its original input; of a Map or Parallel only the iterations and branches
  // that did not succeed run again. It is ignored in any other status.
  StepResult step(const StepInput& input);

  ExecutionStatus status() const;
  const boost::json::value& output() const;         // SUCCEEDED
  const std::optional<std::string>& error() const;  // FAILED / TIMED_OUT / ABORTED
  const std::optional<std::string>& cause() const;
  // Events so far (the full history).
  const std::vector<HistoryEvent>& history() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Classifies a Task resource: Lambda function ARN, activity ARN or arn:aws:states:::service:action.
TaskRequest describeResource(const std::string& resource);

}  // namespace wharf::asl
