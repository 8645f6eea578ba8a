// Shared helpers of the ASL unit tests: JSON literals, step inputs and a run of one execution on
// a manual clock with sequential ids.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/execution.h"
#include "sfn/asl/json_text.h"

namespace wharf::asl::testing {

inline boost::json::value J(std::string_view text) { return *parseJsonText(text); }

inline StepInput stepInput(StepInput::Kind kind, std::string id) {
  StepInput in;
  in.kind = kind;
  in.id = std::move(id);
  return in;
}
inline StepInput timerFired(std::string id) { return stepInput(StepInput::Kind::kTimerFired, std::move(id)); }
inline StepInput taskFailed(std::string id, std::string error, std::optional<std::string> cause = std::nullopt) {
  StepInput in = stepInput(StepInput::Kind::kTaskFailed, std::move(id));
  in.error = std::move(error);
  in.cause = std::move(cause);
  return in;
}
inline StepInput taskSucceeded(std::string id, boost::json::value output) {
  StepInput in = stepInput(StepInput::Kind::kTaskSucceeded, std::move(id));
  in.output = std::move(output);
  return in;
}

struct TestRun {
  ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<IdGenerator> ids = makeSequentialIdGenerator(3);
  std::unique_ptr<Execution> exec;
  StepResult first;
  TestRun(std::string_view definition, std::string_view input, JsonataEvaluator* jsonata = nullptr) {
    auto def = parseDefinition(definition);
    EXPECT_TRUE(def.has_value()) << (def ? "" : def.error().message);
    ExecutionInfo info{"arn:aws:states:us-east-1:111111111111:execution:sm:run",
                       "run",
                       "arn:aws:states:us-east-1:111111111111:stateMachine:sm",
                       "sm",
                       "arn:aws:iam::111111111111:role/r",
                       "us-east-1"};
    exec = std::make_unique<Execution>(*def, info, clock, *ids, jsonata);
    first = exec->start(J(input));
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : exec->history()) out.emplace_back(e.type);
    return out;
  }
  const HistoryEvent& last(std::string_view type) const {
    for (auto it = exec->history().rbegin(); it != exec->history().rend(); ++it)
      if (it->type == type) return *it;
    static const HistoryEvent kNone;
    ADD_FAILURE() << "no event " << type;
    return kNone;
  }
  // The value of a JSON-text detail field (input, output, parameters) of the last `type` event.
  boost::json::value detail(std::string_view type, std::string_view field) const {
    return J(last(type).detailsJson().at(field).as_string());
  }
};

}  // namespace wharf::asl::testing
