// One execution history event as GetExecutionHistory returns it.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace wharf::asl {

// The event only views its text: the names are static (string literals or the interpreter's
// name tables) and the details live in storage of the event's producer (an execution keeps them
// as long as itself), so events are cheap to build and copy.
struct HistoryEvent {
  int64_t id = 0;
  int64_t previousEventId = 0;
  std::string_view type;  // e.g. "PassStateEntered"
  std::chrono::system_clock::time_point timestamp;
  std::string_view detailsKey;  // e.g. "stateEnteredEventDetails"; empty when the event has no details
  std::string_view details;     // the details object as compact JSON text; empty when none

  // The details parsed ({} when none).
  boost::json::object detailsJson() const;
  // The API shape: {"id", "previousEventId", "type", "timestamp" (epoch seconds), detailsKey: details}.
  boost::json::object toJson() const;
};

}  // namespace wharf::asl
