#include "ecs/task_document.h"

#include "ecs/json_fields.h"
#include "ecs/task_registry.h"
#include "ecs/task_spec_builder.h"

namespace wharf::ecs {
namespace {

// AWS lists an override entry for every container, holding only what was overridden.
json::object overridesDoc(const NewTask& p) {
  json::object out;
  if (p.overrides) {
    for (const auto& [k, v] : *p.overrides) {
      if (k != "containerOverrides") out[k] = v;
    }
  }
  json::array containerOverrides;
  for (const agent::ContainerSpec& c : p.spec->containers) {
    json::object entry{{"name", c.name}};
    if (const json::array* given = p.overrides ? optArray(*p.overrides, "containerOverrides") : nullptr) {
      for (const json::value& o : *given) {
        if (stringOr(o.as_object(), "name", "") == c.name) entry = o.as_object();
      }
    }
    containerOverrides.push_back(std::move(entry));
  }
  out["containerOverrides"] = std::move(containerOverrides);
  if (!out.contains("inferenceAcceleratorOverrides")) out["inferenceAcceleratorOverrides"] = json::array();
  return out;
}

}  // namespace

Entity newTaskEntity(const NewTask& p, const Arns& arns, IdGenerator& ids) {
  const agent::TaskSpec& spec = *p.spec;
  bool awsvpc = spec.networkMode == agent::NetworkMode::kAwsvpc;
  Entity task;
  json::object& d = task.doc;
  json::array attachments;
  std::string attachmentId;
  if (awsvpc) {
    attachmentId = ids.uuid();
    attachments.push_back(
        json::object{{"id", attachmentId},
                     {"type", "ElasticNetworkInterface"},
                     {"status", "PRECREATED"},
                     {"details", json::array{json::object{{"name", "subnetId"}, {"value", p.subnetId}}}}});
  }
  d["attachments"] = std::move(attachments);
  d["attributes"] = json::array{json::object{{"name", "ecs.cpu-architecture"}, {"value", "x86_64"}}};
  d["availabilityZone"] = p.availabilityZone;
  d["clusterArn"] = p.clusterArn;
  if (!p.containerInstanceArn.empty()) d["containerInstanceArn"] = p.containerInstanceArn;
  json::array containers;
  for (const agent::ContainerSpec& c : spec.containers) {
    json::object container{{"containerArn", arns.container(spec.clusterName, spec.taskId, ids.uuid())},
                           {"taskArn", spec.taskArn},
                           {"name", c.name},
                           {"image", c.image},
                           {"lastStatus", "PENDING"},
                           {"networkInterfaces", json::array()},
                           {"healthStatus", "UNKNOWN"},
                           {"cpu", std::to_string(c.cpu)}};
    if (c.memoryMiB) container["memory"] = std::to_string(*c.memoryMiB);
    if (c.memoryReservationMiB) container["memoryReservation"] = std::to_string(*c.memoryReservationMiB);
    containers.push_back(std::move(container));
  }
  d["containers"] = std::move(containers);
  if (spec.cpu > 0) d["cpu"] = std::to_string(spec.cpu);
  if (spec.memoryMiB) d["memory"] = std::to_string(*spec.memoryMiB);
  d["createdAt"] = timestamp(p.createdAt);
  d["desiredStatus"] = "RUNNING";
  d["enableExecuteCommand"] = p.enableExecuteCommand;
  d["group"] = p.group;
  d["healthStatus"] = "UNKNOWN";
  d["lastStatus"] = awsvpc ? "PROVISIONING" : "PENDING";
  d["launchType"] = p.launchType;
  d["overrides"] = overridesDoc(p);
  if (p.launchType == "FARGATE") {
    d["platformVersion"] = p.platformVersion;
    d["platformFamily"] = "Linux";
    d["ephemeralStorage"] = json::object{{"sizeInGiB", 20}};
    d["fargateEphemeralStorage"] = json::object{{"sizeInGiB", 20}};
  }
  if (!p.startedBy.empty()) d["startedBy"] = p.startedBy;
  d["taskArn"] = spec.taskArn;
  d["taskDefinitionArn"] = p.taskDefinition->at("taskDefinitionArn");
  d["version"] = 1;
  task.tags = p.tags;

  task.internal["networkMode"] = stringOr(*p.taskDefinition, "networkMode", "bridge");
  json::array essential;
  for (const agent::ContainerSpec& c : spec.containers) {
    if (c.essential) essential.push_back(json::string(c.name));
  }
  task.internal["essential"] = std::move(essential);
  TaskRegistry::setDemand(task, demandOf(spec, p.launchType));
  return task;
}

}  // namespace wharf::ecs
