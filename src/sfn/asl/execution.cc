// The ASL stepper (see execution.h): starting and stepping an execution, the events and context
// object of its states, and the path every state takes (enter, effective input, complete, leave).
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/time_format.h"
#include "sfn/asl/choice_evaluator.h"
#include "sfn/asl/execution_impl.h"

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

namespace {

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

}  // namespace

StepResult Execution::Impl::start(const Json& input) {
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

StepResult Execution::Impl::step(const StepInput& in) {
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

StepResult Execution::Impl::flush() {
  StepResult out;
  out.events = std::span<const HistoryEvent>(history_).subspan(flushed_);
  flushed_ = history_.size();
  out.commands = std::move(commands_);
  commands_.clear();
  return out;
}

// Appends an event; `advance` moves the frame's cursor (the previousEventId of what follows).
int64_t Execution::Impl::emitRaw(Frame& f, std::string_view type, std::string_view key,
                                 const boost::json::object& details, bool advance, std::optional<int64_t> previous) {
  if (f.silent) return f.cursor;
  return emitText(f, type, key, key.empty() ? std::string() : boost::json::serialize(details), advance, previous);
}

// emitRaw with the details as JSON text (the hot events write it directly).
int64_t Execution::Impl::emitText(Frame& f, std::string_view type, std::string_view key, std::string_view details,
                                  bool advance, std::optional<int64_t> previous) {
  if (f.silent) return f.cursor;
  return emitStored(f, type, key, eventText_.store(details), advance, previous);
}

const detail::Json& Execution::Impl::contextFor(const StateContext& c) const {
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

std::string Execution::Impl::runtimeCause(const Frame& f, const std::string& message) const {
  return fmt::format("An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                     f.state->name, f.enteredId, message);
}

std::optional<detail::Failure> Execution::Impl::runtimeError(const Frame& f, const Error& e) const {
  std::string type = e.type == "States.IntrinsicFailure" || e.type == "States.Runtime" ? e.type : "States.Runtime";
  return Failure{type, runtimeCause(f, e.message)};
}

// InputPath / OutputPath: null gives {}, absent is "$".
Result<detail::Json> Execution::Impl::selectPath(const OptionalPath& p, Json value, const Frame& f,
                                                 const StateContext& ctx) const {
  auto r = narrowToPath(p, value, f, ctx);
  if (!r) return std::unexpected(std::move(r.error()));
  return value;
}

// selectPath in place: `value` becomes what the path selects from it.
Result<void> Execution::Impl::narrowToPath(const OptionalPath& p, Json& value, const Frame& f,
                                           const StateContext& ctx) const {
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
bool Execution::Impl::inputPassesThrough(const State& s) {
  const auto& path = s.inputPath.path;
  return !s.inputPath.isNull && (!path || (path->isRoot() && path->root() == JsonPath::Root::kInput)) && !s.parameters;
}

// Places `result` into the state's input as ResultPath says; `result` becomes the merged output.
// With `spendInput` the input is taken rather than copied (the state no longer needs it).
Result<void> Execution::Impl::applyResultPath(const OptionalPath& p, Json& input, Json& result, bool spendInput) const {
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
void Execution::Impl::run(Frame& f) {
  while (f.state && f.waiting == Waiting::kNone && status_ == ExecutionStatus::kRunning) execute(f);
}

// `inputLiteral` is the input's JSON text as a JSON string literal, when the caller already has it.
void Execution::Impl::enter(Frame& f, const State* s, Json input, std::optional<std::string_view> inputLiteral) {
  f.input = std::move(input);
  enterWithInput(f, s, inputLiteral);
}

// enter() with the input already in f.input.
void Execution::Impl::enterWithInput(Frame& f, const State* s, std::optional<std::string_view> inputLiteral) {
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

// Leaves the current state with `output` and moves to `next` (null = end of this frame).
void Execution::Impl::leave(Frame& f, Json&& output, const State* next, const boost::json::object* assigned,
                            std::optional<int64_t> previous) {
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

Result<boost::json::object> Execution::Impl::evaluateAssign(const std::optional<PayloadTemplate>& assign,
                                                            const Json& value, const Frame& f,
                                                            const StateContext& ctx) const {
  if (!assign) return boost::json::object();
  EvalScope scope{&value, nullptr, &f.variables, &ids_, &ctx};
  auto r = assign->evaluate(scope);
  if (!r) return std::unexpected(r.error());
  return r->as_object();
}

// Result processing shared by Pass, Task, Parallel and Map: ResultSelector, ResultPath,
// OutputPath and Assign, then leave the state.
void Execution::Impl::complete(Frame& f, Json result, bool useSelector, std::optional<int64_t> previous) {
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
detail::Evaluated Execution::Impl::effectiveInput(Frame& f, const StateContext& ctx) {
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

void Execution::Impl::execute(Frame& f) {
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

void Execution::Impl::executeChoice(Frame& f, const StateContext& ctx) {
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

// `outputLiteral` is the output's JSON text as a string literal, when the caller already has it.
void Execution::Impl::finishFrame(Frame& f, Json output, std::optional<Failure> failure,
                                  std::optional<std::string_view> outputLiteral) {
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

void Execution::Impl::stopExecution(ExecutionStatus status, std::string_view type, std::optional<std::string> error,
                                    std::optional<std::string> cause) {
  boost::json::object d;
  if (error) d["error"] = *error;
  if (cause) d["cause"] = *cause;
  std::string_view key = type == "ExecutionAborted" ? "executionAbortedEventDetails" : "executionTimedOutEventDetails";
  emitRaw(*root_, type, key, std::move(d));
  status_ = status;
  error_ = error;
  cause_ = cause;
}

detail::Frame* Execution::Impl::findWaiting(Frame& f, const std::string& id) {
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
