// Execution::Impl for Parallel and Map states: launching their branches and iterations and
// gathering their results.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <tuple>

#include "sfn/asl/execution_impl.h"

namespace wharf::asl {

namespace {

// The *Path fields of Map take a number or its decimal text (a variable assigned "1" is accepted).
bool numberOrNumericText(const detail::Json& v, double& out) {
  if (asDouble(v, out)) return true;
  if (!v.is_string()) return false;
  static const std::regex kNumber(R"(-?\d+(\.\d+)?)");
  std::string text(v.get_string());
  if (!std::regex_match(text, kNumber)) return false;
  out = std::stod(text);
  return true;
}

}  // namespace

std::unique_ptr<detail::Frame> Execution::Impl::makeChild(Frame& parent, const StateMachine* machine, size_t index,
                                                          Json input) {
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

void Execution::Impl::executeParallel(Frame& f, const StateContext& ctx) {
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

Result<int64_t> Execution::Impl::intFromPath(Frame& f, const std::optional<JsonPath>& p, std::string_view field,
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

void Execution::Impl::executeMap(Frame& f, const StateContext& ctx) {
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
      return failState(
          f, Failure{"States.Runtime", runtimeCause(f, fmt::format("The ToleratedFailurePercentagePath field refers to "
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
void Execution::Impl::startItemReader(Frame& f, const EvalScope& scope) {
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

std::string Execution::Impl::mapRunPrefix() const {
  std::string arn = info_.stateMachineArn;
  size_t pos = arn.find(":stateMachine:");
  if (pos != std::string::npos) arn.replace(pos, 14, ":mapRun:");
  return arn;
}

// ItemSelector: the input of one iteration, from the Map's effective input and $$.Map.Item.
detail::Evaluated Execution::Impl::selectItem(Frame& f, const StateContext& ctx) {
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

void Execution::Impl::launchIterations(Frame& f) {
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
int64_t Execution::Impl::iterationStarted(Frame& f, size_t index) {
  return emitIteration(f, "MapIterationStarted", "mapIterationStartedEventDetails", index);
}

// A MapIteration* event of the Map state of `f`; its details are {"index":N,"name":"<Map>"}.
int64_t Execution::Impl::emitIteration(Frame& f, std::string_view type, std::string_view key, size_t index,
                                       std::optional<int64_t> previous) {
  if (f.silent) return f.cursor;
  fmt::format_int text(index);
  return emitStored(f, type, key,
                    eventText_.concat(R"({"index":)", std::string_view(text.data(), text.size()), R"(,"name":)",
                                      f.state->nameJson, "}"),
                    false, previous);
}

void Execution::Impl::childFinished(Frame& f, Frame& child) {
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

void Execution::Impl::maybeFinishChildren(Frame& f) {
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

}  // namespace wharf::asl
