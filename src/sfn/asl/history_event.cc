#include "sfn/asl/history_event.h"

#include "common/time_format.h"

namespace wharf::asl {

boost::json::object HistoryEvent::detailsJson() const {
  if (details.empty()) return {};
  // The producer wrote the text, so it is a well-formed object.
  return boost::json::parse(details).as_object();
}

boost::json::object HistoryEvent::toJson() const {
  boost::json::object out;
  out["id"] = id;
  out["previousEventId"] = previousEventId;
  out["type"] = type;
  out["timestamp"] = toEpochSeconds(timestamp);
  if (!detailsKey.empty()) out[detailsKey] = detailsJson();
  return out;
}

}  // namespace wharf::asl
