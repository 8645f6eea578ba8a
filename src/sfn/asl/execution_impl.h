// Internal to the ASL interpreter's execution*.cc files: the state of one execution
// (Execution::Impl) and the frames its states run in.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "sfn/asl/eval_scope.h"
#include "sfn/asl/event_arena.h"
#include "sfn/asl/execution.h"
#include "sfn/asl/json_text.h"

namespace wharf::asl {
namespace detail {

using Json = boost::json::value;

struct Failure {
  std::string error;
  std::optional<std::string> cause;
  // How an absent error/cause shows in a Catch's error output: left out (States.* failures of the
  // interpreter), null (a task that reported none) or "" for the cause of a task timeout.
  enum class Missing { kOmit, kNull, kEmptyCause } missing = Missing::kOmit;
  bool heartbeat = false;  // a States.Timeout caused by a missed heartbeat
  // A JSONata state's evaluation failure, not yet reported with an EvaluationFailed event.
  bool evaluation = false;
  std::optional<std::string> location = std::nullopt;  // the field that failed, e.g. "Output/result"
  // AWS links the EvaluationFailed event of an invalid value (Wait's Timestamp) to StateEntered,
  // that of a failed expression to what preceded it.
  bool afterEntered = false;
};

using Evaluated = std::expected<Json, Failure>;

enum class Waiting { kNone, kTask, kTimer, kRetry, kChildren, kDone };

struct Frame {
  Frame* parent = nullptr;
  const StateMachine* machine = nullptr;
  size_t index = 0;
  bool silent = false;
  int64_t cursor = 0;
  boost::json::object variables;
  std::optional<Json> mapItemValue;
  int64_t mapItemIndex = 0;

  const State* state = nullptr;
  Json input;
  Json effective;
  int64_t enteredId = 0;
  int64_t enteredPrevious = 0;  // the previousEventId of the StateEntered event
  std::chrono::system_clock::time_point enteredTime;
  std::vector<int64_t> retryAttempts;
  int64_t retryCount = 0;
  Waiting waiting = Waiting::kNone;
  bool retrying = false;
  std::string pendingId;
  std::string timeoutTimerId, heartbeatTimerId;
  TaskRequest task;

  std::vector<std::unique_ptr<Frame>> children;
  boost::json::array results;
  boost::json::array items;
  size_t nextChild = 0, running = 0, finished = 0, failures = 0;
  int64_t maxConcurrency = 0;
  double toleratedPercentage = 0;
  int64_t toleratedCount = 0;
  bool launching = false;
  int64_t completionId = 0;
  std::optional<Failure> childFailure;

  bool succeeded = false;
  Json output;
  std::optional<Failure> failure;

  // For a redrive: the state the frame failed in and, of a Map or Parallel, the iterations or
  // branches of its last attempt (kept until the state is left); `redriving` tells the Map or
  // Parallel being re-entered to reuse them, `redriveQueue` holds the iterations to run again
  // (the next one last).
  const State* failedState = nullptr;
  std::vector<std::unique_ptr<Frame>> lastChildren;
  bool redriving = false;
  std::vector<std::unique_ptr<Frame>> redriveQueue;
};

enum class TaskPhase { kScheduled, kStarted, kSucceeded, kFailed, kTimedOut };

}  // namespace detail

class Execution::Impl {
  using Json = detail::Json;
  using Failure = detail::Failure;
  using Evaluated = detail::Evaluated;
  using Waiting = detail::Waiting;
  using Frame = detail::Frame;
  using TaskPhase = detail::TaskPhase;

 public:
  Impl(DefinitionPtr definition, ExecutionInfo info, const Clock& clock, IdGenerator& ids, JsonataEvaluator* jsonata)
      : definition_(std::move(definition)), info_(std::move(info)), clock_(clock), ids_(ids), jsonata_(jsonata) {}

  StepResult start(const Json& input);
  StepResult step(const StepInput& in);

  ExecutionStatus status_ = ExecutionStatus::kRunning;
  Json output_;
  std::optional<std::string> error_, cause_;
  // The text of the events' details, declared first so that it outlives them.
  EventArena eventText_;
  std::string payloadLiteral_;  // a state's output as the string literal of its JSON text, see leave()
  std::vector<HistoryEvent> history_;

 private:
  // The context object ($$) of the current state of a frame. It is built on first use into the
  // execution's one context object, whose fixed part (Execution, StateMachine) is built once;
  // `mapItem` makes $$.Map.Item the frame's own item `mapItem` (a Map's ItemSelector).
  class StateContext final : public ContextSource {
   public:
    StateContext(const Impl& impl, const Frame& frame, std::optional<size_t> mapItem = std::nullopt)
        : impl_(impl), frame_(frame), mapItem_(mapItem), serial_(++impl.contextSerial_) {}
    const Json& context() const override { return impl_.contextFor(*this); }

   private:
    friend class Impl;
    const Impl& impl_;
    const Frame& frame_;
    std::optional<size_t> mapItem_;
    uint64_t serial_;
  };

  // What the expressions of a JSONata state see: $states.input, .context, .result and
  // .errorOutput, and the variables in scope. The bindings are built when first needed.
  struct JsonataScope {
    const Frame& frame;
    const StateContext& ctx;
    const Json& input;
    const Json* result = nullptr;
    const Json* errorOutput = nullptr;
    std::optional<boost::json::object> bindings = std::nullopt;
  };

  static boost::json::object truncated() { return {{"truncated", false}}; }

  // The state that follows `s` (null when it ends its frame).
  static const State* nextOf(const State& s) { return s.end ? nullptr : s.nextState; }

  // Whether ResultPath makes the result the whole output, so the input is not needed for it.
  static bool replacesInput(const OptionalPath& p) { return !p.isNull && (!p.path || p.path->isRoot()); }

  // Continues a frame after an outside event, then its ancestors if it finished.
  void resume(Frame& f) { run(f); }

  // emitText with details already in eventText_ (written there with concat()).
  int64_t emitStored(Frame& f, std::string_view type, std::string_view key, std::string_view details,
                     bool advance = true, std::optional<int64_t> previous = std::nullopt) {
    auto id = static_cast<int64_t>(history_.size()) + 1;
    history_.push_back(HistoryEvent{.id = id,
                                    .previousEventId = previous.value_or(f.cursor),
                                    .type = type,
                                    .timestamp = clock_.now(),
                                    .detailsKey = key,
                                    .details = details});
    if (advance) f.cursor = id;
    return id;
  }

  // `value`'s JSON text as a string literal, in payloadLiteral_ (a buffer reused from state to state).
  std::string_view payloadLiteral(const Json& value, std::optional<JsonTextLength> length = std::nullopt) {
    size_t size = (length ? *length : measureJsonText(value)).literal;
    // The lambda returns the length itself: libstdc++ 12 may pass the grown capacity as the size.
    payloadLiteral_.resize_and_overwrite(size, [&](char* data, size_t) {
      writeJsonTextLiteral(data, value);
      return size;
    });
    return payloadLiteral_;
  }

  // execution.cc: events, the context object, paths and the states' common path (enter, complete, leave).
  StepResult flush();
  int64_t emitRaw(Frame& f, std::string_view type, std::string_view key, const boost::json::object& details,
                  bool advance = true, std::optional<int64_t> previous = std::nullopt);
  int64_t emitText(Frame& f, std::string_view type, std::string_view key, std::string_view details, bool advance = true,
                   std::optional<int64_t> previous = std::nullopt);
  const Json& contextFor(const StateContext& c) const;
  std::string runtimeCause(const Frame& f, const std::string& message) const;
  std::optional<Failure> runtimeError(const Frame& f, const Error& e) const;
  Result<Json> selectPath(const OptionalPath& p, Json value, const Frame& f, const StateContext& ctx) const;
  Result<void> narrowToPath(const OptionalPath& p, Json& value, const Frame& f, const StateContext& ctx) const;
  static bool inputPassesThrough(const State& s);
  Result<void> applyResultPath(const OptionalPath& p, Json& input, Json& result, bool spendInput = false) const;
  void run(Frame& f);
  void enter(Frame& f, const State* s, Json input, std::optional<std::string_view> inputLiteral = std::nullopt);
  void enterWithInput(Frame& f, const State* s, std::optional<std::string_view> inputLiteral);
  void leave(Frame& f, Json&& output, const State* next, const boost::json::object* assigned,
             std::optional<int64_t> previous = std::nullopt);
  Result<boost::json::object> evaluateAssign(const std::optional<PayloadTemplate>& assign, const Json& value,
                                             const Frame& f, const StateContext& ctx) const;
  void complete(Frame& f, Json result, bool useSelector, std::optional<int64_t> previous = std::nullopt);
  Evaluated effectiveInput(Frame& f, const StateContext& ctx);
  void execute(Frame& f);
  void executeChoice(Frame& f, const StateContext& ctx);
  void finishFrame(Frame& f, Json output, std::optional<Failure> failure,
                   std::optional<std::string_view> outputLiteral = std::nullopt);
  void stopExecution(ExecutionStatus status, std::string_view type, std::optional<std::string> error,
                     std::optional<std::string> cause);
  Frame* findWaiting(Frame& f, const std::string& id);

  // execution_jsonata.cc: JSONata expressions and states.
  Failure queryFailure(const Frame& f, const std::string& message, std::optional<std::string> location) const;
  Failure expressionFailure(const Frame& f, std::string_view text, const std::string& location,
                            std::string_view what) const;
  Failure unexpectedType(const Frame& f, std::string_view field, const std::string& location, std::string_view want,
                         const Json& got) const;
  Evaluated evalExpression(std::string_view field, const std::string& location, JsonataScope& scope);
  Evaluated evalField(const Json& v, const std::string& location, JsonataScope& scope);
  std::expected<std::optional<double>, Failure> jsonataNumber(std::string_view field, double min, bool integer,
                                                              JsonataScope& scope);
  std::expected<std::pair<boost::json::object, Json>, Failure> jsonataOutputs(JsonataScope& scope,
                                                                              const std::optional<Json>& output,
                                                                              const std::optional<Json>& assign,
                                                                              const Json& defaultOutput);
  void finishJsonata(Frame& f, JsonataScope& scope, const std::optional<Json>& output,
                     const std::optional<Json>& assign, const Json& defaultOutput, const State* next,
                     std::optional<int64_t> previous = std::nullopt);
  void reportEvaluationFailure(Frame& f, Failure& failure);
  void executeJsonata(Frame& f, const StateContext& ctx);
  Evaluated jsonataItems(Frame& f, JsonataScope& scope);

  // execution_tasks.cc: Task and Wait states.
  void executeTask(Frame& f, const StateContext& ctx);
  void scheduleTask(Frame& f, TaskRequest req);
  boost::json::object taskDetails(const Frame& f) const;
  void emitTask(Frame& f, TaskPhase phase, boost::json::object details, bool withKey = true);
  void taskStarted(Frame& f, const StepInput& in);
  void taskSubmitted(Frame& f, const StepInput& in);
  void clearTask(Frame& f);
  void armHeartbeat(Frame& f);
  void taskSucceeded(Frame& f, const Json& output);
  void taskFailed(Frame& f, const std::string& error, const std::optional<std::string>& cause);
  void timerFired(Frame& f, const std::string& id);
  void executeWait(Frame& f, const StateContext& ctx);
  void executeWaitJsonata(Frame& f, JsonataScope& scope);
  void startWaitTimer(Frame& f, Json effective, std::chrono::system_clock::time_point fireAt);

  // execution_errors.cc: the Fail state, Retry and Catch.
  Result<std::optional<std::string>> failField(const Frame& f, const std::optional<std::string>& literal,
                                               const std::optional<ValueSource>& source, std::string_view field,
                                               const StateContext& ctx) const;
  void executeFail(Frame& f, const StateContext& ctx);
  void failState(Frame& f, std::optional<Failure> failure);
  bool willRetry(const Frame& f, const Failure& failure) const;

  // execution_branches.cc: Parallel and Map.
  std::unique_ptr<Frame> makeChild(Frame& parent, const StateMachine* machine, size_t index, Json input);
  void executeParallel(Frame& f, const StateContext& ctx);
  Result<int64_t> intFromPath(Frame& f, const std::optional<JsonPath>& p, std::string_view field,
                              const EvalScope& scope);
  void executeMap(Frame& f, const StateContext& ctx);
  void startItemReader(Frame& f, const EvalScope& scope);
  std::string mapRunPrefix() const;
  Evaluated selectItem(Frame& f, const StateContext& ctx);
  void launchIterations(Frame& f);
  int64_t iterationStarted(Frame& f, size_t index);
  int64_t emitIteration(Frame& f, std::string_view type, std::string_view key, size_t index,
                        std::optional<int64_t> previous = std::nullopt);
  void childFinished(Frame& f, Frame& child);
  void maybeFinishChildren(Frame& f);

  // execution_redrive.cc: redriving a failed execution.
  void redrive();
  void redriveFrame(Frame& f);
  Json redriveInput(const Frame& f) const;
  static std::vector<std::unique_ptr<Frame>> takeAttempt(Frame& f);
  void reuseLastAttempt(Frame& f);
  void relaunchIteration(Frame& f);

  DefinitionPtr definition_;
  ExecutionInfo info_;
  const Clock& clock_;
  IdGenerator& ids_;
  JsonataEvaluator* jsonata_;
  // Compiled "{% ... %}" expressions by text: each is compiled once per execution.
  std::map<std::string, std::shared_ptr<const JsonataExpression>, std::less<>> compiled_;
  std::unique_ptr<Frame> root_;
  Json executionInput_;
  std::chrono::system_clock::time_point startTime_;
  std::vector<Command> commands_;
  size_t flushed_ = 0;
  int64_t nextTimer_ = 1;
  std::string executionTimerId_;
  int64_t redriveCount_ = 0;
  std::chrono::system_clock::time_point redriveTime_;
  mutable Json context_;
  mutable uint64_t contextSerial_ = 0, contextBuiltFor_ = 0;
};

}  // namespace wharf::asl
