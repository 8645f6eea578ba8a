#include "sfn_replay_runner.h"

#include <algorithm>

#include "common/clock.h"
#include "common/ids.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/execution.h"
#include "sfn/asl/json_text.h"
#include "sfn/jsonata/asl_jsonata_evaluator.h"

namespace wharf::conformance {
namespace {

using Json = boost::json::value;
using namespace wharf::asl;

// Replays the recorded outcome of each task: the *Scheduled event matching the one the
// interpreter emitted, then the events that follow it in the same branch (linked by
// previousEventId, or, in re-sorted recordings without ids, the next unused ones of its family).
struct Replay {
  const boost::json::array* events = nullptr;
  std::vector<bool> used;
  bool resorted = false;

  explicit Replay(const boost::json::array* recorded) : events(recorded), used(recorded->size(), false) {
    for (const auto& e : *recorded) resorted = resorted || e.at("id").is_array();
  }

  static Json parseRecorded(const Json* v) {
    if (!v) return Json();
    if (v->is_string()) {
      auto p = parseJsonText(v->get_string());
      return p ? *p : *v;
    }
    return *v;
  }
  static std::optional<std::string> text(const Json* v) {
    if (!v) return std::nullopt;
    if (v->is_string()) return std::string(v->get_string());
    return toJsonText(*v);
  }
  std::string type(size_t i) const { return std::string((*events)[i].at("type").get_string()); }

  std::optional<size_t> findScheduled(const Json& scheduled) {
    std::string want(scheduled.at("type").get_string());
    std::optional<size_t> fallback;
    for (size_t i = 0; i < events->size(); ++i) {
      if (used[i] || type(i) != want) continue;
      std::string where;
      if (matchEvent((*events)[i], scheduled, false, where)) return i;
      if (!fallback) fallback = i;
    }
    return fallback;
  }

  std::optional<size_t> findFollower(size_t from, const std::string& family, bool terminalOnly) {
    static const std::vector<std::string> kStages = {"Started",  "Submitted",   "Succeeded",   "Failed",
                                                     "TimedOut", "StartFailed", "SubmitFailed"};
    for (size_t i = 0; i < events->size(); ++i) {
      if (used[i]) continue;
      std::string t = type(i);
      if (!t.starts_with(family)) continue;
      std::string stage = t.substr(family.size());
      if (std::find(kStages.begin(), kStages.end(), stage) == kStages.end()) continue;
      if (terminalOnly && (stage == "Started" || stage == "Submitted")) continue;
      if (!resorted && !jsonEquals((*events)[i].at("previousEventId"), (*events)[from].at("id"))) continue;
      return i;
    }
    return std::nullopt;
  }

  // Step inputs answering the task whose scheduling event is `scheduled`.
  std::vector<StepInput> next(const std::string& taskId, const Json& scheduled, bool& timedOut) {
    std::vector<StepInput> out;
    timedOut = false;
    auto at = findScheduled(scheduled);
    if (!at) return out;
    used[*at] = true;
    std::string schedType = type(*at);
    std::string family = schedType.substr(0, schedType.size() - std::string_view("Scheduled").size());
    size_t cur = *at;
    for (int stage = 0; stage < 4; ++stage) {
      std::optional<size_t> nxt;
      if (resorted) {
        // Re-sorted recordings lose the links: take Started, then Submitted when one is left, then the end.
        if (stage < 2) {
          std::string want = family + (stage == 0 ? "Started" : "Submitted");
          for (size_t i = 0; i < events->size() && !nxt; ++i)
            if (!used[i] && type(i) == want) nxt = i;
          if (!nxt) continue;
        } else {
          nxt = findFollower(cur, family, true);
        }
      } else {
        nxt = findFollower(cur, family, false);
      }
      if (!nxt) break;
      used[*nxt] = true;
      cur = *nxt;
      const auto& ev = (*events)[cur].get_object();
      std::string t = type(cur);
      const Json* details = nullptr;
      for (const auto& kv : ev) {
        if (kv.key().ends_with("EventDetails")) details = &kv.value();
      }
      auto field = [&](const char* name) { return details ? details->as_object().if_contains(name) : nullptr; };
      StepInput in;
      in.id = taskId;
      if (t.ends_with("TimedOut")) {
        timedOut = true;
        return out;
      }
      if (t.ends_with("StartFailed") || t.ends_with("SubmitFailed") || t.ends_with("Failed")) {
        in.kind = StepInput::Kind::kTaskFailed;
        in.error = text(field("error")).value_or("");
        in.cause = text(field("cause"));
        out.push_back(in);
        return out;
      }
      if (t.ends_with("Succeeded")) {
        in.kind = StepInput::Kind::kTaskSucceeded;
        in.output = parseRecorded(field("output"));
        out.push_back(in);
        return out;
      }
      if (t.ends_with("Submitted")) {
        in.kind = StepInput::Kind::kTaskSubmitted;
        in.output = parseRecorded(field("output"));
      } else {
        in.kind = StepInput::Kind::kTaskStarted;
        if (const Json* w = field("workerName")) in.workerName = std::string(w->get_string());
      }
      out.push_back(in);
    }
    return out;
  }
};

// Whether a Map state reads its items with an ItemReader (from S3).
bool usesItemReader(const StateMachine& m) {
  for (const auto& [name, s] : m.states) {
    if (s.itemReader) return true;
    for (const auto& b : s.branches)
      if (usesItemReader(*b)) return true;
    if (s.processor && usesItemReader(*s.processor)) return true;
  }
  return false;
}

bool recordsEvent(const boost::json::array* recorded, std::string_view type) {
  if (!recorded) return false;
  return std::any_of(recorded->begin(), recorded->end(), [&](const Json& e) {
    const Json& t = e.at("type");
    return t.is_string() && t.get_string() == type;
  });
}

}  // namespace

CaseResult runInProcess(const boost::json::object& c) {
  const auto& expected = c.at("expected").as_object();
  const auto& requires_ = c.at("requires").as_array();
  Json definitionJson = c.at("definition");
  if (std::find(requires_.begin(), requires_.end(), Json("activity")) != requires_.end())
    substituteActivityArns(definitionJson, "arn:aws:states:us-east-1:111111111111:activity:activity");
  auto def = parseDefinition(toJsonText(definitionJson));
  if (!def) return {CaseResult::Kind::kFailed, def.error().message};
  const boost::json::array* recorded = expected.contains("events") ? &expected.at("events").as_array() : nullptr;
  if (!requires_.empty() && !recorded)
    return {CaseResult::Kind::kSkipped, "needs an integration and has no recorded history to replay"};
  if (usesItemReader(**def) && recordsEvent(recorded, "MapRunSucceeded")) {
    return {CaseResult::Kind::kSkipped,
            "ItemReader reads an S3 object whose content is not recorded (the map run's child executions are not "
            "in this history), so the items cannot be replayed"};
  }

  ManualClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  auto ids = makeSequentialIdGenerator(7);
  ExecutionInfo info{"arn:aws:states:us-east-1:111111111111:execution:sm:exec",
                     "exec",
                     "arn:aws:states:us-east-1:111111111111:stateMachine:sm",
                     "sm",
                     "arn:aws:iam::111111111111:role/sfn",
                     "us-east-1"};
  jsonata::AslJsonataEvaluator jsonata;
  Execution exec(*def, info, clock, *ids, &jsonata);
  // A scheduled task with the JSON of the event that scheduled it.
  struct Pending {
    Command cmd;
    Json scheduled;
  };
  std::vector<Pending> pending;
  auto absorb = [&](StepResult r) {
    std::vector<Json> scheduledEvents;
    for (const auto& e : r.events) {
      if (e.type.ends_with("Scheduled")) scheduledEvents.push_back(e.toJson());
    }
    size_t next = 0;
    for (auto& cmd : r.commands) {
      Json scheduled;
      if (cmd.kind == Command::Kind::kScheduleTask && next < scheduledEvents.size())
        scheduled = scheduledEvents[next++];
      pending.push_back({std::move(cmd), std::move(scheduled)});
    }
  };
  auto fire = [&](std::vector<Pending>::iterator timer) {
    Command cmd = std::move(timer->cmd);
    pending.erase(timer);
    clock.set(std::max(clock.now(), cmd.fireAt));
    absorb(exec.step(StepInput{
        .kind = StepInput::Kind::kTimerFired, .id = cmd.id, .output = {}, .error = {}, .cause = {}, .workerName = {}}));
  };
  auto earliestTimer = [&](std::string_view prefix) {
    auto best = pending.end();
    for (auto p = pending.begin(); p != pending.end(); ++p) {
      if (p->cmd.kind != Command::Kind::kStartTimer || !p->cmd.id.starts_with(prefix)) continue;
      if (best == pending.end() || p->cmd.fireAt < best->cmd.fireAt) best = p;
    }
    return best;
  };
  absorb(exec.start(c.at("input")));
  std::optional<Replay> replay;
  if (recorded) replay.emplace(recorded);
  int guard = 0;
  while (exec.status() == ExecutionStatus::kRunning && ++guard < 100000 && !pending.empty()) {
    // Tasks first (in order): their recorded outcome takes no time on the injected clock.
    auto it = std::find_if(pending.begin(), pending.end(),
                           [](const Pending& x) { return x.cmd.kind == Command::Kind::kScheduleTask; });
    if (it != pending.end()) {
      Pending task = std::move(*it);
      pending.erase(it);
      if (!replay) return {CaseResult::Kind::kSkipped, "task without a recorded outcome"};
      bool timedOut = false;
      for (const auto& in : replay->next(task.cmd.task.taskId, task.scheduled, timedOut)) absorb(exec.step(in));
      // A recorded timeout: the task's own timer (TimeoutSeconds or heartbeat) fires first.
      if (timedOut) {
        auto timer = earliestTimer(task.cmd.task.taskId + "-");
        if (timer != pending.end()) fire(timer);
      }
      continue;
    }
    auto timer = earliestTimer("");
    if (timer == pending.end()) break;
    fire(timer);
  }
  Outcome outcome{std::string(executionStatusName(exec.status())), exec.output(), exec.error(), exec.cause(), {}};
  for (const auto& e : exec.history()) outcome.history.push_back(e.toJson());
  return compareOutcome(expected, **def, outcome);
}

}  // namespace wharf::conformance
