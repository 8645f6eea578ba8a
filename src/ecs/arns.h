// Builds and parses the long-format ECS ARNs (arn:aws:ecs:REGION:ACCOUNT:TYPE/...).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::ecs {

class Arns {
 public:
  Arns(std::string_view region, std::string_view accountId);

  std::string cluster(std::string_view name) const;
  std::string taskDefinition(std::string_view family, int revision) const;
  std::string task(std::string_view cluster, std::string_view taskId) const;
  std::string container(std::string_view cluster, std::string_view taskId, std::string_view containerId) const;
  std::string containerInstance(std::string_view cluster, std::string_view instanceId) const;
  // registeredBy of task definitions: the account's root principal.
  std::string principal() const { return principal_; }

 private:
  std::string prefix_;  // arn:aws:ecs:REGION:ACCOUNT:
  std::string principal_;
};

// An ECS ARN split into resource type ("cluster", "task", "task-definition") and the rest.
struct ParsedArn {
  std::string type;
  std::string resource;
};
std::optional<ParsedArn> parseEcsArn(std::string_view arn);

// A cluster given as name or ARN → its name; nullopt when an ARN of another kind.
std::optional<std::string> clusterName(std::string_view nameOrArn);

// "family", "family:revision" or a task definition ARN.
struct TaskDefinitionRef {
  std::string family;
  std::optional<int> revision;
};
std::optional<TaskDefinitionRef> parseTaskDefinitionRef(std::string_view text);

// A task given as id or ARN (short arn .../task/ID or long .../task/CLUSTER/ID) → its id.
std::optional<std::string> taskId(std::string_view idOrArn);

}  // namespace wharf::ecs
