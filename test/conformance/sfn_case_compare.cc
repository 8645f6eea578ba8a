#include "sfn_case_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <set>

#include "sfn/asl/json_text.h"

namespace wharf::conformance {
namespace {

using Json = boost::json::value;
using asl::jsonEquals;
using asl::parseJsonText;
using asl::toJsonText;

// The words the recorder substituted for whole values (README, "Masked values").
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

// Every <token> of `expected` matches any non-empty text; the rest must be equal.
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

bool containsType(const asl::StateMachine& m, asl::StateType t) {
  for (const auto& [name, s] : m.states) {
    if (s.type == t) return true;
    for (const auto& b : s.branches)
      if (containsType(*b, t)) return true;
    if (s.processor && containsType(*s.processor, t)) return true;
  }
  return false;
}

CaseResult failed(std::string detail) { return {CaseResult::Kind::kFailed, std::move(detail)}; }

CaseResult compareHistory(const boost::json::array& recorded, const asl::StateMachine& machine,
                          const boost::json::array& actual) {
  std::string where;
  bool resorted = std::any_of(recorded.begin(), recorded.end(), [](const Json& e) { return e.at("id").is_array(); });
  if (resorted) {
    // README rule 7: the recorder lost ids and some events; every recorded one must occur.
    for (const auto& e : recorded) {
      bool found = false;
      for (const auto& a : actual) found = found || matchEvent(e, a, false, where);
      if (!found) return failed(fmt::format("recorded event not produced: {}", toJsonText(e).substr(0, 300)));
    }
    return {};
  }
  std::string strictWhere;
  bool strict = recorded.size() == actual.size();
  for (size_t i = 0; strict && i < recorded.size(); ++i) {
    if (!matchEvent(recorded[i], actual[i], true, strictWhere)) {
      strictWhere = fmt::format("event {}: {}", i + 1, strictWhere);
      strict = false;
    }
  }
  if (strict) return {};
  if (recorded.size() != actual.size())
    strictWhere = fmt::format("{} events, expected {}; {}", actual.size(), recorded.size(), strictWhere);
  if (!(containsType(machine, asl::StateType::kMap) || containsType(machine, asl::StateType::kParallel)) ||
      recorded.size() != actual.size()) {
    return failed(strictWhere);
  }
  // Concurrent regions: compare as a multiset, ignoring ids.
  std::vector<bool> used(actual.size(), false);
  for (const auto& e : recorded) {
    bool found = false;
    for (size_t i = 0; i < actual.size() && !found; ++i) {
      if (!used[i] && matchEvent(e, actual[i], false, where)) used[i] = found = true;
    }
    if (!found) return failed(strictWhere);
  }
  return {};
}

}  // namespace

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

void substituteActivityArns(Json& definition, std::string_view arn) {
  if (definition.is_object()) {
    for (auto& kv : definition.get_object()) {
      if (kv.key() == "Resource" && kv.value() == "activity_arn")
        kv.value() = arn;
      else
        substituteActivityArns(kv.value(), arn);
    }
  } else if (definition.is_array()) {
    for (auto& x : definition.get_array()) substituteActivityArns(x, arn);
  }
}

CaseResult compareOutcome(const boost::json::object& expected, const asl::StateMachine& machine,
                          const Outcome& actual) {
  std::string where;
  if (actual.status != expected.at("status").as_string()) {
    return failed(fmt::format("status {} (expected {}) error={} cause={}", actual.status,
                              std::string_view(expected.at("status").as_string()), actual.error.value_or("-"),
                              actual.cause.value_or("-")));
  }
  if (const Json* out = expected.if_contains("output")) {
    if (!matchValue(*out, actual.output, where)) return failed("output: " + where);
  }
  if (const Json* err = expected.if_contains("error")) {
    if (!actual.error || !matchValue(*err, Json(*actual.error), where))
      return failed(fmt::format("error: expected {} got {}", toJsonText(*err), actual.error.value_or("-")));
  }
  if (const Json* cause = expected.if_contains("cause")) {
    if (!actual.cause || !matchValue(*cause, Json(*actual.cause), where))
      return failed(fmt::format("cause: expected {} got {}", toJsonText(*cause), actual.cause.value_or("-")));
  }
  const Json* recorded = expected.if_contains("events");
  if (!recorded) return {};
  return compareHistory(recorded->get_array(), machine, actual.history);
}

}  // namespace wharf::conformance
