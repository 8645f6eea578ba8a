// The parsed, validated form of an Amazon States Language definition. parseDefinition() reports
// problems the way ValidateStateMachineDefinition / CreateStateMachine do (code, message, location).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sfn/asl/intrinsic_function.h"
#include "sfn/asl/json_path.h"
#include "sfn/asl/payload_template.h"

namespace wharf::asl {

enum class StateType { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };
enum class QueryLanguage { kJsonPath, kJsonata };

std::string_view stateTypeName(StateType type);

// One diagnostic of ValidateStateMachineDefinition (severity is always ERROR here).
struct Diagnostic {
  std::string code;      // e.g. SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET
  std::string message;   // e.g. "Missing 'Next' target: B"
  std::string location;  // e.g. "/States/A/Next"; empty when AWS gives none
};

// A path field where "null" is meaningful (InputPath/OutputPath: {} ; ResultPath: discard result).
struct OptionalPath {
  bool isNull = false;
  std::optional<JsonPath> path;  // absent = the default "$"
};

// ErrorPath / CausePath and similar: a path or an intrinsic function.
struct ValueSource {
  std::optional<JsonPath> path;
  std::optional<IntrinsicFunction> call;
};

struct Retrier {
  std::vector<std::string> errorEquals;
  double intervalSeconds = 1;
  int64_t maxAttempts = 3;
  double backoffRate = 2.0;
  std::optional<int64_t> maxDelaySeconds;
  bool fullJitter = false;
};

struct State;

struct Catcher {
  std::vector<std::string> errorEquals;
  OptionalPath resultPath;
  std::string next;
  const State* nextState = nullptr;  // `next` resolved at parse time
  std::optional<PayloadTemplate> assign;
  std::optional<boost::json::value> jsonataAssign, jsonataOutput;  // JSONata "Assign"/"Output" of the catcher
};

struct ChoiceRule {
  enum class Kind { kAnd, kOr, kNot, kCompare, kJsonata };
  Kind kind = Kind::kCompare;
  std::vector<ChoiceRule> children;     // And/Or/Not
  std::optional<JsonPath> variable;     // kCompare
  std::string op;                       // e.g. "StringEquals", "NumericLessThanPath", "IsPresent"
  boost::json::value operand;           // literal operand
  std::optional<JsonPath> operandPath;  // *Path operators
  boost::json::value condition;         // kJsonata: a boolean or a "{% ... %}" string
  std::string next;                     // top-level rules only
  const State* nextState = nullptr;     // `next` resolved at parse time
  std::optional<PayloadTemplate> assign;
  std::optional<boost::json::value> jsonataAssign, jsonataOutput;
};

struct StateMachine;

struct State {
  std::string name;
  std::string nameJson;  // the name as a JSON string literal, as history events quote it
  StateType type = StateType::kPass;
  QueryLanguage queryLanguage = QueryLanguage::kJsonPath;
  std::string next;
  bool end = false;
  // Next (and Choice's Default) resolved at parse time: the state in the same StateMachine, null
  // when there is none. They point into the owning StateMachine, which is therefore not copyable.
  const State* nextState = nullptr;
  const State* defaultState = nullptr;

  OptionalPath inputPath, outputPath, resultPath;
  std::optional<PayloadTemplate> parameters, resultSelector, assign;
  // JSONata-mode fields, kept as written ("{% ... %}" strings inside JSON).
  std::optional<boost::json::value> jsonataArguments, jsonataOutput, jsonataAssign, jsonataItems;
  std::optional<boost::json::value> result;  // Pass
  // JSONata-mode numeric fields written as "{% ... %}" (TimeoutSeconds, HeartbeatSeconds,
  // MaxConcurrency, ToleratedFailureCount, ToleratedFailurePercentage), by field name.
  std::map<std::string, std::string, std::less<>> jsonataNumbers;

  std::vector<Retrier> retry;
  std::vector<Catcher> catches;

  // Task
  std::string resource;
  std::optional<int64_t> timeoutSeconds, heartbeatSeconds;
  std::optional<JsonPath> timeoutSecondsPath, heartbeatSecondsPath;
  std::optional<PayloadTemplate> credentials;  // JSONPath mode: {"RoleArn" | "RoleArn.$": ...}
  std::optional<boost::json::value> jsonataCredentials;

  // Choice
  std::vector<ChoiceRule> choices;
  std::string defaultNext;

  // Wait
  std::optional<boost::json::value> seconds;  // integer
  std::optional<std::string> timestamp;
  std::optional<JsonPath> secondsPath, timestampPath;

  // Fail
  std::optional<std::string> error, cause;
  std::optional<ValueSource> errorPath, causePath;

  // Parallel
  std::vector<std::shared_ptr<const StateMachine>> branches;

  // Map
  std::shared_ptr<const StateMachine> processor;
  bool distributed = false;
  std::optional<JsonPath> itemsPath;
  std::optional<PayloadTemplate> itemSelector;
  std::optional<int64_t> maxConcurrency;
  std::optional<JsonPath> maxConcurrencyPath;
  std::optional<double> toleratedFailurePercentage;
  std::optional<JsonPath> toleratedFailurePercentagePath;
  std::optional<int64_t> toleratedFailureCount;
  std::optional<JsonPath> toleratedFailureCountPath;
  std::optional<boost::json::value> itemReader, itemBatcher, resultWriter, label;
  // ItemReader.ReaderConfig (JSONPath mode), checked before any item is read.
  std::optional<int64_t> readerMaxItems;
  std::optional<JsonPath> readerMaxItemsPath;
  std::vector<std::string> readerCsvHeaders;
};

// A list of states with its start (the top level, a Parallel branch or a Map processor).
struct StateMachine {
  StateMachine() = default;
  StateMachine(const StateMachine&) = delete;
  StateMachine& operator=(const StateMachine&) = delete;

  std::string startAt;
  std::map<std::string, State, std::less<>> states;
  QueryLanguage queryLanguage = QueryLanguage::kJsonPath;
  std::optional<int64_t> timeoutSeconds;
  const State* start = nullptr;  // startAt resolved at parse time
  const State* find(std::string_view name) const {
    auto it = states.find(name);
    return it == states.end() ? nullptr : &it->second;
  }
};

using DefinitionPtr = std::shared_ptr<const StateMachine>;

// All diagnostics for `definitionJson` (empty = valid).
std::vector<Diagnostic> validateDefinition(std::string_view definitionJson);

// Parses and validates; the error is InvalidDefinition with AWS's message format
// ("Invalid State Machine Definition: 'CODE: message at /location, ...'").
Result<DefinitionPtr> parseDefinition(std::string_view definitionJson);

}  // namespace wharf::asl
