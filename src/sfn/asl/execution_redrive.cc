// Execution::Impl for a redrive: re-entering the states an unsuccessful execution did not finish.
#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "sfn/asl/execution_impl.h"

namespace wharf::asl {

void Execution::Impl::redrive() {
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
                         .task = TaskRequest(),
                         .id = executionTimerId_,
                         .fireAt = redriveTime_ + std::chrono::seconds(*definition_->timeoutSeconds)});
  }
  redriveFrame(*root_);
  run(*root_);
}

// Re-enters the state a frame failed in or was interrupted in, with that state's input; a
// branch cut short before it began starts at its StartAt. A Map or Parallel state keeps the
// iterations or branches of its last attempt, to rerun only those that did not succeed.
void Execution::Impl::redriveFrame(Frame& f) {
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
detail::Json Execution::Impl::redriveInput(const Frame& f) const {
  if (!f.input.is_null() || f.silent || f.enteredId <= 0 || (!f.state && !f.failedState)) return f.input;
  boost::json::object details = history_[static_cast<size_t>(f.enteredId - 1)].detailsJson();
  const Json* text = details.if_contains("input");
  if (!text || !text->is_string()) return f.input;
  auto parsed = parseJsonText(text->get_string());
  return parsed ? std::move(*parsed) : f.input;
}

// The iterations or branches of a Map or Parallel's current attempt, launched or queued.
std::vector<std::unique_ptr<detail::Frame>> Execution::Impl::takeAttempt(Frame& f) {
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
void Execution::Impl::reuseLastAttempt(Frame& f) {
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

void Execution::Impl::relaunchIteration(Frame& f) {
  std::unique_ptr<Frame> child = std::move(f.redriveQueue.back());
  f.redriveQueue.pop_back();
  child->cursor = f.state->distributed ? f.cursor : iterationStarted(f, child->index);
  Frame& ref = *child;
  f.children.push_back(std::move(child));
  ++f.running;
  redriveFrame(ref);
  run(ref);
}

}  // namespace wharf::asl
