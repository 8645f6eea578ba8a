// Task definitions by family and revision: registration (revisions count up per family and are
// never reused), lookup by family / family:revision / ARN, listing, deregistration and deletion.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "ecs/arns.h"
#include "ecs/entity_table.h"

namespace wharf::ecs {

class TaskDefinitionRegistry {
 public:
  TaskDefinitionRegistry(Store& store, const Arns& arns, const Clock& clock)
      : table_(store, "ecs.task-definitions"), arns_(arns), clock_(clock) {}

  Result<void> load() { return table_.load(); }

  // Validates and stores a new revision of request.family.
  Result<EntityPtr> registerDefinition(const boost::json::object& request, Tags tags);

  // family → latest ACTIVE revision; family:revision and ARNs → that revision in any status.
  // Fails with AWS's ClientException "Unable to describe task definition." when there is none.
  Result<EntityPtr> resolve(std::string_view text) const;

  Result<EntityPtr> deregister(std::string_view text);
  // Marks an INACTIVE revision DELETE_IN_PROGRESS; an error's message is the failure reason.
  Result<EntityPtr> markForDeletion(std::string_view text);
  Result<EntityPtr> updateTags(std::string_view text, const std::function<Result<Tags>(Tags)>& change);

  // ARNs with the given status ("ACTIVE"/"INACTIVE"/"DELETE_IN_PROGRESS"), of `family` when not
  // empty, ordered by family then revision; keys for pagination come with them.
  std::vector<std::pair<std::string, std::string>> list(std::string_view family, std::string_view status) const;
  // Family names starting with `prefix`; status ACTIVE = has an ACTIVE revision, INACTIVE = has
  // none, ALL = every family.
  std::vector<std::string> families(std::string_view prefix, std::string_view status) const;

 private:
  static std::string key(std::string_view family, int revision);
  Result<std::string> keyOf(std::string_view text) const;

  EntityTable table_;
  const Arns& arns_;
  const Clock& clock_;
};

}  // namespace wharf::ecs
