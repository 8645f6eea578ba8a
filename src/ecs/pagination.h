// List pagination: nextToken is opaque to clients (the hex of the last key returned) and
// maxResults is checked against the operation's limit.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace wharf::ecs {

struct PageRequest {
  std::string after;  // resume after this key; empty = from the start
  size_t limit = 100;
};

// Reads nextToken and maxResults (1..maxLimit, default maxLimit) from a List* request.
Result<PageRequest> pageRequest(const boost::json::object& input, size_t maxLimit = 100);

// Keys of the items to page over, in the order they are listed.
struct PagedKeys {
  std::vector<std::string> keys;
  std::optional<std::string> nextToken;
};
// Picks the page from `ordered` (sorted ascending, or descending when `descending`).
PagedKeys paginate(const std::vector<std::string>& ordered, const PageRequest& request, bool descending = false);

}  // namespace wharf::ecs
