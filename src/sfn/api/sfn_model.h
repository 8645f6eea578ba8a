// Private to the Step Functions API: the service's read models and helpers its handlers share.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/router.h"
#include "common/clock.h"
#include "common/ids.h"
#include "sfn/api/execution_logger.h"
#include "sfn/api/sfn_service.h"
#include "sfn/engine/execution_engine.h"
#include "store/store.h"

namespace wharf::sfn {

struct StateMachineEntry {
  std::string arn, name, roleArn, type = "STANDARD", description, revisionId;
  std::shared_ptr<const std::string> definition;  // shared with the records of its executions
  boost::json::value loggingConfiguration, tracingConfiguration;
  int64_t creationMillis = 0, updateMillis = 0;
  asl::DefinitionPtr parsed;  // not stored; parsed on load
};

struct ActivityEntry {
  std::string arn, name;
  int64_t creationMillis = 0;
};

using Tags = std::map<std::string, std::string>;

struct SfnModel {
  Store& store;
  const Clock& clock;
  IdGenerator& ids;
  SfnConfig config;
  std::unique_ptr<ExecutionLogger> logger;  // null without config.logStore; outlives the engine
  std::unique_ptr<ExecutionEngine> engine;

  std::mutex mu;                                      // guards the maps below
  std::map<std::string, StateMachineEntry> machines;  // by arn
  std::map<std::string, ActivityEntry> activities;    // by arn
  std::map<std::string, Tags> tags;                   // by resource arn

  std::string arn(std::string_view kind, std::string_view rest) const;
  logs::Partition logsPartition() const { return {config.region, config.accountId}; }
  // Without `batch`, each save commits on its own; with it, the write joins the batch.
  Result<void> saveMachine(const StateMachineEntry& m, WriteBatch* batch = nullptr);
  Result<void> saveActivity(const ActivityEntry& a);
  Result<void> saveTags(const std::string& arn, const Tags& t, WriteBatch* batch = nullptr);
};

// Handler registration per area (state_machine_handlers.cc, execution_handlers.cc,
// activity_handlers.cc).
void registerStateMachineHandlers(SfnModel& model, api::Router& router);
void registerExecutionHandlers(SfnModel& model, api::Router& router);
void registerActivityHandlers(SfnModel& model, api::Router& router);

// Registers each operation of an area's table under kTarget, its handler bound to `model`.
using ModelHandler = Result<boost::json::value> (*)(SfnModel&, const boost::json::object&);
using AsyncModelHandler = void (*)(SfnModel&, const boost::json::object&, api::Reply);
void addHandlers(SfnModel& model, api::Router& router,
                 std::initializer_list<std::pair<std::string_view, ModelHandler>> handlers);
void addAsyncHandlers(SfnModel& model, api::Router& router,
                      std::initializer_list<std::pair<std::string_view, AsyncModelHandler>> handlers);

// Shared request helpers.
inline constexpr std::string_view kTarget = "AWSStepFunctions";
std::string stringField(const boost::json::object& in, std::string_view key, std::string fallback = {});
std::optional<std::string> optionalField(const boost::json::object& in, std::string_view key);
int64_t intField(const boost::json::object& in, std::string_view key, int64_t fallback);
double epochSeconds(int64_t millis);
// AWS's naming rule for state machines, executions and activities (1-80 characters, none of
// whitespace, brackets, wildcards, special characters or control characters).
Result<void> checkName(const std::string& name);
Result<void> checkArn(const std::string& arn, std::string_view kind);
// One page of a listing over ordered `keys`, per the request's maxResults (default 100) and
// nextToken (a key): `item(i)` renders keys[i]; the page goes under `listKey`, plus nextToken
// when more remain.
Result<boost::json::value> listPage(const boost::json::object& in, const std::vector<std::string>& keys,
                                    std::string_view listKey, const std::function<boost::json::value(size_t)>& item);
Result<Tags> parseTags(const boost::json::object& in);
Result<void> eraseMachine(SfnModel& model, const std::string& arn);
Result<void> eraseActivity(SfnModel& model, const std::string& arn);

}  // namespace wharf::sfn
