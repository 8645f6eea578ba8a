#include "ecs/pagination.h"

#include "ecs/errors.h"
#include "ecs/json_fields.h"

namespace wharf::ecs {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string toHex(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> fromHex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = hexValue(s[i]), lo = hexValue(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

Result<PageRequest> pageRequest(const boost::json::object& input, size_t maxLimit) {
  PageRequest req;
  req.limit = maxLimit;
  if (auto max = optInt(input, "maxResults")) {
    if (*max < 1 || static_cast<size_t>(*max) > maxLimit) {
      return invalidParam("maxResults must be between 1 and " + std::to_string(maxLimit) + ".");
    }
    req.limit = static_cast<size_t>(*max);
  }
  if (auto token = optString(input, "nextToken"); token && !token->empty()) {
    auto key = fromHex(*token);
    if (!key || key->empty()) return invalidParam("Invalid nextToken.");
    req.after = *key;
  }
  return req;
}

PagedKeys paginate(const std::vector<std::string>& ordered, const PageRequest& request, bool descending) {
  PagedKeys page;
  size_t i = 0;
  if (!request.after.empty()) {
    while (i < ordered.size() && (descending ? ordered[i] >= request.after : ordered[i] <= request.after)) ++i;
  }
  for (; i < ordered.size() && page.keys.size() < request.limit; ++i) page.keys.push_back(ordered[i]);
  if (i < ordered.size() && !page.keys.empty()) page.nextToken = toHex(page.keys.back());
  return page;
}

}  // namespace wharf::ecs
