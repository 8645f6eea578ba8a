// Clusters: creation (idempotent while ACTIVE), settings updates, deletion to INACTIVE (AWS keeps
// deleted clusters describable), tags.
#pragma once

#include <string>
#include <vector>

#include "ecs/arns.h"
#include "ecs/entity_table.h"

namespace wharf::ecs {

class ClusterRegistry {
 public:
  ClusterRegistry(Store& store, const Arns& arns) : table_(store, "ecs.clusters"), arns_(arns) {}

  Result<void> load() { return table_.load(); }

  // CreateCluster: returns the ACTIVE cluster of that name if there is one, else creates it from
  // the request's settings, configuration, capacity providers and service connect defaults.
  Result<EntityPtr> create(const std::string& name, const boost::json::object& request, Tags tags);
  // An ACTIVE cluster given by name or ARN; ClusterNotFoundException otherwise.
  Result<EntityPtr> active(std::string_view nameOrArn) const;
  // Any cluster (ACTIVE or INACTIVE) by name; nullptr when never created.
  EntityPtr find(std::string_view name) const { return table_.get(name); }
  std::vector<std::string> activeArns() const;  // ordered by name

  // `check` runs under the write lock right before the cluster goes INACTIVE (it refuses while
  // tasks are active).
  Result<EntityPtr> remove(std::string_view nameOrArn, const std::function<Result<void>()>& check);
  Result<EntityPtr> update(std::string_view nameOrArn, const boost::json::object& request);
  Result<EntityPtr> updateTags(std::string_view nameOrArn, const std::function<Result<Tags>(Tags)>& change);

 private:
  Result<EntityPtr> mutateActive(std::string_view nameOrArn, const std::function<Result<void>(Entity&)>& change);

  EntityTable table_;
  const Arns& arns_;
};

}  // namespace wharf::ecs
