#include "sfn/integrations/resource_name.h"

#include <array>

namespace wharf::sfn {

std::optional<ResourceName> ResourceName::parse(std::string_view resource) {
  // arn : partition : states : region : account : rest
  std::array<std::string_view, 5> head;
  for (auto& part : head) {
    size_t colon = resource.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    part = resource.substr(0, colon);
    resource.remove_prefix(colon + 1);
  }
  if (head[0] != "arn" || head[2] != "states" || !head[3].empty() || !head[4].empty()) return std::nullopt;
  ResourceName out;
  size_t colon = resource.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  out.service = std::string(resource.substr(0, colon));
  resource.remove_prefix(colon + 1);
  if (out.service == "aws-sdk") {
    colon = resource.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    out.service += ":" + std::string(resource.substr(0, colon));
    resource.remove_prefix(colon + 1);
  }
  size_t dot = resource.find('.');
  out.action = std::string(resource.substr(0, dot));
  if (dot != std::string_view::npos) out.pattern = std::string(resource.substr(dot + 1));
  if (out.action.empty()) return std::nullopt;
  return out;
}

}  // namespace wharf::sfn
