// Runs the recorded AWS Step Functions executions (shared/conformance/sfn) through the ASL
// interpreter and compares status, output, error, cause and history per the corpus README.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

#include "common/clock.h"
#include "common/ids.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/execution.h"
#include "sfn/asl/json_text.h"
#include "sfn/jsonata/asl_jsonata_evaluator.h"

namespace fs = std::filesystem;
using Json = boost::json::value;
using namespace wharf;
using namespace wharf::asl;

namespace {

const std::set<std::string> kFixedWords = {"a_message_id",
                                           "a_task_token",
                                           "activity_arn",
                                           "bucket-name",
                                           "bucket_name",
                                           "date",
                                           "detail-type",
                                           "entered-time",
                                           "execution-arn",
                                           "executionSucceededEventDetails.output",
                                           "file-key",
                                           "function_name_branch1",
                                           "function_name_branch2",
                                           "lambda_function_name",
                                           "map_run_arn",
                                           "RandomNumberGenerated",
                                           "snf_role_arn",
                                           "someNonexistentBucketName",
                                           "sqs-queue-url",
                                           "sqs_queue_url",
                                           "start-date",
                                           "start-time",
                                           "state-machine-arn",
                                           "stateExitedEventDetails.output",
                                           "stop-date",
                                           "table-name",
                                           "timestamp",
                                           "topic-arn",
                                           "X-Amzn-Trace-Id"};

// Masks valid ISO-8601 date-times as the recorder did ("2016-13-05T..." is not one and stays).
std::string maskDates(const std::string& s) {
  if (s.find('T') == std::string::npos || s.size() < 20) return s;
  static const std::regex kDate(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  return std::regex_replace(s, kDate, "date");
}

bool templateMatch(const std::string& expected, const std::string& actual) {
  if (expected.find('<') == std::string::npos) return false;
  std::string re;
  for (size_t i = 0; i < expected.size(); ++i) {
    char c = expected[i];
    size_t close = c == '<' ? expected.find('>', i) : std::string::npos;
    if (close != std::string::npos) {
      re += "[\\s\\S]+";
      i = close;
      continue;
    }
    if (std::strchr("\\^$.|?*+()[]{}", c)) re.push_back('\\');
    re.push_back(c);
  }
  try {
    return std::regex_match(actual, std::regex(re));
  } catch (const std::exception&) {
    return false;
  }
}

bool matchValue(const Json& expected, const Json& actual, std::string& where);

bool matchString(const std::string& e, const Json& actual, std::string& where) {
  if (kFixedWords.contains(e)) return true;
  if (actual.is_string()) {
    std::string a = maskDates(std::string(actual.get_string()));
    if (a == e || templateMatch(e, a)) return true;
    auto pe = parseJsonText(e);
    auto pa = parseJsonText(a);
    if (pe && pa && (pe->is_structured() || pa->is_structured() || pe->is_number())) return matchValue(*pe, *pa, where);
    return false;
  }
  auto pe = parseJsonText(e);
  return pe && !pe->is_string() && matchValue(*pe, actual, where);
}

bool matchValue(const Json& expected, const Json& actual, std::string& where) {
  if (expected.is_string()) {
    if (matchString(std::string(expected.get_string()), actual, where)) return true;
    where = fmt::format("expected {} got {}", toJsonText(expected), toJsonText(actual));
    return false;
  }
  if (actual.is_string() && expected.is_structured()) {
    auto pa = parseJsonText(actual.get_string());
    if (pa) return matchValue(expected, *pa, where);
  }
  if (expected.is_object() && actual.is_object()) {
    const auto& eo = expected.get_object();
    const auto& ao = actual.get_object();
    for (const auto& kv : eo) {
      const Json* a = ao.if_contains(kv.key());
      if (!a) {
        where = fmt::format("missing key '{}'", std::string_view(kv.key()));
        return false;
      }
      std::string k = kv.key();
      std::transform(k.begin(), k.end(), k.begin(), ::tolower);
      if (k.find("timestamp") != std::string::npos) continue;
      if (!matchValue(kv.value(), *a, where)) {
        where = fmt::format("{}: {}", std::string_view(kv.key()), where);
        return false;
      }
    }
    for (const auto& kv : ao) {
      if (!eo.contains(kv.key())) {
        where = fmt::format("unexpected key '{}'", std::string_view(kv.key()));
        return false;
      }
    }
    return true;
  }
  if (expected.is_array() && actual.is_array()) {
    const auto& ea = expected.get_array();
    const auto& aa = actual.get_array();
    if (ea.size() != aa.size()) {
      where = fmt::format("array size {} vs {}", ea.size(), aa.size());
      return false;
    }
    for (size_t i = 0; i < ea.size(); ++i) {
      if (!matchValue(ea[i], aa[i], where)) {
        where = fmt::format("[{}]: {}", i, where);
        return false;
      }
    }
    return true;
  }
  if (jsonEquals(expected, actual)) return true;
  where = fmt::format("expected {} got {}", toJsonText(expected), toJsonText(actual));
  return false;
}

bool matchEvent(const Json& expected, const Json& actual, bool ids, std::string& where) {
  const auto& e = expected.get_object();
  const auto& a = actual.get_object();
  if (e.at("type") != a.at("type")) {
    where = fmt::format("type {} vs {}", toJsonText(e.at("type")), toJsonText(a.at("type")));
    return false;
  }
  if (ids && (!jsonEquals(e.at("id"), a.at("id")) || !jsonEquals(e.at("previousEventId"), a.at("previousEventId")))) {
    where =
        fmt::format("{} ids {}/{} vs {}/{}", std::string_view(e.at("type").get_string()), toJsonText(e.at("id")),
                    toJsonText(e.at("previousEventId")), toJsonText(a.at("id")), toJsonText(a.at("previousEventId")));
    return false;
  }
  for (const auto& kv : e) {
    std::string_view k = kv.key();
    if (k == "id" || k == "previousEventId" || k == "timestamp" || k == "type") continue;
    const Json* av = a.if_contains(k);
    if (!av) {
      where = fmt::format("{} missing {}", std::string_view(e.at("type").get_string()), k);
      return false;
    }
    Json ev = kv.value();
    Json actualDetails = *av;
    if (k == "executionStartedEventDetails") {
      ev.as_object().erase("roleArn");
      actualDetails.as_object().erase("roleArn");
    }
    if (!matchValue(ev, actualDetails, where)) {
      where = fmt::format("{} {}", std::string_view(e.at("type").get_string()), where);
      return false;
    }
  }
  for (const auto& kv : a) {
    std::string_view k = kv.key();
    if (k.ends_with("EventDetails") && !e.contains(k)) {
      where = fmt::format("{} unexpected {}", std::string_view(a.at("type").get_string()), k);
      return false;
    }
  }
  return true;
}

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

struct CaseResult {
  enum class Kind { kPassed, kFailed, kSkipped } kind = Kind::kPassed;
  std::string detail;
};

bool containsType(const StateMachine& m, StateType t) {
  for (const auto& [name, s] : m.states) {
    if (s.type == t) return true;
    for (const auto& b : s.branches)
      if (containsType(*b, t)) return true;
    if (s.processor && containsType(*s.processor, t)) return true;
  }
  return false;
}

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

// Activities created by a test are recorded as the word "activity_arn"; give them a real ARN so
// the Resource is recognised as an activity (the expected "activity_arn" matches any value).
void substituteActivityArns(Json& v) {
  if (v.is_object()) {
    for (auto& kv : v.get_object()) {
      if (kv.key() == "Resource" && kv.value() == "activity_arn")
        kv.value() = "arn:aws:states:us-east-1:111111111111:activity:activity";
      else
        substituteActivityArns(kv.value());
    }
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) substituteActivityArns(x);
  }
}

CaseResult runCase(const boost::json::object& c) {
  const auto& expected = c.at("expected").as_object();
  const auto& requires_ = c.at("requires").as_array();
  Json definitionJson = c.at("definition");
  if (std::find(requires_.begin(), requires_.end(), Json("activity")) != requires_.end())
    substituteActivityArns(definitionJson);
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
  std::string where;
  std::string status(executionStatusName(exec.status()));
  if (status != expected.at("status").as_string()) {
    return {CaseResult::Kind::kFailed, fmt::format("status {} (expected {}) error={} cause={}", status,
                                                   std::string_view(expected.at("status").as_string()),
                                                   exec.error().value_or("-"), exec.cause().value_or("-"))};
  }
  if (const Json* out = expected.if_contains("output")) {
    if (!matchValue(*out, exec.output(), where)) return {CaseResult::Kind::kFailed, "output: " + where};
  }
  if (const Json* err = expected.if_contains("error")) {
    if (!exec.error() || !matchValue(*err, Json(*exec.error()), where)) {
      return {CaseResult::Kind::kFailed,
              fmt::format("error: expected {} got {}", toJsonText(*err), exec.error().value_or("-"))};
    }
  }
  if (const Json* cause = expected.if_contains("cause")) {
    if (!exec.cause() || !matchValue(*cause, Json(*exec.cause()), where)) {
      return {CaseResult::Kind::kFailed,
              fmt::format("cause: expected {} got {}", toJsonText(*cause), exec.cause().value_or("-"))};
    }
  }
  if (!recorded) return {};
  boost::json::array actual;
  for (const auto& e : exec.history()) actual.push_back(e.toJson());
  bool resorted = false;
  for (const auto& e : *recorded) resorted = resorted || e.at("id").is_array();
  if (resorted) {
    for (const auto& e : *recorded) {
      bool found = false;
      for (const auto& a : actual) found = found || matchEvent(e, a, false, where);
      if (!found)
        return {CaseResult::Kind::kFailed,
                fmt::format("recorded event not produced: {}", toJsonText(e).substr(0, 300))};
    }
    return {};
  }
  std::string strictWhere;
  bool strict = recorded->size() == actual.size();
  for (size_t i = 0; strict && i < recorded->size(); ++i) {
    if (!matchEvent((*recorded)[i], actual[i], true, strictWhere)) {
      strictWhere = fmt::format("event {}: {}", i + 1, strictWhere);
      strict = false;
    }
  }
  if (strict) return {};
  if (recorded->size() != actual.size())
    strictWhere = fmt::format("{} events, expected {}; {}", actual.size(), recorded->size(), strictWhere);
  const StateMachine& m = **def;
  if (!(containsType(m, StateType::kMap) || containsType(m, StateType::kParallel)) ||
      recorded->size() != actual.size()) {
    return {CaseResult::Kind::kFailed, strictWhere};
  }
  // Concurrent regions: compare as a multiset, ignoring ids.
  std::vector<bool> used(actual.size(), false);
  for (const auto& e : *recorded) {
    bool found = false;
    for (size_t i = 0; i < actual.size() && !found; ++i) {
      if (!used[i] && matchEvent(e, actual[i], false, where)) used[i] = found = true;
    }
    if (!found) return {CaseResult::Kind::kFailed, strictWhere};
  }
  return {};
}

std::map<std::string, std::string> loadKnownFailures(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string id;
    ss >> id;
    std::string reason;
    std::getline(ss, reason);
    out[id] = reason;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs recorded Step Functions executions through the ASL interpreter"};
  std::string casesDir, knownFile, filter;
  bool verbose = false;
  app.add_option("--cases", casesDir, "directory of cases (searched recursively)")->required();
  app.add_option("--known-failures", knownFile, "file of 'case-id  reason' lines");
  app.add_option("--filter", filter, "only cases whose id contains this text");
  app.add_flag("--verbose", verbose, "also print skipped cases and why");
  CLI11_PARSE(app, argc, argv);

  auto known = knownFile.empty() ? std::map<std::string, std::string>() : loadKnownFailures(knownFile);
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(casesDir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  int passed = 0, failed = 0, skipped = 0, unexpected = 0, jsonPathTotal = 0, jsonPathPassed = 0;
  int jsonataPassed = 0, jsonataFailed = 0, jsonataSkipped = 0;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream buf;
    buf << in.rdbuf();
    auto doc = parseJsonText(buf.str());
    if (!doc || !doc->is_object()) {
      std::cout << "FAIL " << file.string() << ": not valid JSON\n";
      ++failed;
      ++unexpected;
      continue;
    }
    const auto& c = doc->get_object();
    std::string id(c.at("id").as_string());
    if (!filter.empty() && id.find(filter) == std::string::npos) continue;
    CaseResult r = runCase(c);
    bool jsonPath = c.at("query_language") == "JSONPath";
    jsonPathTotal += jsonPath ? 1 : 0;
    switch (r.kind) {
      case CaseResult::Kind::kPassed:
        ++passed;
        jsonPathPassed += jsonPath ? 1 : 0;
        jsonataPassed += jsonPath ? 0 : 1;
        break;
      case CaseResult::Kind::kSkipped:
        ++skipped;
        jsonataSkipped += jsonPath ? 0 : 1;
        if (verbose) std::cout << "SKIP " << id << ": " << r.detail << "\n";
        break;
      case CaseResult::Kind::kFailed:
        ++failed;
        jsonataFailed += jsonPath ? 0 : 1;
        if (known.contains(id)) {
          std::cout << "KNOWN " << id << ": " << r.detail.substr(0, 600) << "\n";
        } else {
          ++unexpected;
          std::cout << "FAIL " << id << ": " << r.detail.substr(0, 600) << "\n";
        }
        break;
    }
  }
  std::cout << fmt::format("JSONPath cases: {}/{} passed\n", jsonPathPassed, jsonPathTotal);
  std::cout << fmt::format("JSONata cases: {} passed, {} failed, {} skipped\n", jsonataPassed, jsonataFailed,
                           jsonataSkipped);
  std::cout << fmt::format("{} passed, {} failed, {} skipped\n", passed, failed, skipped);
  return unexpected == 0 ? 0 : 1;
}
