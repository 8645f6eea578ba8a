#include "sfn/engine/execution_engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "sfn/asl/execution.h"
#include "sfn/asl/json_text.h"
#include "sfn/engine/journal_sources.h"
#include "sfn/engine/timer_service.h"
#include "sfn/engine/work_pool.h"

namespace wharf::sfn {
namespace json = boost::json;
using asl::StepInput;
using TimePoint = std::chrono::system_clock::time_point;

namespace {

constexpr std::string_view kExecutions = "sfn_executions";
constexpr std::string_view kJournal = "sfn_journal";
constexpr std::string_view kEvents = "sfn_events";

// Set on engine threads, where report() must not wait for the step it queues (see report()).
thread_local bool tl_engine_thread = false;

std::string seqKey(std::string_view arn, int64_t n) { return fmt::format("{}#{:010}", arn, n); }

json::object stepInputToJson(const StepInput& in) {
  json::object o;
  o["kind"] = static_cast<int>(in.kind);
  o["id"] = in.id;
  if (!in.output.is_null()) o["output"] = in.output;
  if (in.error) o["error"] = *in.error;
  if (in.cause) o["cause"] = *in.cause;
  if (!in.workerName.empty()) o["worker"] = in.workerName;
  return o;
}

StepInput stepInputFromJson(const json::object& o) {
  StepInput in;
  in.kind = static_cast<StepInput::Kind>(o.at("kind").to_number<int>());
  in.id = std::string(o.at("id").as_string());
  if (auto* v = o.if_contains("output")) in.output = *v;
  if (auto* v = o.if_contains("error")) in.error = std::string(v->as_string());
  if (auto* v = o.if_contains("cause")) in.cause = std::string(v->as_string());
  if (auto* v = o.if_contains("worker")) in.workerName = std::string(v->as_string());
  return in;
}

json::object commandToJson(const asl::Command& c) {
  json::object o;
  o["kind"] = static_cast<int>(c.kind);
  o["id"] = c.kind == asl::Command::Kind::kScheduleTask ? c.task.taskId : c.id;
  if (c.kind == asl::Command::Kind::kStartTimer) o["fireAt"] = epochMillis(c.fireAt);
  if (c.kind == asl::Command::Kind::kScheduleTask) o["resource"] = c.task.resource;
  return o;
}

// One journaled input through the interpreter: the start (with the execution's input text) or a
// step. Processing and replay both go through here, so a replay feeds it exactly what ran.
asl::StepResult advance(asl::Execution& machine, bool start, const std::string& inputText, const StepInput& in) {
  if (!start) return machine.step(in);
  auto input = asl::parseJsonText(inputText);
  return machine.start(input ? *input : json::value(json::object{}));
}

StepInput stepOf(StepInput::Kind kind, std::string id = {}) {
  StepInput in;
  in.kind = kind;
  in.id = std::move(id);
  return in;
}

bool isUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

class ExecutionEngine::Impl {
 public:
  struct Work {
    bool start = false;
    StepInput input;
    Done done;  // after the step is durable; may be empty
    bool redrive() const { return !start && input.kind == StepInput::Kind::kRedrive; }
  };

  struct Outstanding {
    asl::TaskRequest request;
    bool started = false;
  };

  struct Exec {
    Exec(const Clock& c, IdGenerator& i) : clock(c), ids(i) {}
    std::mutex mu;  // guards rec, mailbox, busy, tasks, timers, finished
    ExecutionRecord rec;
    asl::DefinitionPtr definition;
    JournalClock clock;
    JournalIds ids;
    std::unique_ptr<asl::Execution> machine;  // touched only by the thread that set `busy`
    std::deque<Work> mailbox;
    bool busy = false;
    bool stalled = false;  // a commit failed or replay diverged: no more steps until a restart
    int64_t nextSeq = 0;
    std::map<std::string, Outstanding> tasks;
    std::map<std::string, std::pair<TimePoint, uint64_t>> timers;  // id -> due, TimerService id
    std::vector<Done> finished;
  };
  using ExecPtr = std::shared_ptr<Exec>;

  enum class TokenEnd { kCompleted, kTimedOut };

  Impl(Store& store, const Clock& clock, IdGenerator& ids, EngineConfig config, std::vector<Integration*> integrations,
       asl::JsonataEvaluator* jsonata, TaskOutcomeSink& sink)
      : store_(store),
        clock_(clock),
        ids_(ids),
        config_(std::move(config)),
        integrations_(std::move(integrations)),
        jsonata_(jsonata),
        sink_(sink),
        timers_(std::make_unique<TimerService>(clock, config_.timerThread)),
        pool_(std::make_unique<WorkPool>(config_.workers)) {}

  ~Impl() {
    closing_ = true;
    timers_.reset();
    drain();
    pool_.reset();
  }

  // ---- loading and replay ----

  Result<void> load() {
    std::vector<ExecPtr> running;
    auto scanned = store_.scan(kExecutions, "", 0, [&](std::string_view, std::string_view value) {
      auto rec = ExecutionRecord::fromStored(value);
      if (!rec) {
        spdlog::error("sfn: skipping corrupt execution record");
        return true;
      }
      auto e = std::make_shared<Exec>(clock_, ids_);
      e->rec = std::move(*rec);
      if (e->rec.running()) running.push_back(e);
      execs_.emplace(e->rec.executionArn, std::move(e));
      return true;
    });
    if (!scanned) return std::unexpected(scanned.error());
    for (auto& e : running) {
      if (auto r = replay(e); !r) {
        spdlog::error("sfn: cannot recover {}: {}", e->rec.executionArn, r.error().message);
        e->stalled = true;
      }
    }
    for (auto& e : running) {
      if (!e->stalled) reissue(e);
    }
    return {};
  }

  // `running`: whether the journal must leave the execution RUNNING (recovery) or ended (the
  // rebuild of an unsuccessful execution for a redrive).
  Result<void> replay(const ExecPtr& ep, bool running = true) {
    try {
      return replayJournal(ep, running);
    } catch (const std::exception& ex) {
      return internalError(std::string("corrupt journal: ") + ex.what());
    }
  }

  Result<void> replayJournal(const ExecPtr& ep, bool running) {
    Exec& e = *ep;
    e.nextSeq = 0;
    auto def = asl::parseDefinition(*e.rec.definition);
    if (!def) return std::unexpected(def.error());
    e.definition = *def;
    e.machine = std::make_unique<asl::Execution>(e.definition, info(e.rec), e.clock, e.ids, jsonata_);
    Result<void> outcome;
    std::string prefix = e.rec.executionArn + "#";
    auto scanned = store_.scan(kJournal, prefix, 0, [&](std::string_view key, std::string_view value) {
      if (!key.starts_with(prefix)) return false;
      json::value v = json::parse(value);
      const json::object& o = v.as_object();
      std::vector<int64_t> readings;
      for (const auto& c : o.at("clock").as_array()) readings.push_back(c.as_int64());
      std::vector<std::string> ids;
      for (const auto& i : o.at("ids").as_array()) ids.emplace_back(i.as_string());
      e.clock.queueReplay(readings);
      e.ids.queueReplay(ids);
      bool start = o.at("start").as_bool();
      StepInput in = start ? StepInput() : stepInputFromJson(o.at("input").as_object());
      asl::StepResult r = advance(*e.machine, start, e.rec.input, in);
      (void)e.clock.takeRecorded();
      (void)e.ids.takeRecorded();
      if (!e.clock.replayExhausted() || !e.ids.replayExhausted() ||
          static_cast<int64_t>(r.events.size()) != o.at("events").as_int64() ||
          r.commands.size() != o.at("commands").as_array().size()) {
        outcome = internalError(fmt::format("replay diverged at step {}", key));
        return false;
      }
      std::vector<asl::TaskRequest> ignoredStarts, ignoredCancels;
      track(ep, start ? nullptr : &in, r.commands, ignoredStarts, ignoredCancels, false);
      e.nextSeq++;
      return true;
    });
    if (!scanned) return std::unexpected(scanned.error());
    if (!outcome) return outcome;
    e.rec.eventCount = static_cast<int64_t>(e.machine->history().size());
    if ((e.machine->status() == asl::ExecutionStatus::kRunning) != running) {
      return internalError(running ? "replayed execution ended, but its record says RUNNING"
                                   : "replayed execution is still running, but its record says it ended");
    }
    if (!running) {
      // What was outstanding when it ended was cancelled then.
      std::vector<asl::TaskRequest> cancelled;
      closeOutstanding(e, cancelled);
    }
    return {};
  }

  // After replay: timers at their original due time, tasks without an outcome started again.
  void reissue(const ExecPtr& e) {
    std::vector<asl::TaskRequest> starts;
    {
      std::lock_guard lock(e->mu);
      for (auto& [id, t] : e->timers) t.second = armTimer(e, id, t.first);
      for (auto& [id, t] : e->tasks) {
        // An activity a worker already took stays with that worker (its token remains valid).
        if (!(t.request.family == asl::ResourceFamily::kActivity && t.started)) starts.push_back(t.request);
      }
    }
    for (const auto& req : starts) startTask(e, req);
  }

  // ---- bookkeeping shared by live steps and replay (caller holds e.mu) ----

  void track(const ExecPtr& ep, const StepInput* in, const std::vector<asl::Command>& commands,
             std::vector<asl::TaskRequest>& starts, std::vector<asl::TaskRequest>& cancels, bool live) {
    Exec& e = *ep;
    if (in) {
      switch (in->kind) {
        case StepInput::Kind::kTaskSucceeded:
        case StepInput::Kind::kTaskFailed:
          if (auto it = e.tasks.find(in->id); it != e.tasks.end()) {
            endToken(it->second.request.taskToken, TokenEnd::kCompleted);
            e.tasks.erase(it);
          }
          break;
        case StepInput::Kind::kTaskStarted:
          if (auto it = e.tasks.find(in->id); it != e.tasks.end()) it->second.started = true;
          break;
        case StepInput::Kind::kTimerFired:
          e.timers.erase(in->id);
          break;
        default:
          break;
      }
    }
    for (const auto& c : commands) {
      switch (c.kind) {
        case asl::Command::Kind::kScheduleTask:
          e.tasks[c.task.taskId] = Outstanding{c.task, false};
          if (!c.task.taskToken.empty()) {
            std::lock_guard lock(tokens_mu_);
            tokens_[c.task.taskToken] = {e.rec.executionArn, c.task.taskId};
          }
          if (live) starts.push_back(c.task);
          break;
        case asl::Command::Kind::kCancelTask:
          if (auto it = e.tasks.find(c.id); it != e.tasks.end()) {
            endToken(it->second.request.taskToken, TokenEnd::kTimedOut);
            if (live) cancels.push_back(it->second.request);
            e.tasks.erase(it);
          }
          break;
        case asl::Command::Kind::kStartTimer:
          e.timers[c.id] = {c.fireAt, 0};
          break;
      }
    }
    if (!live) return;
    for (const auto& c : commands) {
      if (c.kind != asl::Command::Kind::kStartTimer) continue;
      if (auto it = e.timers.find(c.id); it != e.timers.end()) it->second.second = armTimer(ep, c.id, c.fireAt);
    }
  }

  // When an execution ends: every timer disarmed, every task still out cancelled.
  void closeOutstanding(Exec& e, std::vector<asl::TaskRequest>& cancels) {
    for (auto& [id, t] : e.timers) timers_->cancel(t.second);
    e.timers.clear();
    for (auto& [id, t] : e.tasks) {
      endToken(t.request.taskToken, TokenEnd::kTimedOut);
      cancels.push_back(t.request);
    }
    e.tasks.clear();
  }

  void endToken(const std::string& token, TokenEnd end) {
    if (token.empty()) return;
    std::lock_guard lock(tokens_mu_);
    tokens_.erase(token);
    ended_[token] = end;
  }

  uint64_t armTimer(const ExecPtr& e, const std::string& id, TimePoint due) {
    std::weak_ptr<Exec> weak = e;
    return timers_->schedule(due, [this, weak, id] {
      if (auto exec = weak.lock())
        enqueue(exec, Work{.start = false, .input = stepOf(StepInput::Kind::kTimerFired, id), .done = {}});
    });
  }

  // ---- running steps ----

  asl::ExecutionInfo info(const ExecutionRecord& rec) const {
    return asl::ExecutionInfo{.executionArn = rec.executionArn,
                              .executionName = rec.name,
                              .stateMachineArn = rec.stateMachineArn,
                              .stateMachineName = rec.stateMachineName,
                              .roleArn = rec.roleArn,
                              .region = config_.region};
  }

  ExecPtr lookup(const std::string& arn) const {
    std::shared_lock lock(execs_mu_);
    auto it = execs_.find(arn);
    return it == execs_.end() ? nullptr : it->second;
  }

  void start(ExecutionRecord rec, asl::DefinitionPtr definition, Done started, Done finished) {
    if (closing_) return started(fail(ErrorCode::kUnavailable, "ServiceUnavailable", "the engine is shutting down"));
    auto e = std::make_shared<Exec>(clock_, ids_);
    rec.status = asl::ExecutionStatus::kRunning;
    rec.startMillis = clock_.nowMillis();
    rec.stopMillis = 0;
    rec.eventCount = 0;
    e->definition = std::move(definition);
    e->machine = std::make_unique<asl::Execution>(e->definition, info(rec), e->clock, e->ids, jsonata_);
    e->rec = std::move(rec);
    if (finished) e->finished.push_back(std::move(finished));
    {
      std::unique_lock lock(execs_mu_);
      auto [it, inserted] = execs_.try_emplace(e->rec.executionArn, e);
      if (!inserted) {
        ExecPtr existing = it->second;
        lock.unlock();
        std::lock_guard elock(existing->mu);
        if (existing->rec.running() && existing->rec.input == e->rec.input) return started(existing->rec);
        return started(fail(ErrorCode::kConflict, "ExecutionAlreadyExists",
                            "Execution Already Exists: '" + existing->rec.executionArn + "'"));
      }
    }
    enqueue(e, Work{.start = true, .input = StepInput(), .done = std::move(started)});
  }

  void enqueue(const ExecPtr& e, Work w) {
    std::unique_lock lock(e->mu);
    if ((!e->rec.running() && !w.redrive()) || e->stalled || closing_) {
      ExecutionRecord rec = e->rec;
      bool stalled = e->stalled || closing_;
      lock.unlock();
      if (!w.done) return;
      if (stalled)
        return w.done(fail(ErrorCode::kUnavailable, "ServiceUnavailable", "the execution cannot advance now"));
      return w.done(rec);
    }
    e->mailbox.push_back(std::move(w));
    if (e->busy) return;
    e->busy = true;
    {
      std::lock_guard ilock(inflight_mu_);
      ++inflight_;
    }
    lock.unlock();
    post([this, e] { process(e); });
  }

  void post(std::function<void()> job) {
    pool_->post([job = std::move(job)] {
      tl_engine_thread = true;
      job();
    });
  }

  struct Pending {
    ExecPtr exec;
    Work work;
    ExecutionRecord next;
    std::vector<asl::Command> commands;
    ExecutionEventSink::Publish publish;  // run once the step is durable
  };

  void process(const ExecPtr& e) {
    auto p = std::make_shared<Pending>();
    p->exec = e;
    {
      std::lock_guard lock(e->mu);
      p->work = std::move(e->mailbox.front());
      e->mailbox.pop_front();
      p->next = e->rec;
    }
    if (p->work.redrive()) {
      auto ready = prepareRedrive(e, p->next, p->work.input.id);
      if (!ready || !*ready) {
        if (p->work.done) p->work.done(ready ? Result<ExecutionRecord>(p->next) : std::unexpected(ready.error()));
        return finishStep(e);
      }
    } else if (!e->machine || !p->next.running()) {
      if (p->work.done) p->work.done(p->next);
      return finishStep(e);
    }
    asl::StepResult r = advance(*e->machine, p->work.start, p->next.input, p->work.input);
    std::vector<int64_t> readings = e->clock.takeRecorded();
    std::vector<std::string> ids = e->ids.takeRecorded();
    ExecutionRecord& next = p->next;
    bool overLimit = next.eventCount + static_cast<int64_t>(r.events.size()) > kMaxHistoryEvents;
    // Replaces the step's events when the history is over the limit.
    asl::HistoryEvent failed;
    std::string failedDetails;
    if (overLimit) {
      std::string cause = fmt::format(
          "The execution reached the maximum number of history events ({}) and was stopped.", kMaxHistoryEvents);
      failedDetails = json::serialize(json::object{{"error", "States.Runtime"}, {"cause", cause}});
      failed.id = next.eventCount + 1;
      failed.previousEventId = next.eventCount;
      failed.type = "ExecutionFailed";
      failed.timestamp = clock_.now();
      failed.detailsKey = "executionFailedEventDetails";
      failed.details = failedDetails;
      r.events = std::span<const asl::HistoryEvent>(&failed, 1);
      r.commands.clear();
      next.status = asl::ExecutionStatus::kFailed;
      next.error = "States.Runtime";
      next.cause = std::move(cause);
    } else if (e->machine->status() != asl::ExecutionStatus::kRunning) {
      next.status = e->machine->status();
      if (next.status == asl::ExecutionStatus::kSucceeded) next.output = asl::toJsonText(e->machine->output());
      next.error = e->machine->error();
      next.cause = e->machine->cause();
    }
    next.eventCount += static_cast<int64_t>(r.events.size());
    if (!next.running())
      next.stopMillis = r.events.empty() ? clock_.nowMillis() : epochMillis(r.events.back().timestamp);
    p->commands = std::move(r.commands);

    if (config_.eventSink) p->publish = config_.eventSink->prepare(next, r.events);
    if (next.express) return afterCommit(p, {});
    WriteBatch batch;
    for (const auto& ev : r.events)
      batch.put(std::string(kEvents), seqKey(next.executionArn, ev.id), json::serialize(ev.toJson()));
    int64_t seq = e->nextSeq++;
    // An unsuccessful execution keeps its journal, to be rebuilt by a redrive; the others, once
    // finished, are never replayed.
    bool journaled = next.running() || (!overLimit && next.status != asl::ExecutionStatus::kSucceeded);
    if (!next.running()) next.journalKept = journaled;
    if (journaled) {
      json::object entry;
      entry["start"] = p->work.start;
      if (!p->work.start) entry["input"] = stepInputToJson(p->work.input);
      json::array c, i, cmds;
      for (auto t : readings) c.push_back(t);
      for (auto& s : ids) i.push_back(json::string(s));
      for (const auto& cmd : p->commands) cmds.push_back(commandToJson(cmd));
      entry["clock"] = std::move(c);
      entry["ids"] = std::move(i);
      entry["events"] = static_cast<int64_t>(r.events.size());
      entry["commands"] = std::move(cmds);
      batch.put(std::string(kJournal), seqKey(next.executionArn, seq), json::serialize(entry));
    } else {
      // A finished execution is never replayed: its journal goes.
      for (int64_t s = 0; s < seq; ++s) batch.erase(std::string(kJournal), seqKey(next.executionArn, s));
    }
    if (p->work.start || p->work.redrive() || !next.running())
      batch.put(std::string(kExecutions), next.executionArn, next.toStored());
    store_.commitAsync(std::move(batch),
                       [this, p](Result<void> res) { post([this, p, res = std::move(res)] { afterCommit(p, res); }); });
  }

  void afterCommit(const std::shared_ptr<Pending>& p, const Result<void>& res) {
    const ExecPtr& e = p->exec;
    if (!res) {
      spdlog::error("sfn: commit for {} failed: {}", p->next.executionArn, res.error().message);
      std::deque<Work> dropped;
      {
        std::lock_guard lock(e->mu);
        e->stalled = true;
        dropped.swap(e->mailbox);
      }
      if (p->work.done) p->work.done(std::unexpected(res.error()));
      for (auto& w : dropped) {
        if (w.done) w.done(std::unexpected(res.error()));
      }
      return finishStep(e);
    }
    if (p->publish) p->publish();
    std::vector<asl::TaskRequest> starts, cancels;
    std::vector<Done> finishers;
    ExecutionRecord rec;
    {
      std::lock_guard lock(e->mu);
      e->rec = p->next;
      track(e, p->work.start ? nullptr : &p->work.input, p->commands, starts, cancels, true);
      if (!e->rec.running()) {
        closeOutstanding(*e, cancels);
        starts.clear();
        e->machine.reset();
        finishers.swap(e->finished);
      }
      rec = e->rec;
    }
    for (const auto& req : cancels) cancelTask(e, req);
    for (const auto& req : starts) startTask(e, req);
    if (p->work.done) p->work.done(rec);
    for (auto& f : finishers) f(rec);
    finishStep(e);
  }

  void finishStep(const ExecPtr& e) {
    {
      std::lock_guard lock(e->mu);
      if (!e->mailbox.empty() && !e->stalled) {
        post([this, e] { process(e); });
        return;
      }
      e->busy = false;
    }
    std::lock_guard ilock(inflight_mu_);
    if (--inflight_ == 0) idle_.notify_all();
  }

  // ---- tasks ----

  TaskContext context(const ExecPtr& e) const {
    std::lock_guard lock(e->mu);
    return TaskContext{e->rec.executionArn, e->rec.stateMachineArn, config_.accountId, config_.region};
  }

  void startTask(const ExecPtr& e, const asl::TaskRequest& req) {
    TaskContext ctx = context(e);
    if (req.family == asl::ResourceFamily::kActivity) {
      ActivityTask task{ctx.executionArn, req.taskId, req.taskToken, asl::toJsonText(req.parameters)};
      if (auto poller = broker_.push(req.resource, task)) deliver(std::move(*poller), std::move(task));
      return;
    }
    for (Integration* i : integrations_) {
      if (i->handles(req.resource)) return i->start(ctx, req, sink_);
    }
    StepInput failed = stepOf(StepInput::Kind::kTaskFailed, req.taskId);
    failed.error = "States.Runtime";
    failed.cause = "Wharf has no integration for resource '" + req.resource + "'";
    sink_.report(ctx.executionArn, failed);
  }

  void cancelTask(const ExecPtr& e, const asl::TaskRequest& req) {
    if (req.family == asl::ResourceFamily::kActivity) {
      broker_.remove(req.resource, req.taskId);
      return;
    }
    TaskContext ctx = context(e);
    for (Integration* i : integrations_) {
      if (i->handles(req.resource)) return i->cancel(ctx, req.taskId);
    }
  }

  // Hands an activity task to a worker once its ActivityStarted event is durable.
  void deliver(ActivityBroker::Poller poller, ActivityTask task) {
    ExecPtr e = lookup(task.executionArn);
    if (!e) return poller.reply(std::nullopt);
    StepInput in = stepOf(StepInput::Kind::kTaskStarted, task.taskId);
    in.workerName = poller.workerName;
    enqueue(e, Work{.start = false,
                    .input = std::move(in),
                    .done = [reply = std::move(poller.reply), task](Result<ExecutionRecord> r) {
                      reply(r && r->running() ? std::optional(task) : std::nullopt);
                    }});
  }

  void pollActivity(const std::string& activityArn, const std::string& workerName,
                    std::function<void(std::optional<ActivityTask>)> reply) {
    auto got = broker_.poll(activityArn, ActivityBroker::Poller{workerName, reply});
    if (auto* task = std::get_if<ActivityTask>(&got)) return deliver({workerName, std::move(reply)}, std::move(*task));
    uint64_t id = std::get<uint64_t>(got);
    timers_->schedule(clock_.now() + config_.activityPollTimeout, [this, id] {
      if (auto p = broker_.expire(id)) p->reply(std::nullopt);
    });
  }

  Result<ExecutionRecord> enqueueAndWait(const ExecPtr& e, StepInput in) {
    auto promise = std::make_shared<std::promise<Result<ExecutionRecord>>>();
    auto future = promise->get_future();
    enqueue(e, Work{.start = false, .input = std::move(in), .done = [promise](Result<ExecutionRecord> r) {
                      promise->set_value(std::move(r));
                    }});
    return future.get();
  }

  Result<std::pair<ExecPtr, std::string>> resolveToken(const std::string& token) const {
    if (!isUuid(token)) return fail(ErrorCode::kInvalidArgument, "InvalidToken", "Invalid Token: '" + token + "'");
    std::pair<std::string, std::string> target;
    {
      std::lock_guard lock(tokens_mu_);
      auto it = tokens_.find(token);
      if (it == tokens_.end()) {
        auto ended = ended_.find(token);
        if (ended != ended_.end() && ended->second == TokenEnd::kTimedOut)
          return fail(ErrorCode::kConflict, "TaskTimedOut", "Task Timed Out: '" + token + "'");
        return fail(ErrorCode::kNotFound, "TaskDoesNotExist", "Task Does Not Exist: '" + token + "'");
      }
      target = it->second;
    }
    ExecPtr e = lookup(target.first);
    if (!e) return fail(ErrorCode::kNotFound, "TaskDoesNotExist", "Task Does Not Exist: '" + token + "'");
    return std::pair{e, target.second};
  }

  Result<void> sendToken(const std::string& token, StepInput in) {
    auto target = resolveToken(token);
    if (!target) return std::unexpected(target.error());
    in.id = target->second;
    auto r = enqueueAndWait(target->first, std::move(in));
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Result<ExecutionRecord> stop(const std::string& arn, std::optional<std::string> error,
                               std::optional<std::string> cause) {
    ExecPtr e = lookup(arn);
    if (!e) return fail(ErrorCode::kNotFound, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
    StepInput in = stepOf(StepInput::Kind::kStop);
    in.error = std::move(error);
    in.cause = std::move(cause);
    return enqueueAndWait(e, std::move(in));
  }

  Result<ExecutionRecord> redrive(const std::string& arn, const std::string& clientToken) {
    ExecPtr e = lookup(arn);
    if (!e) return fail(ErrorCode::kNotFound, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
    return enqueueAndWait(e, stepOf(StepInput::Kind::kRedrive, clientToken));
  }

  // Checks a redrive in the step that runs it and readies `next` and the interpreter (rebuilt from
  // the journal): false when `token` already redrove the execution, which is then left as it is.
  Result<bool> prepareRedrive(const ExecPtr& e, ExecutionRecord& next, const std::string& token) {
    constexpr int64_t kTokenMillis = 15 * 60 * 1000;
    constexpr size_t kTokens = 10;
    int64_t now = clock_.nowMillis();
    std::erase_if(next.redriveTokens, [&](const auto& t) { return now - t.second > kTokenMillis; });
    if (!token.empty() && std::ranges::any_of(next.redriveTokens, [&](const auto& t) { return t.first == token; }))
      return false;
    if (auto reason = notRedrivableReason(next, now))
      return fail(ErrorCode::kConflict, "ExecutionNotRedrivable", *reason);
    if (!e->machine) {
      std::lock_guard lock(e->mu);
      if (auto r = replay(e, false); !r) {
        e->machine.reset();
        return std::unexpected(r.error());
      }
      next.eventCount = e->rec.eventCount;
    }
    next.status = asl::ExecutionStatus::kRunning;
    next.output.reset();
    next.error.reset();
    next.cause.reset();
    next.stopMillis = 0;
    next.redriveCount++;
    next.redriveMillis = now;
    if (!token.empty()) {
      next.redriveTokens.emplace_back(token, now);
      if (next.redriveTokens.size() > kTokens) next.redriveTokens.erase(next.redriveTokens.begin());
    }
    return true;
  }

  void report(const std::string& arn, const StepInput& in) {
    ExecPtr e = lookup(arn);
    if (!e || closing_) return;
    if (tl_engine_thread) return enqueue(e, Work{.start = false, .input = in, .done = {}});
    (void)enqueueAndWait(e, in);
  }

  std::optional<ExecutionRecord> describe(const std::string& arn) const {
    ExecPtr e = lookup(arn);
    if (!e) return std::nullopt;
    std::lock_guard lock(e->mu);
    return e->rec;
  }

  std::vector<ExecutionSummary> list(const std::string& smArn, const RecordFilter& keep) const {
    std::vector<ExecPtr> all;
    {
      std::shared_lock lock(execs_mu_);
      for (const auto& [arn, e] : execs_) all.push_back(e);
    }
    std::vector<ExecutionSummary> out;
    for (const auto& e : all) {
      std::lock_guard lock(e->mu);
      if ((smArn.empty() || e->rec.stateMachineArn == smArn) && (!keep || keep(e->rec))) out.push_back(e->rec);
    }
    std::sort(out.begin(), out.end(), [](const ExecutionSummary& a, const ExecutionSummary& b) {
      return a.startMillis != b.startMillis ? a.startMillis > b.startMillis : a.executionArn > b.executionArn;
    });
    return out;
  }

  Result<std::vector<json::object>> history(const std::string& arn, int64_t firstId, size_t limit) const {
    std::vector<json::object> out;
    std::string prefix = arn + "#";
    auto scanned = store_.scan(kEvents, seqKey(arn, firstId), limit, [&](std::string_view key, std::string_view value) {
      if (!key.starts_with(prefix)) return false;
      out.push_back(json::parse(value).as_object());
      return true;
    });
    if (!scanned) return std::unexpected(scanned.error());
    return out;
  }

  void runDueTimers() { timers_->runDue(); }

  void drain() {
    std::unique_lock lock(inflight_mu_);
    idle_.wait(lock, [this] { return inflight_ == 0; });
  }

 private:
  Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  EngineConfig config_;
  std::vector<Integration*> integrations_;
  asl::JsonataEvaluator* jsonata_;
  TaskOutcomeSink& sink_;
  std::atomic<bool> closing_ = false;

  mutable std::shared_mutex execs_mu_;
  std::map<std::string, ExecPtr, std::less<>> execs_;

  mutable std::mutex tokens_mu_;
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> tokens_;  // -> arn, task id
  std::map<std::string, TokenEnd, std::less<>> ended_;

  ActivityBroker broker_;

  std::mutex inflight_mu_;
  std::condition_variable idle_;
  size_t inflight_ = 0;

  std::unique_ptr<TimerService> timers_;
  std::unique_ptr<WorkPool> pool_;
};

ExecutionEngine::ExecutionEngine(Store& store, const Clock& clock, IdGenerator& ids, EngineConfig config,
                                 std::vector<Integration*> integrations, asl::JsonataEvaluator* jsonata)
    : impl_(std::make_unique<Impl>(store, clock, ids, std::move(config), std::move(integrations), jsonata, *this)) {}

ExecutionEngine::~ExecutionEngine() = default;

Result<std::unique_ptr<ExecutionEngine>> ExecutionEngine::open(Store& store, const Clock& clock, IdGenerator& ids,
                                                               EngineConfig config,
                                                               std::vector<Integration*> integrations,
                                                               asl::JsonataEvaluator* jsonata) {
  std::unique_ptr<ExecutionEngine> engine(
      new ExecutionEngine(store, clock, ids, std::move(config), std::move(integrations), jsonata));
  if (auto r = engine->impl_->load(); !r) return std::unexpected(r.error());
  return engine;
}

void ExecutionEngine::start(ExecutionRecord record, asl::DefinitionPtr definition, Done started, Done finished) {
  impl_->start(std::move(record), std::move(definition), std::move(started), std::move(finished));
}

Result<ExecutionRecord> ExecutionEngine::stop(const std::string& executionArn, std::optional<std::string> error,
                                              std::optional<std::string> cause) {
  return impl_->stop(executionArn, std::move(error), std::move(cause));
}

Result<ExecutionRecord> ExecutionEngine::redrive(const std::string& executionArn, const std::string& clientToken) {
  return impl_->redrive(executionArn, clientToken);
}

std::optional<std::string> notRedrivableReason(const ExecutionRecord& r, int64_t nowMillis) {
  if (r.express) return "Execution is EXPRESS and cannot be redriven";
  if (r.running() || r.status == asl::ExecutionStatus::kSucceeded)
    return fmt::format("Execution is {} and cannot be redriven", asl::executionStatusName(r.status));
  if (r.eventCount >= kMaxHistoryEvents) return "Execution history event limit exceeded";
  if (!r.journalKept) return "Execution was started before the launch of RedriveExecution";
  if (nowMillis - r.stopMillis > kRedrivableMillis) return "Execution redrivable period exceeded";
  return std::nullopt;
}

Result<void> ExecutionEngine::sendTaskSuccess(const std::string& token, const std::string& output) {
  auto parsed = asl::parseJsonText(output);
  if (!parsed) return fail(ErrorCode::kInvalidArgument, "InvalidOutput", "Invalid output: " + parsed.error().message);
  if (output.size() > asl::kMaxPayloadBytes)
    return fail(ErrorCode::kInvalidArgument, "InvalidOutput", "The output exceeds the maximum size of 262144 bytes.");
  StepInput in = stepOf(StepInput::Kind::kTaskSucceeded);
  in.output = std::move(*parsed);
  return impl_->sendToken(token, std::move(in));
}

Result<void> ExecutionEngine::sendTaskFailure(const std::string& token, std::optional<std::string> error,
                                              std::optional<std::string> cause) {
  StepInput in = stepOf(StepInput::Kind::kTaskFailed);
  in.error = std::move(error);
  in.cause = std::move(cause);
  return impl_->sendToken(token, std::move(in));
}

Result<void> ExecutionEngine::sendTaskHeartbeat(const std::string& token) {
  return impl_->sendToken(token, stepOf(StepInput::Kind::kTaskHeartbeat));
}

void ExecutionEngine::pollActivity(const std::string& activityArn, const std::string& workerName,
                                   std::function<void(std::optional<ActivityTask>)> reply) {
  impl_->pollActivity(activityArn, workerName, std::move(reply));
}

std::optional<ExecutionRecord> ExecutionEngine::describe(const std::string& executionArn) const {
  return impl_->describe(executionArn);
}

std::vector<ExecutionSummary> ExecutionEngine::list(const std::string& stateMachineArn,
                                                    const RecordFilter& keep) const {
  return impl_->list(stateMachineArn, keep);
}

Result<std::vector<boost::json::object>> ExecutionEngine::history(const std::string& executionArn, int64_t firstId,
                                                                  size_t limit) const {
  return impl_->history(executionArn, firstId, limit);
}

void ExecutionEngine::report(const std::string& executionArn, const asl::StepInput& input) {
  impl_->report(executionArn, input);
}

void ExecutionEngine::runDueTimers() { impl_->runDueTimers(); }

void ExecutionEngine::drain() { impl_->drain(); }

}  // namespace wharf::sfn
