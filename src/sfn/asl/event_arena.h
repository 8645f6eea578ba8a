// Memory for the history events of one execution. Events live as long as their execution, so
// they are bump-allocated and released all at once when the last event sharing the arena goes.
#pragma once

#include <boost/json.hpp>

namespace wharf::asl {

// A shared, thread-safe monotonic resource (copies of events may be made on other threads).
boost::json::storage_ptr makeEventArena();

}  // namespace wharf::asl
