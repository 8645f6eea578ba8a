#include "ecs/arns.h"

#include <fmt/format.h>

#include <charconv>

namespace wharf::ecs {

Arns::Arns(std::string_view region, std::string_view accountId)
    : prefix_(fmt::format("arn:aws:ecs:{}:{}:", region, accountId)),
      principal_(fmt::format("arn:aws:iam::{}:root", accountId)) {}

std::string Arns::cluster(std::string_view name) const { return fmt::format("{}cluster/{}", prefix_, name); }

std::string Arns::taskDefinition(std::string_view family, int revision) const {
  return fmt::format("{}task-definition/{}:{}", prefix_, family, revision);
}

std::string Arns::task(std::string_view cluster, std::string_view taskId) const {
  return fmt::format("{}task/{}/{}", prefix_, cluster, taskId);
}

std::string Arns::container(std::string_view cluster, std::string_view taskId, std::string_view containerId) const {
  return fmt::format("{}container/{}/{}/{}", prefix_, cluster, taskId, containerId);
}

std::string Arns::containerInstance(std::string_view cluster, std::string_view instanceId) const {
  return fmt::format("{}container-instance/{}/{}", prefix_, cluster, instanceId);
}

std::optional<ParsedArn> parseEcsArn(std::string_view arn) {
  // arn:PARTITION:ecs:REGION:ACCOUNT:TYPE/RESOURCE
  if (!arn.starts_with("arn:")) return std::nullopt;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  if (arn.substr(0, pos).find(":ecs:") == std::string_view::npos) return std::nullopt;
  std::string_view rest = arn.substr(pos);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) return std::nullopt;
  return ParsedArn{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

std::optional<std::string> clusterName(std::string_view nameOrArn) {
  if (!nameOrArn.starts_with("arn:")) return std::string(nameOrArn);
  auto parsed = parseEcsArn(nameOrArn);
  if (!parsed || parsed->type != "cluster") return std::nullopt;
  return parsed->resource;
}

std::optional<TaskDefinitionRef> parseTaskDefinitionRef(std::string_view text) {
  if (text.starts_with("arn:")) {
    auto parsed = parseEcsArn(text);
    if (!parsed || parsed->type != "task-definition") return std::nullopt;
    text = parsed->resource;
    if (text.find(':') == std::string_view::npos) return std::nullopt;  // ARNs always carry a revision
  }
  TaskDefinitionRef ref;
  size_t colon = text.find(':');
  ref.family = std::string(text.substr(0, colon));
  if (ref.family.empty()) return std::nullopt;
  if (colon != std::string_view::npos) {
    std::string_view rev = text.substr(colon + 1);
    int value = 0;
    auto [ptr, ec] = std::from_chars(rev.data(), rev.data() + rev.size(), value);
    if (ec != std::errc() || ptr != rev.data() + rev.size() || value < 1) return std::nullopt;
    ref.revision = value;
  }
  return ref;
}

std::optional<std::string> taskId(std::string_view idOrArn) {
  if (!idOrArn.starts_with("arn:")) return std::string(idOrArn);
  auto parsed = parseEcsArn(idOrArn);
  if (!parsed || parsed->type != "task") return std::nullopt;
  std::string_view resource = parsed->resource;
  return std::string(resource.substr(resource.rfind('/') + 1));
}

}  // namespace wharf::ecs
