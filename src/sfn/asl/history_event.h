// One execution history event as GetExecutionHistory returns it.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace wharf::asl {

struct HistoryEvent {
  int64_t id = 0;
  int64_t previousEventId = 0;
  std::string type;  // e.g. "PassStateEntered"
  std::chrono::system_clock::time_point timestamp;
  std::string detailsKey;  // e.g. "stateEnteredEventDetails"; empty when the event has no details
  boost::json::object details;

  // The API shape: {"id", "previousEventId", "type", "timestamp" (epoch seconds), detailsKey: details}.
  boost::json::object toJson() const;
};

}  // namespace wharf::asl
