// Resource tags as ECS validates and returns them ([{key, value}], at most 50 per resource).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace wharf::ecs {

using Tags = std::vector<std::pair<std::string, std::string>>;  // in the order they were added

// Validates a request's tag list (key 1..128, value 0..256, no "aws:" prefix).
Result<Tags> parseTags(const boost::json::array* tags);
boost::json::array tagsToJson(const Tags& tags);
// Adds or replaces `update` over `base`; fails past the 50-tag limit.
Result<Tags> mergeTags(Tags base, const Tags& update);
void removeTags(Tags& tags, const std::vector<std::string>& keys);

}  // namespace wharf::ecs
