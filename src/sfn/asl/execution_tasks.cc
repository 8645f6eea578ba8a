// Execution::Impl for Task and Wait states: scheduling a task, its outcomes and timeouts, and the
// timers of Wait and Retry.
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <regex>

#include "common/time_format.h"
#include "sfn/asl/execution_impl.h"

namespace wharf::asl {

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

// An ISO-8601 extended offset date-time as Step Functions accepts it (TimestampPath, JSONata Timestamp).
std::optional<std::chrono::system_clock::time_point> parseStrictIso8601(const detail::Json& v) {
  static const std::regex kIso(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  if (!v.is_string() || !std::regex_match(std::string(v.get_string()), kIso)) return std::nullopt;
  return parseIso8601(v.get_string());
}

// The event type and details key of a task event, e.g. "LambdaFunctionStarted" and
// "lambdaFunctionStartedEventDetails".
struct TaskEventNames {
  std::string_view type, key;
};

const TaskEventNames& taskEventNames(ResourceFamily family, detail::TaskPhase phase) {
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

void Execution::Impl::executeTask(Frame& f, const StateContext& ctx) {
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
      return failState(f,
                       Failure{"States.Runtime", runtimeCause(f, "The Credentials field must hold a RoleArn string")});
    req.roleArn = std::string(role->get_string());
  }
  for (auto [p, target] :
       {std::pair{&s.timeoutSecondsPath, &req.timeoutSeconds}, {&s.heartbeatSecondsPath, &req.heartbeatSeconds}}) {
    if (!*p) continue;
    auto v = resolvePath(**p, scope);
    if (!v)
      return failState(f, Failure{"States.Runtime", runtimeCause(f, fmt::format("Invalid path '{}' : {}", (*p)->text(),
                                                                                v.error().message))});
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
      return failState(f,
                       Failure{"States.Runtime", runtimeCause(f, "The Credentials field must hold a RoleArn string")});
    req.roleArn = std::string(role->get_string());
  }
  req.parameters = std::move(*eff);
  f.effective = req.parameters;
  scheduleTask(f, std::move(req));
}

void Execution::Impl::scheduleTask(Frame& f, TaskRequest req) {
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

boost::json::object Execution::Impl::taskDetails(const Frame& f) const {
  boost::json::object d;
  if (f.task.family == ResourceFamily::kService) {
    d["resourceType"] = f.task.resourceType;
    d["resource"] = f.task.action;
  }
  return d;
}

// Emits the task event of `phase` for the frame's task.
void Execution::Impl::emitTask(Frame& f, TaskPhase phase, boost::json::object details, bool withKey) {
  const TaskEventNames& names = taskEventNames(f.task.family, phase);
  emitRaw(f, names.type, withKey ? names.key : std::string_view(), std::move(details));
}

void Execution::Impl::taskStarted(Frame& f, const StepInput& in) {
  boost::json::object d = taskDetails(f);
  if (f.task.family == ResourceFamily::kActivity) d["workerName"] = in.workerName;
  bool empty = d.empty();
  emitTask(f, TaskPhase::kStarted, std::move(d), !empty);
  armHeartbeat(f);
}

void Execution::Impl::taskSubmitted(Frame& f, const StepInput& in) {
  boost::json::object d = taskDetails(f);
  d["output"] = toJsonText(in.output);
  d["outputDetails"] = truncated();
  emitRaw(f, "TaskSubmitted", "taskSubmittedEventDetails", std::move(d));
}

void Execution::Impl::clearTask(Frame& f) {
  f.waiting = Waiting::kNone;
  f.pendingId.clear();
  f.timeoutTimerId.clear();
  f.heartbeatTimerId.clear();
}

// (Re)arms the heartbeat timer of the frame's task. Each arming gets a new id, so a timer that
// was superseded by a later heartbeat is ignored when it fires.
void Execution::Impl::armHeartbeat(Frame& f) {
  if (!f.task.heartbeatSeconds) return;
  f.heartbeatTimerId = fmt::format("{}-heartbeat-{}", f.pendingId, nextTimer_++);
  commands_.push_back({.kind = Command::Kind::kStartTimer,
                       .task = {},
                       .id = f.heartbeatTimerId,
                       .fireAt = clock_.now() + std::chrono::seconds(*f.task.heartbeatSeconds)});
}

void Execution::Impl::taskSucceeded(Frame& f, const Json& output) {
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

void Execution::Impl::taskFailed(Frame& f, const std::string& error, const std::optional<std::string>& cause) {
  boost::json::object d = taskDetails(f);
  if (!error.empty()) d["error"] = error;
  if (cause) d["cause"] = *cause;
  emitTask(f, TaskPhase::kFailed, std::move(d));
  clearTask(f);
  failState(f, Failure{.error = error, .cause = cause, .missing = Failure::Missing::kNull});
  resume(f);
}

void Execution::Impl::timerFired(Frame& f, const std::string& id) {
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

void Execution::Impl::executeWait(Frame& f, const StateContext& ctx) {
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
          f,
          Failure{"States.Runtime",
                  runtimeCause(f, fmt::format("The SecondsPath parameter does not reference an input value: {}", p))});
    double d = 0;
    if (!asDouble(*v, d) || std::trunc(d) != d || v->is_double()) {
      return failState(
          f, Failure{"States.Runtime",
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
          f, Failure{
                 "States.Runtime",
                 runtimeCause(f, fmt::format("The TimestampPath parameter does not reference an input value: {}", p))});
    auto t = parseStrictIso8601(*v);
    if (!t) {
      return failState(
          f, Failure{"States.Runtime",
                     runtimeCause(f, fmt::format("The TimestampPath parameter does not reference a valid ISO-8601 "
                                                 "extended offset date-time format string: {} == {}",
                                                 p, v->is_string() ? std::string(v->get_string()) : toJsonText(*v)))});
    }
    fireAt = *t;
  }
  startWaitTimer(f, std::move(*in), fireAt);
}

void Execution::Impl::executeWaitJsonata(Frame& f, JsonataScope& scope) {
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

void Execution::Impl::startWaitTimer(Frame& f, Json effective, std::chrono::system_clock::time_point fireAt) {
  f.effective = std::move(effective);
  f.pendingId = fmt::format("wait-{}", f.enteredId > 0 ? f.enteredId : nextTimer_++);
  if (f.silent) f.pendingId += fmt::format("-{}", nextTimer_++);
  f.waiting = Waiting::kTimer;
  commands_.push_back({.kind = Command::Kind::kStartTimer, .task = {}, .id = f.pendingId, .fireAt = fireAt});
}

}  // namespace wharf::asl
