#include "ecs/run_task.h"

#include "common/time_format.h"
#include "ecs/errors.h"
#include "ecs/json_fields.h"
#include "ecs/task_document.h"
#include "ecs/task_sizes.h"
#include "scheduler/binpack.h"

namespace wharf::ecs {

struct TaskRunner::Prepared {
  EntityPtr cluster;
  EntityPtr taskDefinition;
  NewTask common;  // everything but the spec and the overrides
  std::vector<agent::TaskSpec> specs;
  json::object overrides;
};

json::object taskJson(const Entity& task, bool withTags) {
  json::object out = task.doc;
  if (withTags) out["tags"] = tagsToJson(task.tags);
  return out;
}

namespace {

std::string launchTypeOf(const json::object& input) {
  if (auto launchType = optString(input, "launchType")) return *launchType;
  if (const json::array* strategy = optArray(input, "capacityProviderStrategy"); strategy && !strategy->empty()) {
    std::string provider = stringOr(strategy->front().as_object(), "capacityProvider", "");
    if (provider == "FARGATE" || provider == "FARGATE_SPOT") return "FARGATE";
  }
  return "EC2";
}

Result<std::string> subnetOf(const json::object& input, const json::object& td) {
  const json::object* network = optObject(input, "networkConfiguration");
  const json::object* awsvpc = network ? optObject(*network, "awsvpcConfiguration") : nullptr;
  if (stringOr(td, "networkMode", "bridge") != "awsvpc") {
    if (awsvpc)
      return invalidParam("Network Configuration is not valid for the given networkMode of this task definition.");
    return std::string();
  }
  std::vector<std::string> subnets = awsvpc ? stringList(*awsvpc, "subnets") : std::vector<std::string>{};
  if (subnets.empty()) {
    return invalidParam("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  return subnets.front();
}

}  // namespace

Result<TaskRunner::Prepared> TaskRunner::prepare(const json::object& input, std::string_view launchType,
                                                 int64_t count) {
  Prepared p;
  std::string clusterArg = stringOr(input, "cluster", "default");
  if (clusterArg == "default" && !ctx_.clusters.active("default")) {
    if (auto created = ctx_.clusters.create("default", {}, {}); !created) return std::unexpected(created.error());
  }
  auto cluster = ctx_.clusters.active(clusterArg);
  if (!cluster) return std::unexpected(cluster.error());
  p.cluster = *cluster;
  auto td = ctx_.taskDefinitions.resolve(stringOr(input, "taskDefinition", ""));
  if (!td) return std::unexpected(td.error());
  if (stringOr((*td)->doc, "status", "") != "ACTIVE") return clientError("TaskDefinition is inactive");
  p.taskDefinition = *td;
  const json::object& tdDoc = p.taskDefinition->doc;

  std::vector<std::string> compatibilities = stringList(tdDoc, "compatibilities");
  if (!contains(compatibilities, launchType)) {
    return invalidParam("Task definition does not support launch_type " + std::string(launchType) + ".");
  }
  auto subnet = subnetOf(input, tdDoc);
  if (!subnet) return std::unexpected(subnet.error());

  NewTask& c = p.common;
  c.taskDefinition = &p.taskDefinition->doc;
  c.clusterArn = stringOr(p.cluster->doc, "clusterArn", "");
  c.launchType = launchType;
  c.subnetId = *subnet;
  c.availabilityZone = ctx_.config.region + "a";
  c.group = stringOr(input, "group", "family:" + stringOr(tdDoc, "family", ""));
  c.startedBy = stringOr(input, "startedBy", "");
  c.enableExecuteCommand = boolOr(input, "enableExecuteCommand", false);
  c.createdAt = ctx_.clock.now();
  std::string clusterName = stringOr(p.cluster->doc, "clusterName", "");
  if (launchType == "FARGATE") {
    std::string version = stringOr(input, "platformVersion", "LATEST");
    if (version != "LATEST" && version != kFargatePlatformVersion) {
      return fail(ErrorCode::kInvalidArgument, "PlatformUnknownException",
                  "The specified platform version does not exist.");
    }
    c.platformVersion = kFargatePlatformVersion;
  } else {
    c.containerInstanceArn = ctx_.containerInstanceArn(clusterName);
  }
  Tags tags;
  if (stringOr(input, "propagateTags", "NONE") == "TASK_DEFINITION") tags = p.taskDefinition->tags;
  auto requested = parseTags(optArray(input, "tags"));
  if (!requested) return std::unexpected(requested.error());
  auto merged = mergeTags(std::move(tags), *requested);
  if (!merged) return std::unexpected(merged.error());
  c.tags = std::move(*merged);

  if (const json::object* overrides = optObject(input, "overrides")) p.overrides = *overrides;
  for (int64_t i = 0; i < count; ++i) {
    std::string id = ctx_.ids.hex(16);
    TaskIdentity identity{id, ctx_.arns.task(clusterName, id), clusterName, ctx_.config.volumeRoot};
    auto spec = buildTaskSpec(tdDoc, p.overrides, identity);
    if (!spec) return std::unexpected(spec.error());
    p.specs.push_back(std::move(*spec));
  }
  return p;
}

Result<json::value> TaskRunner::runTask(const json::object& input) {
  if (input.contains("launchType") && input.contains("capacityProviderStrategy")) {
    return invalidParam("Specifying both a launch type and capacity provider strategy is not supported.");
  }
  std::string token = stringOr(input, "clientToken", "");
  json::object withoutToken = input;
  withoutToken.erase("clientToken");
  std::string fingerprint = json::serialize(withoutToken);
  std::string tokenKey;
  if (!token.empty()) {
    auto name = clusterName(stringOr(input, "cluster", "default"));
    if (!name) return clusterNotFound();
    tokenKey = *name + "/" + token;
    if (auto replayed = replayIfKnown(tokenKey, fingerprint)) return *replayed;
  }
  int64_t count = optInt(input, "count").value_or(1);
  if (count < 1 || count > 10) return invalidParam("count must be between 1 and 10.");
  auto prepared = prepare(input, launchTypeOf(input), count);
  if (!prepared) return std::unexpected(prepared.error());

  auto writes = ctx_.tasks.table().lockWrites();
  if (!tokenKey.empty()) {  // a concurrent retry may have won the race
    if (auto replayed = replayIfKnown(tokenKey, fingerprint)) return *replayed;
  }
  TaskDemand reserved = ctx_.tasks.reserved();
  agent::NodeResources capacity = ctx_.agent.resources();
  std::string node = ctx_.containerInstanceArn(stringOr(prepared->cluster->doc, "clusterName", ""));
  std::vector<scheduler::Resources> demands;
  const std::string launchType = launchTypeOf(input);
  for (const agent::TaskSpec& spec : prepared->specs) {
    TaskDemand d = demandOf(spec, launchType);
    demands.push_back({d.cpuUnits, d.memoryMiB});
  }
  auto plan = scheduler::placeBinpack(
      {{node, {capacity.cpuUnits, capacity.memoryMiB}, {reserved.cpuUnits, reserved.memoryMiB}}}, demands);
  std::vector<std::string> nodes;
  json::array failures;
  for (const scheduler::Placement& placement : plan) {
    nodes.push_back(placement.nodeId.value_or(""));
    if (!placement.nodeId) {
      failures.push_back(json::object{{"arn", placement.failureNodeId}, {"reason", placement.failureReason}});
    }
  }
  return accept(writes, *prepared, nodes, std::move(failures), tokenKey, fingerprint);
}

std::optional<Result<json::value>> TaskRunner::replayIfKnown(const std::string& tokenKey,
                                                             const std::string& fingerprint) {
  EntityPtr previous = ctx_.clientTokens.get(tokenKey);
  if (!previous) return std::nullopt;
  double age = toEpochSeconds(ctx_.clock.now()) - previous->doc.at("createdAt").to_number<double>();
  if (age >= static_cast<double>(ctx_.config.clientTokenTtl.count())) return std::nullopt;
  if (stringOr(previous->doc, "fingerprint", "") != fingerprint) {
    return fail(ErrorCode::kConflict, "ConflictException",
                "The clientToken has already been used with different request parameters.");
  }
  json::array tasks;
  for (const std::string& arn : stringList(previous->doc, "taskArns")) {
    if (EntityPtr task = ctx_.tasks.get(arn.substr(arn.rfind('/') + 1))) tasks.push_back(taskJson(*task, true));
  }
  return json::value(json::object{{"tasks", std::move(tasks)}, {"failures", previous->doc.at("failures")}});
}

Result<json::value> TaskRunner::accept(std::unique_lock<std::mutex>& writes, Prepared& prepared,
                                       const std::vector<std::string>& nodes, json::array failures,
                                       const std::string& tokenKey, const std::string& fingerprint) {
  std::vector<std::pair<std::string, Entity>> accepted;
  WriteBatch batch;
  json::array taskArns;
  for (size_t i = 0; i < prepared.specs.size(); ++i) {
    if (nodes[i].empty()) continue;
    NewTask params = prepared.common;
    params.spec = &prepared.specs[i];
    params.overrides = &prepared.overrides;
    Entity task = newTaskEntity(params, ctx_.arns, ctx_.ids);
    ctx_.tasks.table().stagePut(batch, prepared.specs[i].taskId, task);
    taskArns.push_back(json::string(prepared.specs[i].taskArn));
    accepted.emplace_back(prepared.specs[i].taskId, std::move(task));
  }
  Entity token;
  if (!tokenKey.empty()) {
    token.doc = {{"fingerprint", fingerprint},
                 {"taskArns", taskArns},
                 {"failures", failures},
                 {"createdAt", timestamp(ctx_.clock.now())}};
    ctx_.clientTokens.stagePut(batch, tokenKey, token);
  }
  if (!batch.empty()) {
    if (auto committed = ctx_.store.commit(std::move(batch)); !committed) return std::unexpected(committed.error());
  }
  json::array tasks;
  for (auto& [id, task] : accepted) {
    tasks.push_back(taskJson(task, true));
    ctx_.tasks.table().publish(id, task);
  }
  if (!tokenKey.empty()) {
    auto tokenWrites = ctx_.clientTokens.lockWrites();
    ctx_.clientTokens.publish(tokenKey, std::move(token));
  }
  writes.unlock();
  for (const auto& [id, task] : accepted) lifecycle_.launch(task);
  return json::value(json::object{{"tasks", std::move(tasks)}, {"failures", std::move(failures)}});
}

Result<json::value> TaskRunner::startTask(const json::object& input) {
  // One task per container instance named; this server is the one instance of every cluster.
  std::vector<std::string> instances = stringList(input, "containerInstances");
  if (instances.empty() || instances.size() > 10) {
    return invalidParam("containerInstances must list between 1 and 10 container instances.");
  }
  auto name = clusterName(stringOr(input, "cluster", "default"));
  if (!name) return clusterNotFound();
  std::string node = ctx_.containerInstanceArn(*name);
  json::array failures;
  int64_t known = 0;
  for (const std::string& instance : instances) {
    if (instance == node || instance == ctx_.config.nodeId) {
      ++known;
    } else {
      failures.push_back(json::object{{"arn", instance}, {"reason", "MISSING"}});
    }
  }
  auto prepared = prepare(input, "EC2", known);
  if (!prepared) return std::unexpected(prepared.error());
  std::vector<std::string> nodes(prepared->specs.size(), node);
  auto writes = ctx_.tasks.table().lockWrites();
  return accept(writes, *prepared, nodes, std::move(failures), "", "");
}

}  // namespace wharf::ecs
