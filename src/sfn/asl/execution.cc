#include "sfn/asl/execution.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "common/time_format.h"
#include "sfn/asl/choice_evaluator.h"
#include "sfn/asl/event_arena.h"
#include "sfn/asl/json_text.h"

namespace wharf::asl {

std::string_view executionStatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kRunning:
      return "RUNNING";
    case ExecutionStatus::kSucceeded:
      return "SUCCEEDED";
    case ExecutionStatus::kFailed:
      return "FAILED";
    case ExecutionStatus::kTimedOut:
      return "TIMED_OUT";
    case ExecutionStatus::kAborted:
      return "ABORTED";
  }
  return "";
}

TaskRequest describeResource(const std::string& resource) {
  TaskRequest out;
  out.resource = resource;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = resource.find(':', start);
    parts.push_back(resource.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() >= 7 && parts[2] == "lambda" && parts[5] == "function") {
    out.family = ResourceFamily::kLambda;
  } else if (parts.size() >= 7 && parts[2] == "states" && parts[5] == "activity") {
    out.family = ResourceFamily::kActivity;
  } else if (parts.size() >= 6 && parts[2] == "states" && parts[3].empty()) {
    out.family = ResourceFamily::kService;
    size_t i = 5;
    if (parts[5] == "aws-sdk" && parts.size() >= 7) {
      out.resourceType = "aws-sdk:" + parts[6];
      i = 7;
    } else {
      out.resourceType = parts[5];
      i = 6;
    }
    for (; i < parts.size(); ++i) out.action += (out.action.empty() ? "" : ":") + parts[i];
  }
  return out;
}

namespace {

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

bool errorMatches(const std::vector<std::string>& equals, const Failure& failure) {
  const std::string& error = failure.error;
  if (error == "States.Runtime") return false;
  for (const auto& e : equals) {
    if (e == error) return true;
    if (e == "States.HeartbeatTimeout" && failure.heartbeat) return true;
    if (e == "States.ALL") return true;
    if (e == "States.TaskFailed" && error != "States.Timeout" && error != "States.DataLimitExceeded") return true;
  }
  return false;
}

// The *Path fields of Map take a number or its decimal text (a variable assigned "1" is accepted).
bool numberOrNumericText(const Json& v, double& out) {
  if (asDouble(v, out)) return true;
  if (!v.is_string()) return false;
  static const std::regex kNumber(R"(-?\d+(\.\d+)?)");
  std::string text(v.get_string());
  if (!std::regex_match(text, kNumber)) return false;
  out = std::stod(text);
  return true;
}

// An ISO-8601 extended offset date-time as Step Functions accepts it (TimestampPath, JSONata Timestamp).
std::optional<std::chrono::system_clock::time_point> parseStrictIso8601(const Json& v) {
  static const std::regex kIso(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  if (!v.is_string() || !std::regex_match(std::string(v.get_string()), kIso)) return std::nullopt;
  return parseIso8601(v.get_string());
}

// The text an event's details take on average, for sizing the first block of an execution's
// EventArena (an execution through a few states holds one small block).
constexpr size_t kEventBytes = 96;

// "<Type>StateEntered" or "<Type>StateExited".
std::string_view stateEventType(StateType type, bool entered) {
  // Indexed by StateType.
  static constexpr std::array<std::array<std::string_view, 2>, static_cast<size_t>(StateType::kMap) + 1> kNames = {{
      {"PassStateEntered", "PassStateExited"},
      {"TaskStateEntered", "TaskStateExited"},
      {"ChoiceStateEntered", "ChoiceStateExited"},
      {"WaitStateEntered", "WaitStateExited"},
      {"SucceedStateEntered", "SucceedStateExited"},
      {"FailStateEntered", "FailStateExited"},
      {"ParallelStateEntered", "ParallelStateExited"},
      {"MapStateEntered", "MapStateExited"},
  }};
  return kNames[static_cast<size_t>(type)][entered ? 0 : 1];
}

enum class TaskPhase { kScheduled, kStarted, kSucceeded, kFailed, kTimedOut };

// The event type and details key of a task event, e.g. "LambdaFunctionStarted" and
// "lambdaFunctionStartedEventDetails".
struct TaskEventNames {
  std::string_view type, key;
};

const TaskEventNames& taskEventNames(ResourceFamily family, TaskPhase phase) {
  static constexpr std::array<std::string_view, 5> kPhases = {"Scheduled", "Started", "Succeeded", "Failed",
                                                              "TimedOut"};
  struct Stored {
    std::string type, key;
    TaskEventNames view;
  };
  static const auto kNames = [] {
    // Indexed by ResourceFamily: kLambda, kActivity, kService.
    constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kFamilies = {
        {{"LambdaFunction", "lambdaFunction"}, {"Activity", "activity"}, {"Task", "task"}}};
    std::array<std::array<Stored, kPhases.size()>, kFamilies.size()> names;
    for (size_t fam = 0; fam < kFamilies.size(); ++fam) {
      for (size_t ph = 0; ph < kPhases.size(); ++ph) {
        Stored& n = names[fam][ph];
        n.type = fmt::format("{}{}", kFamilies[fam].first, kPhases[ph]);
        n.key = fmt::format("{}{}EventDetails", kFamilies[fam].second, kPhases[ph]);
        n.view = {n.type, n.key};
      }
    }
    return names;
  }();
  return kNames[static_cast<size_t>(family)][static_cast<size_t>(phase)].view;
}

}  // namespace

class Execution::Impl {
 public:
  Impl(DefinitionPtr definition, ExecutionInfo info, const Clock& clock, IdGenerator& ids, JsonataEvaluator* jsonata)
      : definition_(std::move(definition)), info_(std::move(info)), clock_(clock), ids_(ids), jsonata_(jsonata) {}

  StepResult start(const Json& input) {
    startTime_ = clock_.now();
    executionInput_ = input;
    root_ = std::make_unique<Frame>();
    root_->machine = definition_.get();
    // Room for one pass through every top-level state, so short executions never regrow it.
    history_.reserve(2 * definition_->states.size() + 2);
    eventText_.reserve(std::min<size_t>(kEventBytes * history_.capacity(), 16 * 1024));
    std::string_view inputLiteral = payloadLiteral(input);
    std::string roleArn;
    appendJsonString(roleArn, info_.roleArn);
    emitStored(*root_, "ExecutionStarted", "executionStartedEventDetails",
               eventText_.concat(R"({"input":)", inputLiteral, R"(,"inputDetails":{"truncated":false},"roleArn":)",
                                 roleArn, "}"),
               false);
    if (definition_->timeoutSeconds) {
      executionTimerId_ = "execution-timeout";
      commands_.push_back({.kind = Command::Kind::kStartTimer,
                           .task = {},
                           .id = executionTimerId_,
                           .fireAt = startTime_ + std::chrono::seconds(*definition_->timeoutSeconds)});
    }
    enter(*root_, definition_->start, input, inputLiteral);
    run(*root_);
    return flush();
  }

  StepResult step(const StepInput& in) {
    if (in.kind == StepInput::Kind::kRedrive) {
      if (status_ != ExecutionStatus::kRunning && status_ != ExecutionStatus::kSucceeded) redrive();
      return flush();
    }
    if (status_ != ExecutionStatus::kRunning) return flush();
    if (in.kind == StepInput::Kind::kStop) {
      stopExecution(ExecutionStatus::kAborted, "ExecutionAborted", in.error, in.cause);
      return flush();
    }
    if (in.kind == StepInput::Kind::kTimerFired && in.id == executionTimerId_) {
      stopExecution(ExecutionStatus::kTimedOut, "ExecutionTimedOut", std::string("States.Timeout"), std::nullopt);
      return flush();
    }
    Frame* f = findWaiting(*root_, in.id);
    if (!f) return flush();
    switch (in.kind) {
      case StepInput::Kind::kTaskStarted:
        taskStarted(*f, in);
        break;
      case StepInput::Kind::kTaskSubmitted:
        taskSubmitted(*f, in);
        break;
      case StepInput::Kind::kTaskSucceeded:
        taskSucceeded(*f, in.output);
        break;
      case StepInput::Kind::kTaskFailed:
        taskFailed(*f, in.error.value_or(""), in.cause);
        break;
      case StepInput::Kind::kTaskHeartbeat:
        if (f->waiting == Waiting::kTask && in.id == f->pendingId) armHeartbeat(*f);
        break;
      case StepInput::Kind::kTimerFired:
        timerFired(*f, in.id);
        break;
      case StepInput::Kind::kStop:
      case StepInput::Kind::kRedrive:
        break;
    }
    return flush();
  }

  ExecutionStatus status_ = ExecutionStatus::kRunning;
  Json output_;
  std::optional<std::string> error_, cause_;
  // The text of the events' details, declared first so that it outlives them.
  EventArena eventText_;
  std::string payloadLiteral_;  // a state's output as the string literal of its JSON text, see leave()
  std::vector<HistoryEvent> history_;

 private:
  StepResult flush() {
    StepResult out;
    out.events = std::span<const HistoryEvent>(history_).subspan(flushed_);
    flushed_ = history_.size();
    out.commands = std::move(commands_);
    commands_.clear();
    return out;
  }

  static boost::json::object truncated() { return {{"truncated", false}}; }

  // Appends an event; `advance` moves the frame's cursor (the previousEventId of what follows).
  int64_t emitRaw(Frame& f, std::string_view type, std::string_view key, const boost::json::object& details,
                  bool advance = true, std::optional<int64_t> previous = std::nullopt) {
    if (f.silent) return f.cursor;
    return emitText(f, type, key, key.empty() ? std::string() : boost::json::serialize(details), advance, previous);
  }

  // emitRaw with the details as JSON text (the hot events write it directly).
  int64_t emitText(Frame& f, std::string_view type, std::string_view key, std::string_view details, bool advance = true,
                   std::optional<int64_t> previous = std::nullopt) {
    if (f.silent) return f.cursor;
    return emitStored(f, type, key, eventText_.store(details), advance, previous);
  }

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

  const Json& contextFor(const StateContext& c) const {
    if (contextBuiltFor_ == c.serial_) return context_;
    contextBuiltFor_ = c.serial_;
    if (context_.is_null()) {
      boost::json::object exec;
      exec["Id"] = info_.executionArn;
      exec["Input"] = executionInput_;
      exec["StartTime"] = toIso8601(startTime_);
      exec["Name"] = info_.executionName;
      exec["RoleArn"] = info_.roleArn;
      exec["RedriveCount"] = redriveCount_;
      if (redriveCount_ > 0) exec["RedriveTime"] = toIso8601(redriveTime_);
      boost::json::object sm;
      sm["Id"] = info_.stateMachineArn;
      sm["Name"] = info_.stateMachineName;
      boost::json::object ctx;
      ctx["Execution"] = std::move(exec);
      ctx["StateMachine"] = std::move(sm);
      context_ = std::move(ctx);
    }
    const Frame& f = c.frame_;
    boost::json::object& ctx = context_.as_object();
    boost::json::object st;
    if (f.state) {
      st["Name"] = f.state->name;
      st["EnteredTime"] = toIso8601(f.enteredTime);
      if (f.state->type == StateType::kTask) st["RetryCount"] = f.retryCount;
    }
    ctx["State"] = std::move(st);
    ctx.stable_erase("Task");
    ctx.stable_erase("Map");
    if (!f.task.taskToken.empty()) ctx["Task"] = boost::json::object{{"Token", f.task.taskToken}};
    auto item = [](int64_t index, const Json& value) {
      return boost::json::object{{"Item", boost::json::object{{"Index", index}, {"Value", value}}}};
    };
    if (c.mapItem_) {
      ctx["Map"] = item(static_cast<int64_t>(*c.mapItem_), f.items[*c.mapItem_]);
    } else {
      for (const Frame* p = &f; p; p = p->parent) {
        if (p->mapItemValue) {
          ctx["Map"] = item(p->mapItemIndex, *p->mapItemValue);
          break;
        }
      }
    }
    return context_;
  }

  std::string runtimeCause(const Frame& f, const std::string& message) const {
    return fmt::format("An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                       f.state->name, f.enteredId, message);
  }

  std::optional<Failure> runtimeError(const Frame& f, const Error& e) const {
    std::string type = e.type == "States.IntrinsicFailure" || e.type == "States.Runtime" ? e.type : "States.Runtime";
    return Failure{type, runtimeCause(f, e.message)};
  }

  // InputPath / OutputPath: null gives {}, absent is "$".
  Result<Json> selectPath(const OptionalPath& p, Json value, const Frame& f, const StateContext& ctx) const {
    auto r = narrowToPath(p, value, f, ctx);
    if (!r) return std::unexpected(std::move(r.error()));
    return value;
  }

  // selectPath in place: `value` becomes what the path selects from it.
  Result<void> narrowToPath(const OptionalPath& p, Json& value, const Frame& f, const StateContext& ctx) const {
    if (p.isNull) {
      value = boost::json::object();
      return {};
    }
    if (!p.path) return {};
    EvalScope scope{&value, nullptr, &f.variables, &ids_, &ctx};
    auto r = resolvePath(*p.path, scope);
    if (!r) {
      return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                  fmt::format("Invalid path '{}' : {}", p.path->text(), r.error().message));
    }
    value = std::move(*r);
    return {};
  }

  // Whether a JSONPath state's effective input is its input unchanged (no InputPath or "$", no Parameters).
  static bool inputPassesThrough(const State& s) {
    const auto& path = s.inputPath.path;
    return !s.inputPath.isNull && (!path || (path->isRoot() && path->root() == JsonPath::Root::kInput)) &&
           !s.parameters;
  }

  // The state that follows `s` (null when it ends its frame).
  static const State* nextOf(const State& s) { return s.end ? nullptr : s.nextState; }

  // Whether ResultPath makes the result the whole output, so the input is not needed for it.
  static bool replacesInput(const OptionalPath& p) { return !p.isNull && (!p.path || p.path->isRoot()); }

  // Places `result` into the state's input as ResultPath says; `result` becomes the merged output.
  // With `spendInput` the input is taken rather than copied (the state no longer needs it).
  Result<void> applyResultPath(const OptionalPath& p, Json& input, Json& result, bool spendInput = false) const {
    if (replacesInput(p)) return {};
    if (p.isNull) {
      result = spendInput ? std::move(input) : input;
      return {};
    }
    if (!input.is_object() && !p.path->isRoot()) {
      return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                  fmt::format("Invalid path '{}': The input is not a JSON object", p.path->text()));
    }
    Json out = spendInput ? std::move(input) : input;
    auto r = p.path->assign(out, std::move(result));
    if (!r) return fail(ErrorCode::kInvalidArgument, "States.Runtime", r.error().message);
    result = std::move(out);
    return {};
  }

  // Runs the frame's states until it blocks or ends.
  void run(Frame& f) {
    while (f.state && f.waiting == Waiting::kNone && status_ == ExecutionStatus::kRunning) execute(f);
  }

  // `inputLiteral` is the input's JSON text as a JSON string literal, when the caller already has it.
  void enter(Frame& f, const State* s, Json input, std::optional<std::string_view> inputLiteral = std::nullopt) {
    f.input = std::move(input);
    enterWithInput(f, s, inputLiteral);
  }

  // enter() with the input already in f.input.
  void enterWithInput(Frame& f, const State* s, std::optional<std::string_view> inputLiteral) {
    f.state = s;
    f.enteredTime = clock_.now();
    f.retryAttempts.assign(s->retry.size(), 0);
    f.retryCount = 0;
    f.retrying = false;
    // Only a Task sets the frame's task (its token first, then its id), so most states skip the reset.
    if (!f.task.taskToken.empty() || !f.task.taskId.empty()) f.task = {};
    f.waiting = Waiting::kNone;
    f.enteredPrevious = f.cursor;
    if (f.silent) {
      f.enteredId = f.cursor;
      return;
    }
    std::string_view literal = inputLiteral ? *inputLiteral : payloadLiteral(f.input);
    f.enteredId = emitStored(f, stateEventType(s->type, true), "stateEnteredEventDetails",
                             eventText_.concat(R"({"name":)", s->nameJson, R"(,"input":)", literal,
                                               R"(,"inputDetails":{"truncated":false}})"));
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

  // Leaves the current state with `output` and moves to `next` (null = end of this frame).
  void leave(Frame& f, Json&& output, const State* next, const boost::json::object* assigned,
             std::optional<int64_t> previous = std::nullopt) {
    // The next state's enter() (or the frame's end) reads the literal before anything else writes it.
    JsonTextLength length = measureJsonText(output);
    if (length.text > kMaxPayloadBytes) {
      failState(f, Failure{"States.DataLimitExceeded",
                           fmt::format("The state/task '{}' returned a result with a size exceeding the maximum number "
                                       "of bytes service limit.",
                                       f.state->name)});
      return;
    }
    std::optional<std::string_view> literal;
    if (!f.silent) {
      literal = payloadLiteral(output, length);
      std::string_view details;
      if (assigned && !assigned->empty()) {
        // Each variable's value as JSON text.
        std::string vars = "{";
        for (const auto& kv : *assigned) {
          if (vars.size() > 1) vars.push_back(',');
          appendJsonString(vars, kv.key());
          vars.push_back(':');
          appendJsonString(vars, toJsonText(kv.value()));
        }
        vars.push_back('}');
        details = eventText_.concat(R"({"name":)", f.state->nameJson, R"(,"output":)", *literal,
                                    R"(,"outputDetails":{"truncated":false},"assignedVariables":)", vars,
                                    R"(,"assignedVariablesDetails":{"truncated":false}})");
      } else {
        details = eventText_.concat(R"({"name":)", f.state->nameJson, R"(,"output":)", *literal,
                                    R"(,"outputDetails":{"truncated":false}})");
      }
      emitStored(f, stateEventType(f.state->type, false), "stateExitedEventDetails", details, true, previous);
    }
    if (!f.lastChildren.empty()) f.lastChildren.clear();
    f.redriving = false;
    if (assigned) {
      for (const auto& kv : *assigned) f.variables[kv.key()] = kv.value();
    }
    if (!next) {
      finishFrame(f, std::move(output), std::nullopt, literal);
    } else {
      f.input.swap(output);  // cheaper than a move assignment; the caller drops the old input
      enterWithInput(f, next, literal);
    }
  }

  Result<boost::json::object> evaluateAssign(const std::optional<PayloadTemplate>& assign, const Json& value,
                                             const Frame& f, const StateContext& ctx) const {
    if (!assign) return boost::json::object();
    EvalScope scope{&value, nullptr, &f.variables, &ids_, &ctx};
    auto r = assign->evaluate(scope);
    if (!r) return std::unexpected(r.error());
    return r->as_object();
  }

  // Result processing shared by Pass, Task, Parallel and Map: ResultSelector, ResultPath,
  // OutputPath and Assign, then leave the state.
  void complete(Frame& f, Json result, bool useSelector, std::optional<int64_t> previous = std::nullopt) {
    const State& s = *f.state;
    StateContext ctx(*this, f);
    if (s.queryLanguage == QueryLanguage::kJsonata) {
      JsonataScope scope{f, ctx, f.input, &result};
      return finishJsonata(f, scope, s.jsonataOutput, s.jsonataAssign, result, nextOf(s), previous);
    }
    if (useSelector && s.resultSelector) {
      EvalScope scope{&result, nullptr, &f.variables, &ids_, &ctx};
      auto r = s.resultSelector->evaluate(scope);
      if (!r) return failState(f, runtimeError(f, r.error()));
      result = std::move(*r);
    }
    std::optional<boost::json::object> assigned;
    if (s.assign) {
      auto a = evaluateAssign(s.assign, result, f, ctx);
      if (!a) return failState(f, runtimeError(f, a.error()));
      assigned = std::move(*a);
    }
    // A Pass has no Retry or Catch to see its input again, so the result may take it over.
    auto merged = applyResultPath(s.resultPath, f.input, result, s.type == StateType::kPass);
    if (!merged) return failState(f, runtimeError(f, merged.error()));
    auto out = narrowToPath(s.outputPath, result, f, ctx);
    if (!out) return failState(f, runtimeError(f, out.error()));
    leave(f, std::move(result), nextOf(s), assigned ? &*assigned : nullptr, previous);
  }

  // Effective input: InputPath then Parameters, or in JSONata the Arguments.
  Evaluated effectiveInput(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    if (s.queryLanguage == QueryLanguage::kJsonata) {
      if (!s.jsonataArguments) return f.input;
      JsonataScope scope{f, ctx, f.input};
      return evalField(*s.jsonataArguments, "Arguments", scope);
    }
    auto in = selectPath(s.inputPath, f.input, f, ctx);
    if (in && s.parameters) {
      EvalScope scope{&*in, nullptr, &f.variables, &ids_, &ctx};
      in = s.parameters->evaluate(scope);
    }
    if (!in) return std::unexpected(*runtimeError(f, in.error()));
    return std::move(*in);
  }

  // --- JSONata ------------------------------------------------------------------------

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

  Failure queryFailure(const Frame& f, const std::string& message, std::optional<std::string> location) const {
    Failure out{"States.QueryEvaluationError", runtimeCause(f, message)};
    out.evaluation = true;
    out.location = std::move(location);
    return out;
  }

  Failure expressionFailure(const Frame& f, std::string_view text, const std::string& location,
                            std::string_view what) const {
    return queryFailure(
        f, fmt::format("The JSONata expression '{}' specified for the field '{}' {}", text, location, what), location);
  }

  Failure unexpectedType(const Frame& f, std::string_view field, const std::string& location, std::string_view want,
                         const Json& got) const {
    return expressionFailure(
        f, expressionText(field), location,
        fmt::format("returned an unexpected result type. Expected '{}', but was '{}' for value: {}", want,
                    jsonTypeName(got), toJsonText(got)));
  }

  Evaluated evalExpression(std::string_view field, const std::string& location, JsonataScope& scope) {
    const Frame& f = scope.frame;
    if (!jsonata_) {
      return std::unexpected(
          Failure{"States.Runtime", runtimeCause(f, "JSONata is not available: no JsonataEvaluator is configured.")});
    }
    std::string_view text = expressionText(field);
    auto it = compiled_.find(text);
    if (it == compiled_.end()) {
      auto c = jsonata_->compile(text);
      if (!c)
        return std::unexpected(
            expressionFailure(f, text, location, "threw an error during evaluation. " + c.error().message));
      it = compiled_.emplace(std::string(text), std::move(*c)).first;
    }
    if (!scope.bindings) {
      boost::json::object b(f.variables);
      boost::json::object states;
      states["input"] = scope.input;
      states["context"] = scope.ctx.context();
      if (scope.result) states["result"] = *scope.result;
      if (scope.errorOutput) states["errorOutput"] = *scope.errorOutput;
      b["states"] = std::move(states);
      scope.bindings = std::move(b);
    }
    auto r = it->second->evaluate(*scope.bindings, JsonataEnvironment{clock_.now(), &ids_});
    if (!r)
      return std::unexpected(
          expressionFailure(f, text, location, "threw an error during evaluation. " + r.error().message));
    if (!*r) return std::unexpected(expressionFailure(f, text, location, "returned nothing (undefined)."));
    return std::move(**r);
  }

  // A JSONata-mode field: "{% ... %}" strings are evaluated, objects and arrays are walked, other
  // values are literals.
  Evaluated evalField(const Json& v, const std::string& location, JsonataScope& scope) {
    if (isExpression(v)) return evalExpression(v.get_string(), location, scope);
    if (v.is_object()) {
      boost::json::object out;
      for (const auto& kv : v.get_object()) {
        auto r = evalField(kv.value(), location + "/" + std::string(kv.key()), scope);
        if (!r) return r;
        out[kv.key()] = std::move(*r);
      }
      return Json(std::move(out));
    }
    if (v.is_array()) {
      boost::json::array out;
      const auto& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        auto r = evalField(a[i], fmt::format("{}[{}]", location, i), scope);
        if (!r) return r;
        out.push_back(std::move(*r));
      }
      return Json(std::move(out));
    }
    return v;
  }

  // A numeric field of a JSONata state (TimeoutSeconds, MaxConcurrency, ...) written as an
  // expression: nullopt when it is not one. `min` is the smallest value allowed.
  std::expected<std::optional<double>, Failure> jsonataNumber(std::string_view field, double min, bool integer,
                                                              JsonataScope& scope) {
    const State& s = *scope.frame.state;
    auto it = s.jsonataNumbers.find(field);
    if (it == s.jsonataNumbers.end()) return std::nullopt;
    std::string location(field);
    auto v = evalExpression(it->second, location, scope);
    if (!v) return std::unexpected(v.error());
    double d = 0;
    if (!asDouble(*v, d) || (integer && std::trunc(d) != d))
      return std::unexpected(unexpectedType(scope.frame, it->second, location, integer ? "integer" : "number", *v));
    if (d < min) {
      return std::unexpected(expressionFailure(scope.frame, expressionText(it->second), location,
                                               fmt::format("returned an invalid value: {}", toJsonText(*v))));
    }
    return d;
  }

  // Assign and Output of a JSONata state (or Choice rule, or catcher): both see the same $states
  // and variables; without Output the state's output is `defaultOutput`.
  std::expected<std::pair<boost::json::object, Json>, Failure> jsonataOutputs(JsonataScope& scope,
                                                                              const std::optional<Json>& output,
                                                                              const std::optional<Json>& assign,
                                                                              const Json& defaultOutput) {
    boost::json::object assigned;
    if (assign) {
      auto a = evalField(*assign, "Assign", scope);
      if (!a) return std::unexpected(a.error());
      if (!a->is_object())
        return std::unexpected(queryFailure(scope.frame, "The field 'Assign' must be an object", "Assign"));
      assigned = std::move(a->get_object());
    }
    Json out = defaultOutput;
    if (output) {
      auto o = evalField(*output, "Output", scope);
      if (!o) return std::unexpected(o.error());
      out = std::move(*o);
    }
    return std::pair{std::move(assigned), std::move(out)};
  }

  void finishJsonata(Frame& f, JsonataScope& scope, const std::optional<Json>& output,
                     const std::optional<Json>& assign, const Json& defaultOutput, const State* next,
                     std::optional<int64_t> previous = std::nullopt) {
    auto r = jsonataOutputs(scope, output, assign, defaultOutput);
    if (!r) return failState(f, r.error());
    leave(f, std::move(r->second), next, &r->first, previous);
  }

  // Reports a JSONata evaluation failure with its EvaluationFailed event (once).
  void reportEvaluationFailure(Frame& f, Failure& failure) {
    if (!failure.evaluation) return;
    failure.evaluation = false;
    boost::json::object d;
    d["cause"] = failure.cause.value_or("");
    d["error"] = failure.error;
    if (failure.location) d["location"] = *failure.location;
    d["state"] = f.state->name;
    emitRaw(f, "EvaluationFailed", "evaluationFailedEventDetails", std::move(d), true,
            failure.afterEntered ? f.enteredId : f.enteredPrevious);
    // A Map whose items or iteration settings fail to evaluate ends there; its Output and Assign
    // are evaluated after MapStateSucceeded.
    bool afterRun =
        failure.location && (failure.location->starts_with("Output") || failure.location->starts_with("Assign"));
    if (f.state->type == StateType::kMap && !afterRun) emitRaw(f, "MapStateFailed", "", {});
  }

  void executeJsonata(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    JsonataScope scope{f, ctx, f.input};
    switch (s.type) {
      case StateType::kPass:
        return finishJsonata(f, scope, s.jsonataOutput, s.jsonataAssign, f.input, nextOf(s));
      case StateType::kSucceed:
        return finishJsonata(f, scope, s.jsonataOutput, s.jsonataAssign, f.input, nullptr);
      case StateType::kFail: {
        std::optional<std::string> fields[2] = {s.error, s.cause};
        const char* names[2] = {"Error", "Cause"};
        for (int i = 0; i < 2; ++i) {
          if (!fields[i] || !isExpression(Json(*fields[i]))) continue;
          auto v = evalExpression(*fields[i], names[i], scope);
          if (!v) return failState(f, v.error());
          fields[i] = v->is_string() ? std::string(v->get_string()) : toJsonText(*v);
        }
        return finishFrame(f, Json(), Failure{fields[0].value_or(""), fields[1]});
      }
      case StateType::kChoice:
        for (const auto& rule : s.choices) {
          bool matched = rule.condition.is_bool() && rule.condition.get_bool();
          if (rule.condition.is_string()) {
            auto v = evalExpression(rule.condition.get_string(), "Condition", scope);
            if (!v) return failState(f, v.error());
            if (!v->is_bool())
              return failState(f, unexpectedType(f, rule.condition.get_string(), "Condition", "boolean", *v));
            matched = v->get_bool();
          }
          if (matched) return finishJsonata(f, scope, rule.jsonataOutput, rule.jsonataAssign, f.input, rule.nextState);
        }
        if (s.defaultNext.empty()) return failState(f, Failure{"States.NoChoiceMatched", "No Matches!"});
        return finishJsonata(f, scope, s.jsonataOutput, s.jsonataAssign, f.input, s.defaultState);
      case StateType::kWait:
        return executeWaitJsonata(f, scope);
      case StateType::kTask:
        return executeTask(f, ctx);
      case StateType::kParallel:
        return executeParallel(f, ctx);
      case StateType::kMap:
        return executeMap(f, ctx);
    }
  }

  void executeWaitJsonata(Frame& f, JsonataScope& scope) {
    const State& s = *f.state;
    std::chrono::system_clock::time_point fireAt = clock_.now();
    if (s.seconds) {
      Json v = *s.seconds;
      if (isExpression(v)) {
        auto r = evalExpression(s.seconds->get_string(), "Seconds", scope);
        if (!r) return failState(f, r.error());
        double d = 0;
        if (!asDouble(*r, d) || std::trunc(d) != d || d < 0)
          return failState(f, unexpectedType(f, s.seconds->get_string(), "Seconds", "non-negative integer", *r));
        v = *r;
      }
      double d = 0;
      asDouble(v, d);
      fireAt += std::chrono::seconds(static_cast<int64_t>(d));
    } else if (s.timestamp) {
      Json v(*s.timestamp);
      if (isExpression(v)) {
        auto r = evalExpression(*s.timestamp, "Timestamp", scope);
        if (!r) return failState(f, r.error());
        v = std::move(*r);
      }
      auto t = parseStrictIso8601(v);
      if (!t) {
        Failure failure = queryFailure(f,
                                       fmt::format("The Timestamp field cannot be parsed as an ISO-8601 extended "
                                                   "offset date-time format string: {}",
                                                   v.is_string() ? std::string(v.get_string()) : toJsonText(v)),
                                       "Timestamp");
        failure.afterEntered = true;
        return failState(f, std::move(failure));
      }
      fireAt = *t;
    }
    startWaitTimer(f, f.input, fireAt);
  }

  void execute(Frame& f) {
    const State& s = *f.state;
    StateContext ctx(*this, f);
    if (s.queryLanguage == QueryLanguage::kJsonata) return executeJsonata(f, ctx);
    switch (s.type) {
      case StateType::kPass: {
        // The state's input is needed only as its effective input here: a Pass has no Retry or
        // Catch to see it again, so it is moved along rather than copied.
        bool passThrough = inputPassesThrough(s);
        if (passThrough && s.result) return complete(f, *s.result, false);
        if (passThrough && replacesInput(s.resultPath)) return complete(f, std::move(f.input), false);
        auto eff = effectiveInput(f, ctx);
        if (!eff) return failState(f, eff.error());
        complete(f, s.result ? *s.result : std::move(*eff), false);
        return;
      }
      case StateType::kSucceed: {
        auto in = inputPassesThrough(s) ? Result<Json>(std::move(f.input)) : selectPath(s.inputPath, f.input, f, ctx);
        if (!in) return failState(f, runtimeError(f, in.error()));
        auto out = selectPath(s.outputPath, std::move(*in), f, ctx);
        if (!out) return failState(f, runtimeError(f, out.error()));
        leave(f, std::move(*out), nullptr, nullptr);
        return;
      }
      case StateType::kFail:
        executeFail(f, ctx);
        return;
      case StateType::kChoice:
        executeChoice(f, ctx);
        return;
      case StateType::kWait:
        executeWait(f, ctx);
        return;
      case StateType::kTask:
        executeTask(f, ctx);
        return;
      case StateType::kParallel:
        executeParallel(f, ctx);
        return;
      case StateType::kMap:
        executeMap(f, ctx);
        return;
    }
  }

  Result<std::optional<std::string>> failField(const Frame& f, const std::optional<std::string>& literal,
                                               const std::optional<ValueSource>& source, std::string_view field,
                                               const StateContext& ctx) const {
    if (literal) return literal;
    if (!source) return std::optional<std::string>();
    EvalScope scope{&f.input, nullptr, &f.variables, &ids_, &ctx};
    Result<Json> v = source->call ? source->call->evaluate(scope) : resolvePath(*source->path, scope);
    if (!v) {
      if (source->call) return std::unexpected(v.error());
      return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                  fmt::format("The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                              source->path->text(), field, toJsonText(f.input)));
    }
    return std::optional<std::string>(v->is_string() ? std::string(v->get_string()) : toJsonText(*v));
  }

  void executeFail(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    auto error = failField(f, s.error, s.errorPath, "ErrorPath", ctx);
    if (!error) return finishFrame(f, Json(), runtimeError(f, error.error()));
    auto cause = failField(f, s.cause, s.causePath, "CausePath", ctx);
    if (!cause) return finishFrame(f, Json(), runtimeError(f, cause.error()));
    finishFrame(f, Json(), Failure{error->value_or(""), *cause});
  }

  void executeChoice(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    auto in = selectPath(s.inputPath, f.input, f, ctx);
    if (!in) return failState(f, runtimeError(f, in.error()));
    EvalScope scope{&*in, nullptr, &f.variables, &ids_, &ctx};
    for (const auto& rule : s.choices) {
      auto m = evaluateChoiceRule(rule, scope);
      if (!m) return failState(f, runtimeError(f, m.error()));
      if (*m) {
        auto assigned = evaluateAssign(rule.assign, *in, f, ctx);
        if (!assigned) return failState(f, runtimeError(f, assigned.error()));
        auto out = selectPath(s.outputPath, std::move(*in), f, ctx);
        if (!out) return failState(f, runtimeError(f, out.error()));
        return leave(f, std::move(*out), rule.nextState, &*assigned);
      }
    }
    if (s.defaultNext.empty()) return failState(f, Failure{"States.NoChoiceMatched", "No Matches!"});
    auto assigned = evaluateAssign(s.assign, *in, f, ctx);
    if (!assigned) return failState(f, runtimeError(f, assigned.error()));
    auto out = selectPath(s.outputPath, std::move(*in), f, ctx);
    if (!out) return failState(f, runtimeError(f, out.error()));
    leave(f, std::move(*out), s.defaultState, &*assigned);
  }

  void executeWait(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    auto in = selectPath(s.inputPath, f.input, f, ctx);
    if (!in) return failState(f, runtimeError(f, in.error()));
    EvalScope scope{&*in, nullptr, &f.variables, &ids_, &ctx};
    std::chrono::system_clock::time_point fireAt = clock_.now();
    if (s.seconds) {
      double d = 0;
      asDouble(*s.seconds, d);
      fireAt += std::chrono::seconds(static_cast<int64_t>(d));
    } else if (s.timestamp) {
      auto t = parseIso8601(*s.timestamp);
      if (!t)
        return failState(
            f, Failure{"States.Runtime", runtimeCause(f, "The Timestamp field is not a valid ISO-8601 date-time")});
      fireAt = *t;
    } else if (s.secondsPath) {
      auto v = resolvePath(*s.secondsPath, scope);
      const std::string& p = s.secondsPath->text();
      if (!v)
        return failState(
            f, Failure{
                   "States.Runtime",
                   runtimeCause(f, fmt::format("The SecondsPath parameter does not reference an input value: {}", p))});
      double d = 0;
      if (!asDouble(*v, d) || std::trunc(d) != d || v->is_double()) {
        return failState(
            f,
            Failure{"States.Runtime",
                    runtimeCause(f, fmt::format("The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                                                p, toJsonText(*v)))});
      }
      if (d < 0) {
        return failState(
            f, Failure{"States.Runtime",
                       runtimeCause(f, fmt::format("The SecondsPath parameter references a negative value: {} == {}", p,
                                                   toJsonText(*v)))});
      }
      fireAt += std::chrono::seconds(static_cast<int64_t>(d));
    } else if (s.timestampPath) {
      auto v = resolvePath(*s.timestampPath, scope);
      const std::string& p = s.timestampPath->text();
      if (!v)
        return failState(
            f, Failure{"States.Runtime",
                       runtimeCause(
                           f, fmt::format("The TimestampPath parameter does not reference an input value: {}", p))});
      auto t = parseStrictIso8601(*v);
      if (!t) {
        return failState(
            f,
            Failure{"States.Runtime",
                    runtimeCause(f, fmt::format("The TimestampPath parameter does not reference a valid ISO-8601 "
                                                "extended offset date-time format string: {} == {}",
                                                p, v->is_string() ? std::string(v->get_string()) : toJsonText(*v)))});
      }
      fireAt = *t;
    }
    startWaitTimer(f, std::move(*in), fireAt);
  }

  void startWaitTimer(Frame& f, Json effective, std::chrono::system_clock::time_point fireAt) {
    f.effective = std::move(effective);
    f.pendingId = fmt::format("wait-{}", f.enteredId > 0 ? f.enteredId : nextTimer_++);
    if (f.silent) f.pendingId += fmt::format("-{}", nextTimer_++);
    f.waiting = Waiting::kTimer;
    commands_.push_back({.kind = Command::Kind::kStartTimer, .task = {}, .id = f.pendingId, .fireAt = fireAt});
  }

  void executeTask(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    TaskRequest req = describeResource(s.resource);
    // Callback and .sync integrations (and activities) get a token: $$.Task.Token is defined for them.
    bool needsToken = req.action.ends_with(".waitForTaskToken") || req.action.ends_with(".sync") ||
                      req.action.ends_with(".sync:2") || req.family == ResourceFamily::kActivity;
    if (needsToken) {
      req.taskToken = ids_.uuid();
      f.task.taskToken = req.taskToken;
    }
    auto eff = effectiveInput(f, ctx);  // built lazily, so $$.Task.Token shows the token
    if (!eff) return failState(f, eff.error());
    EvalScope scope{&f.input, nullptr, &f.variables, &ids_, &ctx};
    req.timeoutSeconds = s.timeoutSeconds;
    req.heartbeatSeconds = s.heartbeatSeconds;
    JsonataScope jscope{f, ctx, f.input};
    for (auto [field, target] :
         {std::pair{"TimeoutSeconds", &req.timeoutSeconds}, {"HeartbeatSeconds", &req.heartbeatSeconds}}) {
      auto v = jsonataNumber(field, 1, true, jscope);
      if (!v) return failState(f, v.error());
      if (*v) *target = static_cast<int64_t>(**v);
    }
    if (s.jsonataCredentials) {
      auto c = evalField(*s.jsonataCredentials, "Credentials", jscope);
      if (!c) return failState(f, c.error());
      const Json* role = c->is_object() ? c->get_object().if_contains("RoleArn") : nullptr;
      if (!role || !role->is_string())
        return failState(
            f, Failure{"States.Runtime", runtimeCause(f, "The Credentials field must hold a RoleArn string")});
      req.roleArn = std::string(role->get_string());
    }
    for (auto [p, target] :
         {std::pair{&s.timeoutSecondsPath, &req.timeoutSeconds}, {&s.heartbeatSecondsPath, &req.heartbeatSeconds}}) {
      if (!*p) continue;
      auto v = resolvePath(**p, scope);
      if (!v)
        return failState(f, Failure{"States.Runtime", runtimeCause(f, fmt::format("Invalid path '{}' : {}",
                                                                                  (*p)->text(), v.error().message))});
      double d = 0;
      if (!asDouble(*v, d) || d <= 0 || std::trunc(d) != d) {
        return failState(
            f, Failure{"States.Runtime", runtimeCause(f, fmt::format("The value of '{}' must be a positive integer: {}",
                                                                     (*p)->text(), toJsonText(*v)))});
      }
      *target = static_cast<int64_t>(d);
    }
    if (req.family == ResourceFamily::kService && !req.action.ends_with(".sync") && !req.action.ends_with(".sync:2") &&
        !req.action.ends_with(".waitForTaskToken") && !req.timeoutSeconds) {
      req.timeoutSeconds = std::nullopt;
    }
    if (s.credentials) {
      auto c = s.credentials->evaluate(scope);
      if (!c) return failState(f, runtimeError(f, c.error()));
      const Json* role = c->is_object() ? c->get_object().if_contains("RoleArn") : nullptr;
      if (!role || !role->is_string())
        return failState(
            f, Failure{"States.Runtime", runtimeCause(f, "The Credentials field must hold a RoleArn string")});
      req.roleArn = std::string(role->get_string());
    }
    req.parameters = std::move(*eff);
    f.effective = req.parameters;
    scheduleTask(f, std::move(req));
  }

  void scheduleTask(Frame& f, TaskRequest req) {
    boost::json::object d;
    std::string type;
    if (req.family == ResourceFamily::kService) {
      d["resourceType"] = req.resourceType;
      d["resource"] = req.action;
      d["region"] = info_.region;
      d["parameters"] = toJsonText(req.parameters);
      if (req.timeoutSeconds) d["timeoutInSeconds"] = *req.timeoutSeconds;
      if (req.heartbeatSeconds) d["heartbeatInSeconds"] = *req.heartbeatSeconds;
      if (req.roleArn) d["taskCredentials"] = boost::json::object({{"roleArn", *req.roleArn}});
    } else {
      d["resource"] = req.resource;
      d["input"] = toJsonText(req.parameters);
      d["inputDetails"] = truncated();
      if (req.timeoutSeconds) d["timeoutInSeconds"] = *req.timeoutSeconds;
      if (req.heartbeatSeconds && req.family == ResourceFamily::kActivity)
        d["heartbeatInSeconds"] = *req.heartbeatSeconds;
    }
    const TaskEventNames& names = taskEventNames(req.family, TaskPhase::kScheduled);
    int64_t id = emitRaw(f, names.type, names.key, std::move(d));
    req.taskId = fmt::format("task-{}-{}", id, nextTimer_++);
    f.pendingId = req.taskId;
    f.waiting = Waiting::kTask;
    f.task = req;
    if (req.timeoutSeconds) {
      f.timeoutTimerId = req.taskId + "-timeout";
      commands_.push_back({.kind = Command::Kind::kStartTimer,
                           .task = {},
                           .id = f.timeoutTimerId,
                           .fireAt = clock_.now() + std::chrono::seconds(*req.timeoutSeconds)});
    } else {
      f.timeoutTimerId.clear();
    }
    armHeartbeat(f);
    commands_.push_back({.kind = Command::Kind::kScheduleTask, .task = std::move(req), .id = {}, .fireAt = {}});
  }

  boost::json::object taskDetails(const Frame& f) const {
    boost::json::object d;
    if (f.task.family == ResourceFamily::kService) {
      d["resourceType"] = f.task.resourceType;
      d["resource"] = f.task.action;
    }
    return d;
  }

  // Emits the task event of `phase` for the frame's task.
  void emitTask(Frame& f, TaskPhase phase, boost::json::object details, bool withKey = true) {
    const TaskEventNames& names = taskEventNames(f.task.family, phase);
    emitRaw(f, names.type, withKey ? names.key : std::string_view(), std::move(details));
  }

  void taskStarted(Frame& f, const StepInput& in) {
    boost::json::object d = taskDetails(f);
    if (f.task.family == ResourceFamily::kActivity) d["workerName"] = in.workerName;
    bool empty = d.empty();
    emitTask(f, TaskPhase::kStarted, std::move(d), !empty);
    armHeartbeat(f);
  }

  void taskSubmitted(Frame& f, const StepInput& in) {
    boost::json::object d = taskDetails(f);
    d["output"] = toJsonText(in.output);
    d["outputDetails"] = truncated();
    emitRaw(f, "TaskSubmitted", "taskSubmittedEventDetails", std::move(d));
  }

  void clearTask(Frame& f) {
    f.waiting = Waiting::kNone;
    f.pendingId.clear();
    f.timeoutTimerId.clear();
    f.heartbeatTimerId.clear();
  }

  // (Re)arms the heartbeat timer of the frame's task. Each arming gets a new id, so a timer that
  // was superseded by a later heartbeat is ignored when it fires.
  void armHeartbeat(Frame& f) {
    if (!f.task.heartbeatSeconds) return;
    f.heartbeatTimerId = fmt::format("{}-heartbeat-{}", f.pendingId, nextTimer_++);
    commands_.push_back({.kind = Command::Kind::kStartTimer,
                         .task = {},
                         .id = f.heartbeatTimerId,
                         .fireAt = clock_.now() + std::chrono::seconds(*f.task.heartbeatSeconds)});
  }

  void taskSucceeded(Frame& f, const Json& output) {
    boost::json::object d = taskDetails(f);
    d["output"] = toJsonText(output);
    d["outputDetails"] = truncated();
    emitTask(f, TaskPhase::kSucceeded, std::move(d));
    clearTask(f);
    if (toJsonText(output).size() > kMaxPayloadBytes) {
      failState(f, Failure{"States.DataLimitExceeded",
                           fmt::format("The state/task '{}' returned a result with a size exceeding the maximum number "
                                       "of bytes service limit.",
                                       f.state->name)});
    } else {
      complete(f, output, true);
    }
    resume(f);
  }

  void taskFailed(Frame& f, const std::string& error, const std::optional<std::string>& cause) {
    boost::json::object d = taskDetails(f);
    if (!error.empty()) d["error"] = error;
    if (cause) d["cause"] = *cause;
    emitTask(f, TaskPhase::kFailed, std::move(d));
    clearTask(f);
    failState(f, Failure{.error = error, .cause = cause, .missing = Failure::Missing::kNull});
    resume(f);
  }

  void timerFired(Frame& f, const std::string& id) {
    if (f.waiting == Waiting::kTask && (id == f.timeoutTimerId || id == f.heartbeatTimerId)) {
      boost::json::object d = taskDetails(f);
      d["error"] = "States.Timeout";
      emitTask(f, TaskPhase::kTimedOut, std::move(d));
      commands_.push_back({.kind = Command::Kind::kCancelTask, .task = {}, .id = f.pendingId, .fireAt = {}});
      bool heartbeat = id == f.heartbeatTimerId;
      clearTask(f);
      failState(f, Failure{.error = "States.Timeout",
                           .cause = std::nullopt,
                           .missing = Failure::Missing::kEmptyCause,
                           .heartbeat = heartbeat});
    } else if (f.waiting == Waiting::kTimer && f.state->queryLanguage == QueryLanguage::kJsonata) {
      clearTask(f);
      StateContext ctx(*this, f);
      JsonataScope scope{f, ctx, f.input};
      finishJsonata(f, scope, f.state->jsonataOutput, f.state->jsonataAssign, f.input, nextOf(*f.state));
    } else if (f.waiting == Waiting::kTimer) {
      clearTask(f);
      StateContext ctx(*this, f);
      auto out = selectPath(f.state->outputPath, f.effective, f, ctx);
      if (!out) {
        failState(f, runtimeError(f, out.error()));
      } else {
        auto assigned = evaluateAssign(f.state->assign, f.effective, f, ctx);
        if (!assigned)
          failState(f, runtimeError(f, assigned.error()));
        else
          leave(f, std::move(*out), nextOf(*f.state), &*assigned);
      }
    } else if (f.waiting == Waiting::kRetry) {
      clearTask(f);
      f.retrying = true;
      execute(f);
    } else {
      return;
    }
    resume(f);
  }

  // Continues a frame after an outside event, then its ancestors if it finished.
  void resume(Frame& f) { run(f); }

  // Error handling of the current state: Retry, then Catch, else the frame fails.
  void failState(Frame& f, std::optional<Failure> failure) {
    const State& s = *f.state;
    reportEvaluationFailure(f, *failure);
    const Failure& fl = *failure;
    for (size_t i = 0; i < s.retry.size(); ++i) {
      const Retrier& r = s.retry[i];
      if (!errorMatches(r.errorEquals, fl)) continue;
      if (f.retryAttempts[i] >= r.maxAttempts) break;
      double delay = r.intervalSeconds * std::pow(r.backoffRate, static_cast<double>(f.retryAttempts[i]));
      if (r.maxDelaySeconds) delay = std::min(delay, static_cast<double>(*r.maxDelaySeconds));
      if (r.fullJitter) delay = delay * static_cast<double>(std::stoul(ids_.hex(2), nullptr, 16)) / 65535.0;
      ++f.retryAttempts[i];
      ++f.retryCount;
      f.waiting = Waiting::kRetry;
      f.pendingId = fmt::format("retry-{}-{}", f.enteredId, nextTimer_++);
      commands_.push_back({.kind = Command::Kind::kStartTimer,
                           .task = {},
                           .id = f.pendingId,
                           .fireAt = clock_.now() + std::chrono::milliseconds(static_cast<int64_t>(delay * 1000))});
      return;
    }
    for (const auto& c : s.catches) {
      if (!errorMatches(c.errorEquals, fl)) continue;
      boost::json::object errorOutput;
      if (fl.error.empty())
        errorOutput["Error"] = nullptr;
      else
        errorOutput["Error"] = fl.error;
      if (fl.cause)
        errorOutput["Cause"] = *fl.cause;
      else if (fl.missing == Failure::Missing::kNull)
        errorOutput["Cause"] = nullptr;
      else if (fl.missing == Failure::Missing::kEmptyCause)
        errorOutput["Cause"] = "";
      StateContext ctx(*this, f);
      if (s.queryLanguage == QueryLanguage::kJsonata) {
        Json errorJson(std::move(errorOutput));
        JsonataScope scope{f, ctx, f.input, nullptr, &errorJson};
        auto r = jsonataOutputs(scope, c.jsonataOutput, c.jsonataAssign, errorJson);
        if (!r) {
          Failure bad = r.error();
          reportEvaluationFailure(f, bad);
          return finishFrame(f, Json(), bad);
        }
        return leave(f, std::move(r->second), c.nextState, &r->first);
      }
      auto assigned = evaluateAssign(c.assign, Json(errorOutput), f, ctx);
      if (!assigned) return finishFrame(f, Json(), runtimeError(f, assigned.error()));
      Json out(std::move(errorOutput));
      auto merged = applyResultPath(c.resultPath, f.input, out);
      if (!merged) return finishFrame(f, Json(), runtimeError(f, merged.error()));
      return leave(f, std::move(out), c.nextState, &*assigned);
    }
    // AWS reports a Task that fails a Parallel branch as aborted (the branch is torn down with it).
    if (s.type == StateType::kTask && f.parent && f.parent->state && f.parent->state->type == StateType::kParallel)
      emitRaw(f, "TaskStateAborted", "", {}, false);
    finishFrame(f, Json(), fl);
  }

  bool willRetry(const Frame& f, const Failure& failure) const {
    for (size_t i = 0; i < f.state->retry.size(); ++i) {
      if (errorMatches(f.state->retry[i].errorEquals, failure))
        return f.retryAttempts[i] < f.state->retry[i].maxAttempts;
    }
    return false;
  }

  // `outputLiteral` is the output's JSON text as a string literal, when the caller already has it.
  void finishFrame(Frame& f, Json output, std::optional<Failure> failure,
                   std::optional<std::string_view> outputLiteral = std::nullopt) {
    f.failedState = failure ? f.state : nullptr;
    f.state = nullptr;
    f.waiting = Waiting::kDone;
    f.failure = std::move(failure);
    f.succeeded = !f.failure;
    f.output = std::move(output);
    if (!f.parent) {
      if (f.succeeded) {
        std::string_view literal = outputLiteral ? *outputLiteral : payloadLiteral(f.output);
        emitStored(f, "ExecutionSucceeded", "executionSucceededEventDetails",
                   eventText_.concat(R"({"output":)", literal, R"(,"outputDetails":{"truncated":false}})"));
        status_ = ExecutionStatus::kSucceeded;
        output_ = std::move(f.output);
      } else {
        boost::json::object d;
        if (!f.failure->error.empty()) d["error"] = f.failure->error;
        if (f.failure->cause) d["cause"] = *f.failure->cause;
        emitRaw(f, "ExecutionFailed", "executionFailedEventDetails", std::move(d));
        status_ = ExecutionStatus::kFailed;
        if (!f.failure->error.empty()) error_ = f.failure->error;
        cause_ = f.failure->cause;
      }
      return;
    }
    childFinished(*f.parent, f);
  }

  void stopExecution(ExecutionStatus status, std::string_view type, std::optional<std::string> error,
                     std::optional<std::string> cause) {
    boost::json::object d;
    if (error) d["error"] = *error;
    if (cause) d["cause"] = *cause;
    std::string_view key =
        type == "ExecutionAborted" ? "executionAbortedEventDetails" : "executionTimedOutEventDetails";
    emitRaw(*root_, type, key, std::move(d));
    status_ = status;
    error_ = error;
    cause_ = cause;
  }

  Frame* findWaiting(Frame& f, const std::string& id) {
    if ((f.waiting == Waiting::kTask || f.waiting == Waiting::kTimer || f.waiting == Waiting::kRetry) &&
        (f.pendingId == id || (!f.timeoutTimerId.empty() && f.timeoutTimerId == id) ||
         (!f.heartbeatTimerId.empty() && f.heartbeatTimerId == id))) {
      return &f;
    }
    for (auto& c : f.children) {
      if (Frame* r = findWaiting(*c, id)) return r;
    }
    return nullptr;
  }

  // --- Parallel and Map ---------------------------------------------------------------

  std::unique_ptr<Frame> makeChild(Frame& parent, const StateMachine* machine, size_t index, Json input) {
    auto child = std::make_unique<Frame>();
    child->parent = &parent;
    child->machine = machine;
    child->index = index;
    child->silent = parent.silent || (parent.state->type == StateType::kMap && parent.state->distributed);
    child->cursor = parent.cursor;
    child->variables = parent.variables;
    child->input = std::move(input);
    return child;
  }

  void executeParallel(Frame& f, const StateContext& ctx) {
    auto eff = effectiveInput(f, ctx);
    if (!eff) return failState(f, eff.error());
    emitRaw(f, "ParallelStateStarted", "", {});
    f.children.clear();
    f.results = boost::json::array(f.state->branches.size());
    f.finished = 0;
    f.childFailure.reset();
    f.waiting = Waiting::kChildren;
    for (size_t i = 0; i < f.state->branches.size(); ++i) {
      f.children.push_back(makeChild(f, f.state->branches[i].get(), i, *eff));
    }
    if (std::exchange(f.redriving, false)) reuseLastAttempt(f);
    f.launching = true;
    for (auto& c : f.children) {
      if (f.childFailure) break;
      Frame& child = *c;
      if (child.succeeded) continue;
      if (child.state || child.failedState) {
        child.cursor = f.cursor;
        redriveFrame(child);
      } else {
        enter(child, child.machine->start, std::move(child.input));
      }
      run(child);
    }
    f.launching = false;
    maybeFinishChildren(f);
  }

  Result<int64_t> intFromPath(Frame& f, const std::optional<JsonPath>& p, std::string_view field,
                              const EvalScope& scope) {
    auto v = resolvePath(*p, scope);
    double d = 0;
    if (!v || !numberOrNumericText(*v, d) || std::trunc(d) != d) {
      std::string shown = v ? (v->is_string() ? std::string(v->get_string()) : toJsonText(*v)) : "null";
      return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                  fmt::format("The {}Path field refers to value \"{}\" which is not a valid integer: {}", field, shown,
                              p->text()));
    }
    return static_cast<int64_t>(d);
  }

  // The items of a JSONata Map: its Items field, or else its input.
  Evaluated jsonataItems(Frame& f, JsonataScope& scope) {
    const State& s = *f.state;
    if (!s.jsonataItems) {
      if (f.input.is_array()) return f.input;
      return std::unexpected(
          queryFailure(f, fmt::format("Map state input must be an array but was: {}", toJsonText(f.input)), {}));
    }
    auto items = evalField(*s.jsonataItems, "Items", scope);
    if (items && !items->is_array()) {
      if (isExpression(*s.jsonataItems))
        return std::unexpected(unexpectedType(f, s.jsonataItems->get_string(), "Items", "array", *items));
      return std::unexpected(queryFailure(f, "The field 'Items' must be an array", "Items"));
    }
    return items;
  }

  void executeMap(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    bool jsonata = s.queryLanguage == QueryLanguage::kJsonata;
    auto eff = selectPath(s.inputPath, f.input, f, ctx);
    if (!eff) return failState(f, runtimeError(f, eff.error()));
    EvalScope scope{&*eff, nullptr, &f.variables, &ids_, &ctx};
    JsonataScope jscope{f, ctx, f.input};
    Json items = *eff;
    if (s.itemReader) return startItemReader(f, scope);
    if (jsonata) {
      auto v = jsonataItems(f, jscope);
      if (!v) return failState(f, v.error());
      items = std::move(*v);
    } else if (s.itemsPath) {
      auto v = resolvePath(*s.itemsPath, scope);
      if (!v)
        return failState(
            f, Failure{"States.Runtime",
                       runtimeCause(f, fmt::format("Invalid path '{}' : {}", s.itemsPath->text(), v.error().message))});
      items = std::move(*v);
    }
    if (!items.is_array()) {
      return failState(f, Failure{"States.Runtime",
                                  runtimeCause(f, fmt::format("Item must be an array, got '{}'", toJsonText(items)))});
    }
    f.items = std::move(items.get_array());
    f.maxConcurrency = s.maxConcurrency.value_or(0);
    f.toleratedCount = s.toleratedFailureCount.value_or(0);
    f.toleratedPercentage = s.toleratedFailurePercentage.value_or(0);
    for (auto [field, integer, target] :
         {std::tuple{"MaxConcurrency", true, &f.maxConcurrency}, {"ToleratedFailureCount", true, &f.toleratedCount}}) {
      auto v = jsonataNumber(field, 0, integer, jscope);
      if (!v) return failState(f, v.error());
      if (*v) *target = static_cast<int64_t>(**v);
    }
    auto pct = jsonataNumber("ToleratedFailurePercentage", 0, false, jscope);
    if (!pct) return failState(f, pct.error());
    if (*pct) f.toleratedPercentage = **pct;
    if (s.maxConcurrencyPath) {
      auto v = intFromPath(f, s.maxConcurrencyPath, "MaxConcurrency", scope);
      if (!v) return failState(f, runtimeError(f, v.error()));
      f.maxConcurrency = *v;
    }
    boost::json::object started;
    started["length"] = static_cast<int64_t>(f.items.size());
    emitRaw(f, "MapStateStarted", "mapStateStartedEventDetails", std::move(started));
    if (s.toleratedFailureCountPath) {
      auto v = intFromPath(f, s.toleratedFailureCountPath, "ToleratedFailureCount", scope);
      if (!v) return failState(f, runtimeError(f, v.error()));
      if (*v < 0)
        return failState(f, Failure{"States.Runtime", runtimeCause(f, "ToleratedFailureCount cannot be negative.")});
      f.toleratedCount = *v;
    }
    if (s.toleratedFailurePercentagePath) {
      auto v = resolvePath(*s.toleratedFailurePercentagePath, scope);
      double d = 0;
      if (!v || !numberOrNumericText(*v, d)) {
        std::string shown = v ? (v->is_string() ? std::string(v->get_string()) : toJsonText(*v)) : "null";
        return failState(f, Failure{"States.Runtime",
                                    runtimeCause(f, fmt::format("The ToleratedFailurePercentagePath field refers to "
                                                                "value \"{}\" which is not a valid float: {}",
                                                                shown, s.toleratedFailurePercentagePath->text()))});
      }
      if (d < 0 || d > 100)
        return failState(
            f, Failure{"States.Runtime", runtimeCause(f, "ToleratedFailurePercentage must be between 0 and 100.")});
      f.toleratedPercentage = d;
    }
    if (s.distributed) {
      boost::json::object run;
      run["mapRunArn"] = fmt::format("{}/{}:{}", mapRunPrefix(), s.name, ids_.uuid());
      emitRaw(f, "MapRunStarted", "mapRunStartedEventDetails", std::move(run));
    }
    f.effective = std::move(*eff);
    f.children.clear();
    f.results = boost::json::array(f.items.size());
    f.nextChild = f.running = f.finished = f.failures = 0;
    f.childFailure.reset();
    f.completionId = f.cursor;
    f.waiting = Waiting::kChildren;
    if (std::exchange(f.redriving, false)) reuseLastAttempt(f);
    launchIterations(f);
  }

  // A distributed Map reading its items with an ItemReader: the reader configuration is checked as
  // AWS does (before and after MapRunStarted). Reading the items (S3) needs the engine and is not
  // supported yet, so a valid configuration is then rejected with States.Runtime.
  void startItemReader(Frame& f, const EvalScope& scope) {
    const State& s = *f.state;
    emitRaw(f, "MapStateStarted", "mapStateStartedEventDetails", boost::json::object({{"length", 0}}));
    std::optional<int64_t> maxItems = s.readerMaxItems;
    if (s.readerMaxItemsPath) {
      auto v = intFromPath(f, s.readerMaxItemsPath, "MaxItems", scope);
      if (!v) return failState(f, runtimeError(f, v.error()));
      maxItems = *v;
    }
    boost::json::object run;
    run["mapRunArn"] = fmt::format("{}/{}:{}", mapRunPrefix(), s.name, ids_.uuid());
    emitRaw(f, "MapRunStarted", "mapRunStartedEventDetails", std::move(run));
    std::optional<std::string> invalid;
    if (maxItems && *maxItems < 0) invalid = "field MaxItems must be positive";
    std::set<std::string_view> headers(s.readerCsvHeaders.begin(), s.readerCsvHeaders.end());
    if (headers.size() != s.readerCsvHeaders.size()) invalid = "CSV headers cannot contain duplicates.";
    if (!invalid) {
      return failState(f, Failure{"States.Runtime", runtimeCause(f, "Map ItemReader is not supported yet.")});
    }
    emitRaw(f, "MapRunFailed", "mapRunFailedEventDetails",
            boost::json::object({{"error", "States.ItemReaderFailed"}, {"cause", *invalid}}));
    emitRaw(f, "MapStateFailed", "", {});
    failState(f, Failure{"States.ItemReaderFailed", *invalid});
  }

  std::string mapRunPrefix() const {
    std::string arn = info_.stateMachineArn;
    size_t pos = arn.find(":stateMachine:");
    if (pos != std::string::npos) arn.replace(pos, 14, ":mapRun:");
    return arn;
  }

  // ItemSelector: the input of one iteration, from the Map's effective input and $$.Map.Item.
  Evaluated selectItem(Frame& f, const StateContext& ctx) {
    const State& s = *f.state;
    if (s.queryLanguage == QueryLanguage::kJsonata) {
      JsonataScope scope{f, ctx, f.effective};
      return evalField(*s.jsonataArguments, "ItemSelector", scope);
    }
    EvalScope scope{&f.effective, nullptr, &f.variables, &ids_, &ctx};
    auto v = s.itemSelector->evaluate(scope);
    if (!v) return std::unexpected(*runtimeError(f, v.error()));
    return std::move(*v);
  }

  void launchIterations(Frame& f) {
    if (f.launching) return;
    f.launching = true;
    const State& s = *f.state;
    while (!f.childFailure && (!f.redriveQueue.empty() || f.nextChild < f.items.size()) &&
           (f.maxConcurrency == 0 || f.running < static_cast<size_t>(f.maxConcurrency)) &&
           status_ == ExecutionStatus::kRunning) {
      if (!f.redriveQueue.empty()) {
        relaunchIteration(f);
        continue;
      }
      size_t i = f.nextChild++;
      StateContext ctx(*this, f, i);
      Json item = f.items[i];
      if (s.itemSelector || (s.queryLanguage == QueryLanguage::kJsonata && s.jsonataArguments)) {
        auto v = selectItem(f, ctx);
        if (!v) {
          f.launching = false;
          f.childFailure = v.error();
          f.waiting = Waiting::kNone;
          failState(f, f.childFailure);
          f.childFailure.reset();
          run(f);
          return;
        }
        item = std::move(*v);
      }
      auto child = makeChild(f, s.processor.get(), i, std::move(item));
      child->mapItemIndex = static_cast<int64_t>(i);
      child->mapItemValue = f.items[i];
      if (!s.distributed) child->cursor = iterationStarted(f, i);
      Frame& ref = *child;
      f.children.push_back(std::move(child));
      ++f.running;
      enter(ref, ref.machine->start, std::move(ref.input));
      run(ref);
    }
    f.launching = false;
    maybeFinishChildren(f);
  }

  // MapIterationStarted of an inline Map's item: the iteration's events follow it.
  int64_t iterationStarted(Frame& f, size_t index) {
    return emitIteration(f, "MapIterationStarted", "mapIterationStartedEventDetails", index);
  }

  // A MapIteration* event of the Map state of `f`; its details are {"index":N,"name":"<Map>"}.
  int64_t emitIteration(Frame& f, std::string_view type, std::string_view key, size_t index,
                        std::optional<int64_t> previous = std::nullopt) {
    if (f.silent) return f.cursor;
    fmt::format_int text(index);
    return emitStored(f, type, key,
                      eventText_.concat(R"({"index":)", std::string_view(text.data(), text.size()), R"(,"name":)",
                                        f.state->nameJson, "}"),
                      false, previous);
  }

  // --- Redrive ------------------------------------------------------------------------

  void redrive() {
    status_ = ExecutionStatus::kRunning;
    output_ = nullptr;
    error_.reset();
    cause_.reset();
    ++redriveCount_;
    redriveTime_ = clock_.now();
    context_ = nullptr;  // rebuilt with the new RedriveCount and RedriveTime
    root_->cursor = static_cast<int64_t>(history_.size());
    emitRaw(*root_, "ExecutionRedriven", "executionRedrivenEventDetails",
            boost::json::object({{"redriveCount", redriveCount_}}));
    // The execution's TimeoutSeconds counts again from the redrive.
    if (definition_->timeoutSeconds) {
      executionTimerId_ = fmt::format("execution-timeout-{}", redriveCount_);
      commands_.push_back({.kind = Command::Kind::kStartTimer,
                           .task = {},
                           .id = executionTimerId_,
                           .fireAt = redriveTime_ + std::chrono::seconds(*definition_->timeoutSeconds)});
    }
    redriveFrame(*root_);
    run(*root_);
  }

  // Re-enters the state a frame failed in or was interrupted in, with that state's input; a
  // branch cut short before it began starts at its StartAt. A Map or Parallel state keeps the
  // iterations or branches of its last attempt, to rerun only those that did not succeed.
  void redriveFrame(Frame& f) {
    const State* s = f.state ? f.state : f.failedState;
    std::vector<std::unique_ptr<Frame>> last = f.lastChildren.empty() ? takeAttempt(f) : std::move(f.lastChildren);
    Json input = redriveInput(f);
    f.failedState = nullptr;
    f.failure.reset();
    f.succeeded = false;
    f.waiting = Waiting::kNone;
    enter(f, s ? s : f.machine->find(f.machine->startAt), std::move(input));
    f.lastChildren = std::move(last);
    f.redriving = !f.lastChildren.empty();
  }

  // A Pass or Succeed state moves its input along, so once one has run its input is taken back
  // from its StateEntered event.
  Json redriveInput(const Frame& f) const {
    if (!f.input.is_null() || f.silent || f.enteredId <= 0 || (!f.state && !f.failedState)) return f.input;
    boost::json::object details = history_[static_cast<size_t>(f.enteredId - 1)].detailsJson();
    const Json* text = details.if_contains("input");
    if (!text || !text->is_string()) return f.input;
    auto parsed = parseJsonText(text->get_string());
    return parsed ? std::move(*parsed) : f.input;
  }

  // The iterations or branches of a Map or Parallel's current attempt, launched or queued.
  static std::vector<std::unique_ptr<Frame>> takeAttempt(Frame& f) {
    std::vector<std::unique_ptr<Frame>> out = std::move(f.children);
    f.children.clear();
    for (auto& q : f.redriveQueue) out.push_back(std::move(q));
    f.redriveQueue.clear();
    return out;
  }

  // A redriven Map or Parallel: what succeeded in the last attempt keeps its result, the rest is
  // redriven (Map iterations through redriveQueue, Parallel branches in place). Every iteration
  // launched stays in the attempt, and they are launched in item order, so the attempt holds
  // exactly the first items.
  void reuseLastAttempt(Frame& f) {
    std::vector<std::unique_ptr<Frame>> last = std::move(f.lastChildren);
    f.lastChildren.clear();
    bool isMap = f.state->type == StateType::kMap;
    if (isMap) f.nextChild = std::min(last.size(), f.items.size());
    for (auto& c : last) {
      if (c->index >= f.results.size()) continue;
      if (c->succeeded) {
        f.results[c->index] = c->output;
        ++f.finished;
      }
      if (!isMap)
        f.children[c->index] = std::move(c);
      else if (c->succeeded)
        f.children.push_back(std::move(c));
      else
        f.redriveQueue.push_back(std::move(c));
    }
    std::ranges::sort(f.redriveQueue, std::greater{}, [](const auto& c) { return c->index; });
  }

  void relaunchIteration(Frame& f) {
    std::unique_ptr<Frame> child = std::move(f.redriveQueue.back());
    f.redriveQueue.pop_back();
    child->cursor = f.state->distributed ? f.cursor : iterationStarted(f, child->index);
    Frame& ref = *child;
    f.children.push_back(std::move(child));
    ++f.running;
    redriveFrame(ref);
    run(ref);
  }

  void childFinished(Frame& f, Frame& child) {
    if (f.waiting != Waiting::kChildren) return;
    ++f.finished;
    if (f.state->type == StateType::kParallel) {
      if (child.succeeded) {
        f.results[child.index] = child.output;
        f.completionId = std::max(f.completionId, child.cursor);
      } else if (!f.childFailure) {
        f.childFailure = child.failure;
        f.completionId = child.cursor;
      }
      if (!f.launching) maybeFinishChildren(f);
      return;
    }
    --f.running;
    if (child.succeeded) {
      f.results[child.index] = child.output;
      if (!f.state->distributed) {
        f.completionId =
            emitIteration(f, "MapIterationSucceeded", "mapIterationSucceededEventDetails", child.index, child.cursor);
        f.cursor = child.cursor;
      }
    } else {
      ++f.failures;
      if (!f.state->distributed) {
        emitIteration(f, "MapIterationFailed", "mapIterationFailedEventDetails", child.index, child.cursor);
        f.cursor = child.cursor;
      }
      double pct = f.items.empty() ? 0 : 100.0 * static_cast<double>(f.failures) / static_cast<double>(f.items.size());
      bool tolerated = (f.state->toleratedFailureCount || f.state->toleratedFailureCountPath ||
                        f.state->toleratedFailurePercentage || f.state->toleratedFailurePercentagePath) &&
                       (static_cast<int64_t>(f.failures) <= f.toleratedCount || pct <= f.toleratedPercentage);
      if (!tolerated && !f.childFailure) {
        f.childFailure = f.state->distributed ? Failure{"States.ExceedToleratedFailureThreshold",
                                                        "The specified tolerated failure threshold was exceeded"}
                                              : *child.failure;
        f.completionId = child.cursor;
      }
    }
    launchIterations(f);
  }

  void maybeFinishChildren(Frame& f) {
    if (f.waiting != Waiting::kChildren || f.launching) return;
    bool isMap = f.state->type == StateType::kMap;
    bool allDone = f.finished == (isMap ? f.items.size() : f.children.size());
    if (!f.childFailure && !allDone) return;
    if (f.childFailure) {
      size_t active = 0;
      for (auto& c : f.children) active += c->waiting != Waiting::kDone ? 1 : 0;
      for (auto& c : f.children) {
        if (c->waiting == Waiting::kTask) {
          commands_.push_back({.kind = Command::Kind::kCancelTask, .task = {}, .id = c->pendingId, .fireAt = {}});
        }
      }
      (void)active;
      std::vector<std::unique_ptr<Frame>> attempt = takeAttempt(f);
      f.waiting = Waiting::kNone;
      if (willRetry(f, *f.childFailure)) {
        f.cursor = f.completionId;
        Failure failure = *f.childFailure;
        f.childFailure.reset();
        failState(f, failure);
        run(f);
        return;
      }
      f.lastChildren = std::move(attempt);
      if (isMap && f.state->distributed) {
        boost::json::object d;
        d["error"] = f.childFailure->error;
        if (f.childFailure->cause) d["cause"] = *f.childFailure->cause;
        emitRaw(f, "MapRunFailed", "mapRunFailedEventDetails", std::move(d));
        f.completionId = f.cursor;
      }
      emitRaw(f, isMap ? "MapStateFailed" : "ParallelStateFailed", "", {}, true, f.completionId);
      Failure failure = *f.childFailure;
      f.childFailure.reset();
      failState(f, failure);
      run(f);
      return;
    }
    f.children.clear();
    f.waiting = Waiting::kNone;
    Json results(std::move(f.results));
    if (isMap && f.state->distributed) {
      emitRaw(f, "MapRunSucceeded", "", {});
      f.completionId = f.cursor;
    }
    if (!isMap) f.completionId = std::max(f.completionId, f.cursor);
    emitRaw(f, isMap ? "MapStateSucceeded" : "ParallelStateSucceeded", "", {}, false, f.completionId);
    f.cursor = f.completionId;
    complete(f, std::move(results), true);
    run(f);
  }

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

Execution::Execution(DefinitionPtr definition, ExecutionInfo info, const Clock& clock, IdGenerator& ids,
                     JsonataEvaluator* jsonata)
    : impl_(std::make_unique<Impl>(std::move(definition), std::move(info), clock, ids, jsonata)) {}
Execution::~Execution() = default;
StepResult Execution::start(const boost::json::value& input) { return impl_->start(input); }
StepResult Execution::step(const StepInput& input) { return impl_->step(input); }
ExecutionStatus Execution::status() const { return impl_->status_; }
const boost::json::value& Execution::output() const { return impl_->output_; }
const std::optional<std::string>& Execution::error() const { return impl_->error_; }
const std::optional<std::string>& Execution::cause() const { return impl_->cause_; }
const std::vector<HistoryEvent>& Execution::history() const { return impl_->history_; }

}  // namespace wharf::asl
