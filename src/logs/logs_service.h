// Wharf's CloudWatch Logs service (target prefix Logs_20140328, AWS JSON 1.1): the API handlers
// and the sink the agent delivers awslogs container output to, over one LogStore.
#pragma once

#include <memory>

#include "agent/log_sink.h"
#include "api/router.h"
#include "common/clock.h"
#include "logs/awslogs_sink.h"
#include "logs/handler_support.h"
#include "logs/log_store.h"
#include "store/store.h"

namespace wharf::logs {

class LogsService {
 public:
  // Loads all log groups and streams from `store`. `store` and `clock` must outlive the service.
  // `config` gives the account and region of ARNs when a request carries none.
  static Result<std::unique_ptr<LogsService>> open(Store& store, const Clock& clock, LogsConfig config);

  // Registers every operation under Logs_20140328. The service must outlive the router's use.
  void registerHandlers(api::Router& router);

  // Where the agent delivers awslogs output. Thread-safe.
  agent::LogSink& sink() { return *sink_; }
  // The groups, streams and events behind the API, for in-process writers (Step Functions
  // execution logging). Thread-safe.
  LogStore& logStore() { return *store_; }

  // Deletes events past their group's retention; the server runs it periodically (reads already
  // hide such events, so how often only affects disk use). Returns how many were deleted.
  Result<size_t> sweepRetention() { return store_->sweepRetention(); }

 private:
  LogsService(std::unique_ptr<LogStore> store, LogsConfig config)
      : store_(std::move(store)), config_(std::move(config)), sink_(std::make_unique<AwslogsSink>(*store_)) {}

  std::unique_ptr<LogStore> store_;
  LogsConfig config_;
  std::unique_ptr<AwslogsSink> sink_;
};

}  // namespace wharf::logs
