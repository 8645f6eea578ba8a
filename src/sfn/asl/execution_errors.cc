// Execution::Impl for failures: the Fail state, and Retry and Catch of a failed state.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sfn/asl/execution_impl.h"

namespace wharf::asl {

namespace {

bool errorMatches(const std::vector<std::string>& equals, const detail::Failure& failure) {
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

}  // namespace

Result<std::optional<std::string>> Execution::Impl::failField(const Frame& f, const std::optional<std::string>& literal,
                                                              const std::optional<ValueSource>& source,
                                                              std::string_view field, const StateContext& ctx) const {
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

void Execution::Impl::executeFail(Frame& f, const StateContext& ctx) {
  const State& s = *f.state;
  auto error = failField(f, s.error, s.errorPath, "ErrorPath", ctx);
  if (!error) return finishFrame(f, Json(), runtimeError(f, error.error()));
  auto cause = failField(f, s.cause, s.causePath, "CausePath", ctx);
  if (!cause) return finishFrame(f, Json(), runtimeError(f, cause.error()));
  finishFrame(f, Json(), Failure{error->value_or(""), *cause});
}

// Error handling of the current state: Retry, then Catch, else the frame fails.
void Execution::Impl::failState(Frame& f, std::optional<Failure> failure) {
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
                         .task = TaskRequest(),
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

bool Execution::Impl::willRetry(const Frame& f, const Failure& failure) const {
  for (size_t i = 0; i < f.state->retry.size(); ++i) {
    if (errorMatches(f.state->retry[i].errorEquals, failure)) return f.retryAttempts[i] < f.state->retry[i].maxAttempts;
  }
  return false;
}

}  // namespace wharf::asl
