// The Step Functions API (AWSStepFunctions.*, JSON 1.0): state machines, activities and tags as
// in-memory read models written through to the store, executions run by the durable engine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/router.h"
#include "common/clock.h"
#include "common/ids.h"
#include "logs/log_store.h"
#include "sfn/asl/jsonata_evaluator.h"
#include "sfn/engine/execution_engine.h"
#include "sfn/integrations/integration.h"
#include "store/store.h"

namespace wharf::sfn {

struct SfnConfig {
  std::string accountId;
  std::string region = "us-east-1";
  size_t workers = 2;       // engine worker threads
  bool timerThread = true;  // false: timers fire only through engine().runDueTimers() (tests)
  std::chrono::milliseconds activityPollTimeout{60'000};
  // Where loggingConfiguration sends execution history events; null: no CloudWatch Logs, so any
  // level other than OFF is rejected. Must outlive the service.
  logs::LogStore* logStore = nullptr;
};

struct SfnModel;

class SfnService {
 public:
  // Loads state machines, activities and tags, and opens the engine (which recovers RUNNING
  // executions). `integrations` serve Task resources other than activities; `jsonata` may be null.
  // All references must outlive the service.
  static Result<std::unique_ptr<SfnService>> open(Store& store, const Clock& clock, IdGenerator& ids, SfnConfig config,
                                                  std::vector<Integration*> integrations,
                                                  asl::JsonataEvaluator* jsonata);
  ~SfnService();

  // Registers every Step Functions operation on `router`; the handlers reference this service.
  void registerHandlers(api::Router& router);

  // The engine, e.g. as the TaskOutcomeSink integrations report to.
  ExecutionEngine& engine();

 private:
  explicit SfnService(std::unique_ptr<SfnModel> model);
  std::unique_ptr<SfnModel> model_;
};

}  // namespace wharf::sfn
