// The durable Step Functions engine: runs asl::Execution interpreters on a small worker pool (one
// step at a time per execution), stores each step's history events and commands in one store
// commit, and performs the commands after the commit, idempotently keyed by execution and task id.
//
// Recovery: an interpreter is not serializable, so the engine journals what it consumed — the
// start input, every StepInput, and every clock reading and id it took — and rebuilds each
// RUNNING execution by replaying that journal. Outstanding work is then re-issued: timers at their
// original due time, integration tasks through Integration::start (idempotent), activity tasks
// that no worker took yet back into their queue. An unsuccessful execution keeps its journal too,
// so that RedriveExecution rebuilds its interpreter the same way and steps it with kRedrive.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/jsonata_evaluator.h"
#include "sfn/engine/activity_broker.h"
#include "sfn/engine/execution_event_sink.h"
#include "sfn/engine/execution_record.h"
#include "sfn/integrations/integration.h"
#include "store/store.h"

namespace wharf::sfn {

struct EngineConfig {
  std::string accountId;
  std::string region = "us-east-1";
  size_t workers = 2;
  // False in tests with a ManualClock: timers fire only in runDueTimers().
  bool timerThread = true;
  std::chrono::milliseconds activityPollTimeout{60'000};
  // Told of every step's events (execution logging); may be null; must outlive the engine.
  ExecutionEventSink* eventSink = nullptr;
};

// Executions fail (States.Runtime) when their history would exceed this many events, as AWS's do.
inline constexpr int64_t kMaxHistoryEvents = 25'000;

// How long after it ended an unsuccessful execution can be redriven (14 days).
inline constexpr int64_t kRedrivableMillis = int64_t{14} * 24 * 3600 * 1000;

// Why RedriveExecution refuses `record` at `nowMillis`, in AWS's words (redriveStatusReason), or
// nullopt when it can be redriven. Whether its state machine still exists is the caller's check.
std::optional<std::string> notRedrivableReason(const ExecutionRecord& record, int64_t nowMillis);

class ExecutionEngine final : public TaskOutcomeSink {
 public:
  using Done = std::function<void(Result<ExecutionRecord>)>;

  // Loads every execution from `store` and replays the RUNNING ones (see the file comment). All
  // references and integrations must outlive the engine; `jsonata` may be null.
  static Result<std::unique_ptr<ExecutionEngine>> open(Store& store, const Clock& clock, IdGenerator& ids,
                                                       EngineConfig config, std::vector<Integration*> integrations,
                                                       asl::JsonataEvaluator* jsonata);
  ~ExecutionEngine() override;  // stops timers and workers; running executions stay RUNNING in the store

  // Starts an execution. `record` names it (arn, names, definition text, input, express); its
  // status and dates are set here. `started` is called once the start is durable (express: at
  // once) — with the existing record when an execution of that arn is RUNNING with the same input,
  // ExecutionAlreadyExists when it exists otherwise. `finished`, if set, is called when it ends.
  void start(ExecutionRecord record, asl::DefinitionPtr definition, Done started, Done finished = {});
  // Aborts a RUNNING execution (ExecutionAborted, tasks cancelled); durable before it returns.
  // A finished execution is returned unchanged. ExecutionDoesNotExist when unknown.
  Result<ExecutionRecord> stop(const std::string& executionArn, std::optional<std::string> error,
                               std::optional<std::string> cause);
  // Redrives a FAILED, TIMED_OUT or ABORTED standard execution (asl::Execution::step, kRedrive):
  // RUNNING again, with its redrive count and date, durable before it returns.
  // ExecutionDoesNotExist when unknown; ExecutionNotRedrivable (with notRedrivableReason) when it
  // cannot be redriven. A `clientToken` that one of the last 10 redrives used within 15 minutes
  // returns the record as it is, without redriving again.
  Result<ExecutionRecord> redrive(const std::string& executionArn, const std::string& clientToken);

  // Callback results for a task token (activities, .waitForTaskToken, .sync). InvalidToken when
  // malformed, TaskTimedOut when the task timed out or was cancelled, TaskDoesNotExist otherwise.
  // `output` is JSON text. Durable before they return.
  Result<void> sendTaskSuccess(const std::string& token, const std::string& output);
  Result<void> sendTaskFailure(const std::string& token, std::optional<std::string> error,
                               std::optional<std::string> cause);
  Result<void> sendTaskHeartbeat(const std::string& token);

  // GetActivityTask: `reply` gets a task (its ActivityStarted event already durable) or, after the
  // poll timeout, nullopt. Never blocks the caller.
  void pollActivity(const std::string& activityArn, const std::string& workerName,
                    std::function<void(std::optional<ActivityTask>)> reply);

  std::optional<ExecutionRecord> describe(const std::string& executionArn) const;
  // Executions of one state machine (all when empty) that `keep` accepts (all when unset), newest
  // first. Only the summaries of kept records are copied, so a page stays cheap among many.
  using RecordFilter = std::function<bool(const ExecutionRecord&)>;
  std::vector<ExecutionSummary> list(const std::string& stateMachineArn, const RecordFilter& keep = {}) const;
  // Events [firstId, firstId + limit) of a standard execution, in the API's JSON shape.
  Result<std::vector<boost::json::object>> history(const std::string& executionArn, int64_t firstId,
                                                   size_t limit) const;

  // TaskOutcomeSink: durable before it returns, except when called from inside
  // Integration::start (on an engine thread), where the outcome is queued and a crash before
  // it is committed makes the engine call start() again.
  void report(const std::string& executionArn, const asl::StepInput& input) override;

  // Fires every timer due by the clock (tests with a ManualClock).
  void runDueTimers();
  // Blocks until no execution has a step queued or in flight (tests).
  void drain();

  class Impl;

 private:
  ExecutionEngine(Store& store, const Clock& clock, IdGenerator& ids, EngineConfig config,
                  std::vector<Integration*> integrations, asl::JsonataEvaluator* jsonata);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wharf::sfn
