#include "sfn/asl/definition.h"

#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <set>

#include "sfn/asl/json_text.h"
#include "sfn/asl/jsonata_evaluator.h"

namespace wharf::asl {

std::string_view stateTypeName(StateType type) {
  switch (type) {
    case StateType::kPass:
      return "Pass";
    case StateType::kTask:
      return "Task";
    case StateType::kChoice:
      return "Choice";
    case StateType::kWait:
      return "Wait";
    case StateType::kSucceed:
      return "Succeed";
    case StateType::kFail:
      return "Fail";
    case StateType::kParallel:
      return "Parallel";
    case StateType::kMap:
      return "Map";
  }
  return "";
}

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxStates = 10000;
constexpr size_t kMaxDefinitionBytes = 1024 * 1024;

const std::set<std::string, std::less<>> kCompareOps = {"StringEquals",
                                                        "StringLessThan",
                                                        "StringGreaterThan",
                                                        "StringLessThanEquals",
                                                        "StringGreaterThanEquals",
                                                        "StringMatches",
                                                        "NumericEquals",
                                                        "NumericLessThan",
                                                        "NumericGreaterThan",
                                                        "NumericLessThanEquals",
                                                        "NumericGreaterThanEquals",
                                                        "BooleanEquals",
                                                        "TimestampEquals",
                                                        "TimestampLessThan",
                                                        "TimestampGreaterThan",
                                                        "TimestampLessThanEquals",
                                                        "TimestampGreaterThanEquals",
                                                        "IsNull",
                                                        "IsPresent",
                                                        "IsNumeric",
                                                        "IsString",
                                                        "IsBoolean",
                                                        "IsTimestamp"};

bool isPathOp(std::string_view op) {
  return op.ends_with("Path") && kCompareOps.contains(op.substr(0, op.size() - 4)) && !op.starts_with("Is") &&
         op != "StringMatchesPath";
}

std::set<std::string, std::less<>> allowedFields(StateType type) {
  std::set<std::string, std::less<>> f = {"Type", "Comment", "QueryLanguage", "Assign", "Output"};
  auto add = [&](std::initializer_list<const char*> names) {
    for (const char* n : names) f.insert(n);
  };
  if (type != StateType::kFail) add({"InputPath", "OutputPath"});
  if (type != StateType::kChoice && type != StateType::kSucceed && type != StateType::kFail) add({"Next", "End"});
  switch (type) {
    case StateType::kPass:
      add({"Result", "ResultPath", "Parameters"});
      break;
    case StateType::kTask:
      add({"Resource", "Parameters", "Arguments", "ResultPath", "ResultSelector", "Retry", "Catch", "TimeoutSeconds",
           "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials"});
      break;
    case StateType::kChoice:
      add({"Choices", "Default"});
      break;
    case StateType::kWait:
      add({"Seconds", "Timestamp", "SecondsPath", "TimestampPath"});
      break;
    case StateType::kSucceed:
      break;
    case StateType::kFail:
      f.erase("Assign");
      f.erase("Output");
      add({"Error", "Cause", "ErrorPath", "CausePath"});
      break;
    case StateType::kParallel:
      add({"Branches", "Parameters", "Arguments", "ResultPath", "ResultSelector", "Retry", "Catch"});
      break;
    case StateType::kMap:
      add({"Iterator",
           "ItemProcessor",
           "ItemsPath",
           "Items",
           "ItemSelector",
           "Parameters",
           "ItemReader",
           "ItemBatcher",
           "ResultWriter",
           "MaxConcurrency",
           "MaxConcurrencyPath",
           "ToleratedFailurePercentage",
           "ToleratedFailurePercentagePath",
           "ToleratedFailureCount",
           "ToleratedFailureCountPath",
           "Label",
           "ResultPath",
           "ResultSelector",
           "Retry",
           "Catch",
           "Arguments"});
      break;
  }
  return f;
}

std::optional<StateType> parseType(std::string_view t) {
  static const std::pair<const char*, StateType> kTypes[] = {
      {"Pass", StateType::kPass},         {"Task", StateType::kTask},       {"Choice", StateType::kChoice},
      {"Wait", StateType::kWait},         {"Succeed", StateType::kSucceed}, {"Fail", StateType::kFail},
      {"Parallel", StateType::kParallel}, {"Map", StateType::kMap}};
  for (const auto& [name, type] : kTypes) {
    if (t == name) return type;
  }
  return std::nullopt;
}

bool isInteger(const boost::json::value& v) {
  double d = 0;
  return v.is_int64() || v.is_uint64() || (v.is_double() && asDouble(v, d) && std::trunc(d) == d);
}

int64_t toInt(const boost::json::value& v) {
  double d = 0;
  if (v.is_int64()) return v.get_int64();
  asDouble(v, d);
  return static_cast<int64_t>(d);
}

class DefinitionParser {
 public:
  std::vector<Diagnostic> diagnostics;

  std::shared_ptr<StateMachine> parseMachine(const boost::json::value& v, const std::string& loc,
                                             QueryLanguage inherited, int depth, bool topLevel) {
    auto machine = std::make_shared<StateMachine>();
    machine->queryLanguage = inherited;
    if (depth > kMaxDepth) {
      schema("Definition nested too deeply", loc);
      return machine;
    }
    if (!v.is_object()) {
      schema("Expected an object", loc);
      return machine;
    }
    const auto& o = v.get_object();
    // Only the whole state machine declares a QueryLanguage: branches and item processors inherit it.
    std::set<std::string, std::less<>> allowed = {"StartAt", "States", "Comment"};
    if (topLevel)
      allowed.insert({"Version", "TimeoutSeconds", "QueryLanguage"});
    else
      allowed.insert("ProcessorConfig");
    checkFields(o, allowed, loc);
    if (const auto* ql = o.if_contains("QueryLanguage"); ql && topLevel) {
      machine->queryLanguage = parseQueryLanguage(*ql, loc + "/QueryLanguage");
      machineLanguage_ = machine->queryLanguage;
    }
    if (const auto* ts = o.if_contains("TimeoutSeconds")) {
      if (!isInteger(*ts) || toInt(*ts) <= 0)
        schema("The value for the field 'TimeoutSeconds' must be a positive integer", loc + "/TimeoutSeconds");
      else
        machine->timeoutSeconds = toInt(*ts);
    }
    const auto* startAt = o.if_contains("StartAt");
    const auto* states = o.if_contains("States");
    if (!startAt || !states) {
      schema(fmt::format("These fields are required: [{}]", !startAt && !states ? "StartAt, States"
                                                            : !startAt          ? "StartAt"
                                                                                : "States"),
             loc);
      return machine;
    }
    if (!startAt->is_string()) {
      schema("The value for the field 'StartAt' must be a STRING", loc + "/StartAt");
      return machine;
    }
    machine->startAt = std::string(startAt->get_string());
    if (!states->is_object()) {
      schema("The value for the field 'States' must be an OBJECT", loc + "/States");
      return machine;
    }
    for (const auto& kv : states->get_object()) {
      if (++stateCount_ > kMaxStates) {
        schema("Too many states", loc + "/States");
        return machine;
      }
      std::string name(kv.key());
      std::string sloc = loc + "/States/" + name;
      if (name.empty() || name.size() > 80) schema("State names must be between 1 and 80 characters long", sloc);
      machine->states.emplace(name, parseState(name, kv.value(), sloc, machine->queryLanguage, depth));
    }
    checkTransitions(*machine, loc);
    resolveTransitions(*machine);
    return machine;
  }

 private:
  size_t stateCount_ = 0;
  QueryLanguage machineLanguage_ = QueryLanguage::kJsonPath;

  void add(std::string code, std::string message, std::string location) {
    diagnostics.push_back({std::move(code), std::move(message), std::move(location)});
  }
  void schema(std::string message, std::string location) {
    add("SCHEMA_VALIDATION_FAILED", std::move(message), std::move(location));
  }

  void checkFields(const boost::json::object& o, const std::set<std::string, std::less<>>& allowed,
                   const std::string& loc) {
    for (const auto& kv : o) {
      if (!allowed.contains(kv.key())) {
        schema(fmt::format("Field '{}' is not supported", std::string_view(kv.key())),
               loc + "/" + std::string(kv.key()));
      }
    }
  }

  // AWS's diagnostic for a field of the other query language.
  static std::string onlyFor(std::string_view field, QueryLanguage language) {
    bool jsonata = language == QueryLanguage::kJsonata;
    return fmt::format("The QueryLanguage is set to '{}', but field '{}' is only supported for the '{}' QueryLanguage",
                       jsonata ? "JSONPath" : "JSONata", field, jsonata ? "JSONata" : "JSONPath");
  }

  QueryLanguage parseQueryLanguage(const boost::json::value& v, const std::string& loc) {
    if (v.is_string() && v.get_string() == "JSONata") return QueryLanguage::kJsonata;
    if (v.is_string() && v.get_string() == "JSONPath") return QueryLanguage::kJsonPath;
    schema("The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]", loc);
    return QueryLanguage::kJsonPath;
  }

  std::optional<std::string> str(const boost::json::object& o, std::string_view key, const std::string& loc) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      schema(fmt::format("The value for the field '{}' must be a STRING", key), loc + "/" + std::string(key));
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<JsonPath> path(const boost::json::object& o, std::string_view key, const std::string& loc,
                               bool allowContextAndVariables = true) {
    auto text = str(o, key, loc);
    if (!text) return std::nullopt;
    auto p = JsonPath::parse(*text);
    if (!p || (!allowContextAndVariables && p->root() != JsonPath::Root::kInput)) {
      schema(fmt::format("The value for the field '{}' must be a valid JSONPath", key), loc + "/" + std::string(key));
      return std::nullopt;
    }
    return std::move(*p);
  }

  OptionalPath optionalPath(const boost::json::object& o, std::string_view key, const std::string& loc,
                            bool forResult) {
    OptionalPath out;
    const auto* v = o.if_contains(key);
    if (!v) return out;
    if (v->is_null()) {
      out.isNull = true;
      return out;
    }
    out.path = path(o, key, loc, !forResult);
    if (forResult && out.path && !out.path->isAssignable()) {
      schema(fmt::format("The value for the field '{}' must be a valid ReferencePath", key),
             loc + "/" + std::string(key));
    }
    return out;
  }

  std::optional<PayloadTemplate> payload(const boost::json::object& o, std::string_view key, const std::string& loc,
                                         bool objectOnly) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    std::string where = loc + "/" + std::string(key);
    if (objectOnly && !v->is_object()) {
      schema(fmt::format("The value for the field '{}' must be an OBJECT", key), where);
      return std::nullopt;
    }
    auto t = PayloadTemplate::compile(*v, where);
    if (!t) {
      schema(t.error().message, where);
      return std::nullopt;
    }
    return std::move(*t);
  }

  // A JSONata state's numeric field given as an expression: kept for the interpreter to evaluate.
  bool jsonataNumber(State& s, const boost::json::object& o, std::string_view key, const std::string& loc) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string() || s.queryLanguage != QueryLanguage::kJsonata) return false;
    if (!isExpression(*v)) {
      schema(fmt::format("The value for the field '{}' must be a number or a JSONata expression", key),
             loc + "/" + std::string(key));
    } else {
      s.jsonataNumbers.emplace(std::string(key), std::string(v->get_string()));
    }
    return true;
  }

  std::optional<int64_t> nonNegativeInt(const boost::json::object& o, std::string_view key, const std::string& loc,
                                        bool positive = false) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (!isInteger(*v) || toInt(*v) < (positive ? 1 : 0)) {
      schema(fmt::format("The value for the field '{}' must be {} integer", key,
                         positive ? "a positive" : "a non-negative"),
             loc + "/" + std::string(key));
      return std::nullopt;
    }
    return toInt(*v);
  }

  std::optional<ValueSource> valueSource(const boost::json::object& o, std::string_view key, const std::string& loc) {
    auto text = str(o, key, loc);
    if (!text) return std::nullopt;
    ValueSource out;
    if (IntrinsicFunction::looksLikeCall(*text)) {
      auto call = IntrinsicFunction::parse(*text);
      if (!call) {
        schema(call.error().message, loc + "/" + std::string(key));
        return std::nullopt;
      }
      out.call = std::move(*call);
    } else {
      out.path = path(o, key, loc);
      if (!out.path) return std::nullopt;
    }
    return out;
  }

  std::vector<std::string> errorEquals(const boost::json::object& o, const std::string& loc) {
    std::vector<std::string> out;
    const auto* v = o.if_contains("ErrorEquals");
    if (!v || !v->is_array() || v->get_array().empty()) {
      schema("The field 'ErrorEquals' must be a non-empty array of strings", loc + "/ErrorEquals");
      return out;
    }
    for (const auto& e : v->get_array()) {
      if (e.is_string())
        out.emplace_back(e.get_string());
      else
        schema("The field 'ErrorEquals' must be a non-empty array of strings", loc + "/ErrorEquals");
    }
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == "States.ALL" && out.size() > 1) {
        schema("'States.ALL' must appear alone in 'ErrorEquals'", loc + "/ErrorEquals");
      }
    }
    return out;
  }

  void parseRetryCatch(State& s, const boost::json::object& o, const std::string& loc) {
    if (const auto* r = o.if_contains("Retry")) {
      if (!r->is_array())
        schema("The value for the field 'Retry' must be an ARRAY", loc + "/Retry");
      else
        for (size_t i = 0; i < r->get_array().size(); ++i) {
          std::string rl = fmt::format("{}/Retry[{}]", loc, i);
          const auto& rv = r->get_array()[i];
          if (!rv.is_object()) {
            schema("A retrier must be an OBJECT", rl);
            continue;
          }
          const auto& ro = rv.get_object();
          checkFields(ro,
                      {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                       "JitterStrategy", "Comment"},
                      rl);
          Retrier retrier;
          retrier.errorEquals = errorEquals(ro, rl);
          if (auto v = nonNegativeInt(ro, "IntervalSeconds", rl, true))
            retrier.intervalSeconds = static_cast<double>(*v);
          if (auto v = nonNegativeInt(ro, "MaxAttempts", rl)) retrier.maxAttempts = *v;
          if (auto v = nonNegativeInt(ro, "MaxDelaySeconds", rl, true)) retrier.maxDelaySeconds = *v;
          if (const auto* b = ro.if_contains("BackoffRate")) {
            double d = 0;
            if (!asDouble(*b, d) || d < 1.0)
              schema("The value for the field 'BackoffRate' must be a number >= 1.0", rl + "/BackoffRate");
            else
              retrier.backoffRate = d;
          }
          if (auto j = str(ro, "JitterStrategy", rl)) {
            if (*j != "FULL" && *j != "NONE")
              schema("The value for the field 'JitterStrategy' must be one of [FULL, NONE]", rl + "/JitterStrategy");
            retrier.fullJitter = *j == "FULL";
          }
          s.retry.push_back(std::move(retrier));
        }
    }
    if (const auto* c = o.if_contains("Catch")) {
      if (!c->is_array())
        schema("The value for the field 'Catch' must be an ARRAY", loc + "/Catch");
      else
        for (size_t i = 0; i < c->get_array().size(); ++i) {
          std::string cl = fmt::format("{}/Catch[{}]", loc, i);
          const auto& cv = c->get_array()[i];
          if (!cv.is_object()) {
            schema("A catcher must be an OBJECT", cl);
            continue;
          }
          const auto& co = cv.get_object();
          checkFields(co, {"ErrorEquals", "ResultPath", "Next", "Comment", "Assign", "Output"}, cl);
          Catcher catcher;
          catcher.errorEquals = errorEquals(co, cl);
          catcher.resultPath = optionalPath(co, "ResultPath", cl, true);
          if (auto n = str(co, "Next", cl))
            catcher.next = *n;
          else
            schema("These fields are required: [Next]", cl);
          if (s.queryLanguage == QueryLanguage::kJsonata) {
            if (const auto* a = co.if_contains("Assign")) catcher.jsonataAssign = *a;
            if (co.contains("ResultPath")) schema(onlyFor("ResultPath", QueryLanguage::kJsonPath), cl);
            if (const auto* out = co.if_contains("Output")) catcher.jsonataOutput = *out;
          } else {
            catcher.assign = payload(co, "Assign", cl, true);
            if (co.contains("Output")) schema(onlyFor("Output", QueryLanguage::kJsonata), cl);
          }
          s.catches.push_back(std::move(catcher));
        }
    }
  }

  ChoiceRule parseRule(const boost::json::value& v, const std::string& loc, bool topLevel, QueryLanguage ql,
                       int depth) {
    ChoiceRule rule;
    if (depth > kMaxDepth) {
      schema("Choice rule nested too deeply", loc);
      return rule;
    }
    if (!v.is_object()) {
      schema("A choice rule must be an OBJECT", loc);
      return rule;
    }
    const auto& o = v.get_object();
    if (topLevel) {
      if (auto n = str(o, "Next", loc))
        rule.next = *n;
      else
        schema("These fields are required: [Next]", loc);
      if (ql == QueryLanguage::kJsonPath)
        rule.assign = payload(o, "Assign", loc, true);
      else {
        if (const auto* a = o.if_contains("Assign")) rule.jsonataAssign = *a;
        if (const auto* out = o.if_contains("Output")) rule.jsonataOutput = *out;
      }
    } else if (o.contains("Next")) {
      schema("Nested choice rules cannot have a 'Next' field", loc + "/Next");
    }
    if (ql == QueryLanguage::kJsonata) {
      rule.kind = ChoiceRule::Kind::kJsonata;
      checkFields(o, {"Condition", "Next", "Comment", "Assign", "Output"}, loc);
      const auto* c = o.if_contains("Condition");
      if (!c)
        schema("These fields are required: [Condition]", loc);
      else if (!c->is_bool() && !isExpression(*c))
        schema("The value for the field 'Condition' must be a BOOLEAN or a JSONata expression", loc + "/Condition");
      else
        rule.condition = *c;
      return rule;
    }
    if (o.contains("Condition")) schema(onlyFor("Condition", QueryLanguage::kJsonata), loc);
    for (const char* combinator : {"And", "Or"}) {
      if (const auto* list = o.if_contains(combinator)) {
        rule.kind = std::string_view(combinator) == "And" ? ChoiceRule::Kind::kAnd : ChoiceRule::Kind::kOr;
        if (!list->is_array() || list->get_array().empty()) {
          schema(fmt::format("The value for the field '{}' must be a non-empty ARRAY", combinator),
                 loc + "/" + combinator);
          return rule;
        }
        for (size_t i = 0; i < list->get_array().size(); ++i) {
          rule.children.push_back(
              parseRule(list->get_array()[i], fmt::format("{}/{}[{}]", loc, combinator, i), false, ql, depth + 1));
        }
        return rule;
      }
    }
    if (const auto* inner = o.if_contains("Not")) {
      rule.kind = ChoiceRule::Kind::kNot;
      rule.children.push_back(parseRule(*inner, loc + "/Not", false, ql, depth + 1));
      return rule;
    }
    rule.variable = path(o, "Variable", loc);
    if (!o.contains("Variable")) schema("These fields are required: [Variable]", loc);
    int ops = 0;
    for (const auto& kv : o) {
      std::string_view key = kv.key();
      if (key == "Variable" || key == "Next" || key == "Comment" || key == "Assign" || key == "Output") continue;
      std::string where = loc + "/" + std::string(key);
      if (kCompareOps.contains(key)) {
        ++ops;
        rule.op = std::string(key);
        rule.operand = kv.value();
        bool ok = true;
        if (key.starts_with("String") || key.starts_with("Timestamp"))
          ok = kv.value().is_string();
        else if (key.starts_with("Numeric"))
          ok = kv.value().is_number();
        else
          ok = kv.value().is_bool();
        if (!ok) schema(fmt::format("The value for the field '{}' has the wrong type", key), where);
      } else if (isPathOp(key)) {
        ++ops;
        rule.op = std::string(key);
        rule.operandPath = path(o, key, loc);
      } else {
        schema(fmt::format("Field '{}' is not supported", key), where);
      }
    }
    if (ops != 1) schema("A choice rule must have exactly one comparison operator", loc);
    return rule;
  }

  State parseState(const std::string& name, const boost::json::value& v, const std::string& loc,
                   QueryLanguage inherited, int depth) {
    State s;
    s.name = name;
    appendJsonString(s.nameJson, name);
    s.queryLanguage = inherited;
    if (!v.is_object()) {
      schema("A state must be an OBJECT", loc);
      return s;
    }
    const auto& o = v.get_object();
    auto typeText = str(o, "Type", loc);
    if (!typeText) {
      if (!o.contains("Type")) schema("These fields are required: [Type]", loc);
      return s;
    }
    auto type = parseType(*typeText);
    if (!type) {
      schema(fmt::format("The value for the field 'Type' must be one of [Pass, Task, Choice, Wait, Succeed, Fail, "
                         "Parallel, Map], got '{}'",
                         *typeText),
             loc + "/Type");
      return s;
    }
    s.type = *type;
    checkFields(o, allowedFields(s.type), loc);
    if (const auto* ql = o.if_contains("QueryLanguage")) {
      s.queryLanguage = parseQueryLanguage(*ql, loc + "/QueryLanguage");
      if (machineLanguage_ == QueryLanguage::kJsonata && s.queryLanguage == QueryLanguage::kJsonPath) {
        schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", loc);
      }
    }
    bool jsonata = s.queryLanguage == QueryLanguage::kJsonata;
    if (jsonata) {
      for (const char* f :
           {"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "ItemsPath", "Result",
            "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "TimeoutSecondsPath", "HeartbeatSecondsPath",
            "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"}) {
        if (o.contains(f)) schema(onlyFor(f, QueryLanguage::kJsonPath), loc);
      }
      if (const auto* a = o.if_contains("Arguments")) s.jsonataArguments = *a;
      if (const auto* a = o.if_contains("Output")) s.jsonataOutput = *a;
      if (const auto* a = o.if_contains("Assign")) s.jsonataAssign = *a;
      if (const auto* a = o.if_contains("Items")) s.jsonataItems = *a;
    } else {
      for (const char* f : {"Arguments", "Output", "Items"}) {
        if (o.contains(f)) schema(onlyFor(f, QueryLanguage::kJsonata), loc);
      }
      s.inputPath = optionalPath(o, "InputPath", loc, false);
      s.outputPath = optionalPath(o, "OutputPath", loc, false);
      s.resultPath = optionalPath(o, "ResultPath", loc, true);
      s.parameters = payload(o, "Parameters", loc, s.type != StateType::kPass && s.type != StateType::kTask);
      s.resultSelector = payload(o, "ResultSelector", loc, true);
      s.assign = payload(o, "Assign", loc, true);
    }
    if (s.type != StateType::kChoice && s.type != StateType::kSucceed && s.type != StateType::kFail) {
      auto next = str(o, "Next", loc);
      const auto* end = o.if_contains("End");
      if (end && !end->is_bool()) schema("The value for the field 'End' must be a BOOLEAN", loc + "/End");
      s.end = end && end->is_bool() && end->get_bool();
      if (next) s.next = *next;
      if (next && s.end) schema("Only one of these fields can be set: [Next, End]", loc);
      if (!next && !s.end) schema("Exactly one of these fields must be set: [Next, End]", loc);
    }
    switch (s.type) {
      case StateType::kPass:
        if (const auto* r = o.if_contains("Result")) s.result = *r;
        break;
      case StateType::kTask: {
        if (auto r = str(o, "Resource", loc))
          s.resource = *r;
        else if (!o.contains("Resource"))
          schema("These fields are required: [Resource]", loc);
        if (o.contains("TimeoutSeconds") && o.contains("TimeoutSecondsPath"))
          schema("Only one of these fields can be set: [TimeoutSeconds, TimeoutSecondsPath]", loc);
        if (o.contains("HeartbeatSeconds") && o.contains("HeartbeatSecondsPath"))
          schema("Only one of these fields can be set: [HeartbeatSeconds, HeartbeatSecondsPath]", loc);
        if (!jsonataNumber(s, o, "TimeoutSeconds", loc))
          s.timeoutSeconds = nonNegativeInt(o, "TimeoutSeconds", loc, true);
        if (!jsonataNumber(s, o, "HeartbeatSeconds", loc))
          s.heartbeatSeconds = nonNegativeInt(o, "HeartbeatSeconds", loc, true);
        s.timeoutSecondsPath = path(o, "TimeoutSecondsPath", loc);
        s.heartbeatSecondsPath = path(o, "HeartbeatSecondsPath", loc);
        if (s.timeoutSeconds && s.heartbeatSeconds && *s.heartbeatSeconds >= *s.timeoutSeconds) {
          schema("The value of 'HeartbeatSeconds' must be less than the value of 'TimeoutSeconds'",
                 loc + "/HeartbeatSeconds");
        }
        if (jsonata) {
          if (const auto* c = o.if_contains("Credentials")) s.jsonataCredentials = *c;
        } else {
          s.credentials = payload(o, "Credentials", loc, true);
        }
        parseRetryCatch(s, o, loc);
        break;
      }
      case StateType::kChoice: {
        const auto* choices = o.if_contains("Choices");
        if (!choices || !choices->is_array() || choices->get_array().empty()) {
          schema("The field 'Choices' must be a non-empty ARRAY", loc + "/Choices");
        } else {
          for (size_t i = 0; i < choices->get_array().size(); ++i) {
            s.choices.push_back(parseRule(choices->get_array()[i], fmt::format("{}/Choices[{}]", loc, i), true,
                                          s.queryLanguage, depth));
          }
        }
        if (auto d = str(o, "Default", loc)) s.defaultNext = *d;
        break;
      }
      case StateType::kWait: {
        int count = 0;
        for (const char* f : {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"}) count += o.contains(f) ? 1 : 0;
        if (count != 1)
          schema("Exactly one of these fields must be set: [Seconds, Timestamp, SecondsPath, TimestampPath]", loc);
        if (const auto* sec = o.if_contains("Seconds")) {
          if (jsonata && sec->is_string() && !isExpression(*sec)) {
            schema("The value for the field 'Seconds' must be a non-negative integer or a JSONata expression",
                   loc + "/Seconds");
          } else if (!(jsonata && sec->is_string()) && (!isInteger(*sec) || toInt(*sec) < 0)) {
            schema("The value for the field 'Seconds' must be a non-negative integer", loc + "/Seconds");
          }
          s.seconds = *sec;
        }
        s.timestamp = str(o, "Timestamp", loc);
        s.secondsPath = path(o, "SecondsPath", loc);
        s.timestampPath = path(o, "TimestampPath", loc);
        break;
      }
      case StateType::kSucceed:
        break;
      case StateType::kFail:
        s.error = str(o, "Error", loc);
        s.cause = str(o, "Cause", loc);
        if (o.contains("Error") && o.contains("ErrorPath"))
          schema("Only one of these fields can be set: [Error, ErrorPath]", loc);
        if (o.contains("Cause") && o.contains("CausePath"))
          schema("Only one of these fields can be set: [Cause, CausePath]", loc);
        if (!jsonata) {
          s.errorPath = valueSource(o, "ErrorPath", loc);
          s.causePath = valueSource(o, "CausePath", loc);
        }
        break;
      case StateType::kParallel: {
        const auto* branches = o.if_contains("Branches");
        if (!branches || !branches->is_array() || branches->get_array().empty()) {
          schema("The field 'Branches' must be a non-empty ARRAY", loc + "/Branches");
        } else {
          for (size_t i = 0; i < branches->get_array().size(); ++i) {
            s.branches.push_back(parseMachine(branches->get_array()[i], fmt::format("{}/Branches[{}]", loc, i),
                                              machineLanguage_, depth + 1, false));
          }
        }
        parseRetryCatch(s, o, loc);
        break;
      }
      case StateType::kMap:
        parseMap(s, o, loc, depth);
        break;
    }
    return s;
  }

  void parseMap(State& s, const boost::json::object& o, const std::string& loc, int depth) {
    const auto* proc = o.if_contains("ItemProcessor");
    std::string ploc = loc + "/ItemProcessor";
    if (!proc) {
      proc = o.if_contains("Iterator");
      ploc = loc + "/Iterator";
    }
    if (!proc) {
      schema("These fields are required: [ItemProcessor]", loc);
    } else {
      if (proc->is_object()) {
        if (const auto* cfg = proc->get_object().if_contains("ProcessorConfig"); cfg && cfg->is_object()) {
          if (const auto* mode = cfg->get_object().if_contains("Mode"); mode && mode->is_string()) {
            if (mode->get_string() == "DISTRIBUTED")
              s.distributed = true;
            else if (mode->get_string() != "INLINE")
              schema("The value for the field 'Mode' must be one of [INLINE, DISTRIBUTED]",
                     ploc + "/ProcessorConfig/Mode");
          }
        }
      }
      s.processor = parseMachine(*proc, ploc, machineLanguage_, depth + 1, false);
    }
    if (s.queryLanguage == QueryLanguage::kJsonPath) {
      s.itemsPath = path(o, "ItemsPath", loc);
      s.itemSelector = payload(o, "ItemSelector", loc, true);
      if (s.parameters && s.itemSelector)
        schema("Only one of these fields can be set: [Parameters, ItemSelector]", loc);
      if (s.parameters) s.itemSelector = std::move(s.parameters), s.parameters.reset();
    } else if (const auto* sel = o.if_contains("ItemSelector")) {
      s.jsonataArguments = *sel;
    }
    if (!jsonataNumber(s, o, "MaxConcurrency", loc)) s.maxConcurrency = nonNegativeInt(o, "MaxConcurrency", loc);
    s.maxConcurrencyPath = path(o, "MaxConcurrencyPath", loc);
    if (!jsonataNumber(s, o, "ToleratedFailureCount", loc))
      s.toleratedFailureCount = nonNegativeInt(o, "ToleratedFailureCount", loc);
    s.toleratedFailureCountPath = path(o, "ToleratedFailureCountPath", loc);
    const auto* p = o.if_contains("ToleratedFailurePercentage");
    if (p && !jsonataNumber(s, o, "ToleratedFailurePercentage", loc)) {
      double d = 0;
      if (!asDouble(*p, d) || d < 0 || d > 100)
        schema("The value for the field 'ToleratedFailurePercentage' must be a number between 0 and 100",
               loc + "/ToleratedFailurePercentage");
      else
        s.toleratedFailurePercentage = d;
    }
    s.toleratedFailurePercentagePath = path(o, "ToleratedFailurePercentagePath", loc);
    for (const auto& [field, target] : {std::pair{"ItemReader", &s.itemReader},
                                        {"ItemBatcher", &s.itemBatcher},
                                        {"ResultWriter", &s.resultWriter},
                                        {"Label", &s.label}}) {
      if (const auto* f = o.if_contains(field)) *target = *f;
    }
    if (s.itemReader && s.itemReader->is_object() && s.queryLanguage == QueryLanguage::kJsonPath) {
      const auto* config = s.itemReader->get_object().if_contains("ReaderConfig");
      if (config && config->is_object()) {
        std::string where = loc + "/ItemReader/ReaderConfig";
        const auto& c = config->get_object();
        if (const auto* m = c.if_contains("MaxItems"); m && m->is_int64()) s.readerMaxItems = m->get_int64();
        s.readerMaxItemsPath = path(c, "MaxItemsPath", where);
        if (const auto* h = c.if_contains("CSVHeaders"); h && h->is_array()) {
          for (const auto& x : h->get_array())
            if (x.is_string()) s.readerCsvHeaders.emplace_back(x.get_string());
        }
      }
    }
    parseRetryCatch(s, o, loc);
  }

  // Resolves every transition to its target state once, so that running a state never looks a name up.
  static void resolveTransitions(StateMachine& m) {
    m.start = m.find(m.startAt);
    for (auto& [name, s] : m.states) {
      s.nextState = m.find(s.next);
      s.defaultState = m.find(s.defaultNext);
      for (auto& c : s.choices) c.nextState = m.find(c.next);
      for (auto& c : s.catches) c.nextState = m.find(c.next);
    }
  }

  void checkTransitions(const StateMachine& m, const std::string& loc) {
    auto target = [&](const std::string& name, const std::string& where) {
      if (!m.find(name)) add("MISSING_TRANSITION_TARGET", fmt::format("Missing 'Next' target: {}", name), where);
    };
    target(m.startAt, loc + "/StartAt");
    bool terminal = false;
    for (const auto& [name, s] : m.states) {
      std::string sloc = loc + "/States/" + name;
      if (!s.next.empty()) target(s.next, sloc + "/Next");
      if (!s.defaultNext.empty()) target(s.defaultNext, sloc + "/Default");
      for (size_t i = 0; i < s.choices.size(); ++i)
        target(s.choices[i].next, fmt::format("{}/Choices[{}]/Next", sloc, i));
      for (size_t i = 0; i < s.catches.size(); ++i)
        target(s.catches[i].next, fmt::format("{}/Catch[{}]/Next", sloc, i));
      terminal = terminal || s.end || s.type == StateType::kSucceed || s.type == StateType::kFail;
    }
    if (!terminal) {
      add("MISSING_END_STATE", "Workflow has no terminal state", "");
      return;
    }
    std::set<std::string, std::less<>> seen;
    std::deque<std::string> queue;
    if (m.find(m.startAt)) queue.push_back(m.startAt);
    while (!queue.empty()) {
      std::string name = queue.front();
      queue.pop_front();
      if (!seen.insert(name).second) continue;
      const State* s = m.find(name);
      std::vector<std::string> nexts = {s->next, s->defaultNext};
      for (const auto& c : s->choices) nexts.push_back(c.next);
      for (const auto& c : s->catches) nexts.push_back(c.next);
      for (auto& n : nexts) {
        if (!n.empty() && m.find(n) && !seen.contains(n)) queue.push_back(n);
      }
    }
    for (const auto& [name, s] : m.states) {
      if (!seen.contains(name)) {
        add("MISSING_TRANSITION_TARGET", fmt::format("State \"{}\" is not reachable.", name), loc + "/States/" + name);
      }
    }
  }
};

std::vector<Diagnostic> parseInto(std::string_view text, DefinitionPtr* out) {
  if (text.size() > kMaxDefinitionBytes) return {{"SCHEMA_VALIDATION_FAILED", "The definition is too large", ""}};
  auto json = parseJsonText(text);
  if (!json) return {{"INVALID_JSON_DESCRIPTION", json.error().message, ""}};
  DefinitionParser parser;
  auto machine = parser.parseMachine(*json, "", QueryLanguage::kJsonPath, 0, true);
  if (out) *out = machine;
  return parser.diagnostics;
}

}  // namespace

std::vector<Diagnostic> validateDefinition(std::string_view definitionJson) {
  return parseInto(definitionJson, nullptr);
}

Result<DefinitionPtr> parseDefinition(std::string_view definitionJson) {
  DefinitionPtr machine;
  auto diagnostics = parseInto(definitionJson, &machine);
  if (diagnostics.empty()) return machine;
  std::string message = "Invalid State Machine Definition: '";
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i) message += ", ";
    message += diagnostics[i].code + ": " + diagnostics[i].message;
    if (!diagnostics[i].location.empty()) message += " at " + diagnostics[i].location;
  }
  message += "'";
  return invalidParameter(std::move(message), "InvalidDefinition");
}

}  // namespace wharf::asl
