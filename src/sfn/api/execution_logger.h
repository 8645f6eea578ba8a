// Step Functions execution logging: the history events of executions whose state machine has a
// loggingConfiguration with a level other than OFF go, as AWS shapes them, to a log group of this
// server's CloudWatch Logs, written by a background thread so logging never holds an execution up.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "logs/log_model.h"
#include "logs/log_store.h"
#include "sfn/engine/execution_event_sink.h"

namespace wharf::sfn {

enum class LogLevel { kOff, kFatal, kError, kAll };

// What a loggingConfiguration asks for, once checked.
struct LoggingTarget {
  LogLevel level = LogLevel::kOff;
  bool includeExecutionData = false;
  std::string logGroup;  // the group's name
};

// Parses a LoggingConfiguration (the API's JSON). nullopt when nothing is logged (level OFF or
// absent). InvalidLoggingConfiguration when a level other than OFF lacks exactly one destination or
// the destination's logGroupArn is not a log group ARN of `partition`.
Result<std::optional<LoggingTarget>> parseLoggingConfiguration(const boost::json::value& config,
                                                               const logs::Partition& partition);

// Whether an event of `type` is logged at `level` (AWS's log level table: ERROR is every failure,
// time-out and abort plus FailStateEntered; FATAL only the execution's own failure events).
bool isLogged(LogLevel level, std::string_view type);

// The log event message AWS writes for one history event: {"id", "type", "details",
// "previous_event_id", "event_timestamp", "execution_arn", "redrive_count"}, numbers as strings;
// without execution data, details lose input, output and their *Details.
std::string logMessage(const asl::HistoryEvent& event, const ExecutionRecord& execution, bool includeExecutionData);

// The stream AWS names for a state machine's events: states/NAME/YYYY-MM-DD-HH-MM/ID, the minute
// (UTC) of `timestampMs`, ID the writer's.
std::string logStreamName(std::string_view stateMachineName, int64_t timestampMs, std::string_view writerId);

// The stream AWS creates in a log group when it validates the group as a log destination.
inline constexpr std::string_view kValidationStream =
    "log_stream_created_by_aws_to_validate_log_delivery_subscriptions";

// CreateStateMachine/UpdateStateMachine's check: as parseLoggingConfiguration(), plus
// InvalidLoggingConfiguration when the log group does not exist in `store` (null: a server without
// CloudWatch Logs, where no group exists). Creates kValidationStream in the group, as AWS does.
Result<void> checkLoggingConfiguration(const boost::json::value& config, const logs::Partition& partition,
                                       logs::LogStore* store);

class ExecutionLogger final : public ExecutionEventSink {
 public:
  // Events waiting to be written beyond this many are dropped (logging is best effort).
  static constexpr size_t kMaxQueued = 100'000;

  // `store` must outlive the logger. `writerId` is the last part of the stream names it writes.
  ExecutionLogger(logs::LogStore& store, logs::Partition partition, std::string writerId);
  ~ExecutionLogger() override;  // writes what is queued, then stops the writer thread

  // Executions of `stateMachineArn` are logged per `config` from their next step on; a config that
  // does not parse, or level OFF, stops logging them. Thread-safe.
  void configure(const std::string& stateMachineArn, const boost::json::value& config);
  void forget(const std::string& stateMachineArn);

  // ExecutionEventSink. Without any logging state machine this is one atomic load.
  Publish prepare(const ExecutionRecord& execution, std::span<const asl::HistoryEvent> events) override;

  // Blocks until every event published so far is written or dropped (tests).
  void flush();

 private:
  struct Entry {
    std::string group, stream;
    logs::NewEvent event;
  };

  void enqueue(std::deque<Entry> entries);
  void run();
  void write(std::deque<Entry>& batch);

  logs::LogStore& store_;
  const logs::Partition partition_;
  const std::string writerId_;

  std::shared_mutex targetsMu_;
  std::map<std::string, LoggingTarget, std::less<>> targets_;  // by state machine arn; never OFF
  std::atomic<size_t> targetCount_ = 0;

  std::mutex queueMu_;
  std::condition_variable wake_, idle_;
  std::deque<Entry> queue_;
  bool writing_ = false;
  bool stopping_ = false;
  size_t dropped_ = 0;  // since the last warning
  std::thread writer_;
};

}  // namespace wharf::sfn
