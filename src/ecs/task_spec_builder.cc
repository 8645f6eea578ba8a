#include "ecs/task_spec_builder.h"

#include <algorithm>

#include "ecs/errors.h"
#include "ecs/json_fields.h"
#include "ecs/task_sizes.h"

namespace wharf::ecs {
namespace {

agent::NetworkMode networkModeOf(std::string_view mode) {
  if (mode == "awsvpc") return agent::NetworkMode::kAwsvpc;
  if (mode == "host") return agent::NetworkMode::kHost;
  if (mode == "none") return agent::NetworkMode::kNone;
  return agent::NetworkMode::kBridge;
}

std::optional<std::vector<std::string>> optStrings(const json::object& o, std::string_view key) {
  if (!optArray(o, key)) return std::nullopt;
  return stringList(o, key);
}

void mergeEnvironment(std::vector<std::pair<std::string, std::string>>& env, const json::array* pairs) {
  if (!pairs) return;
  for (const json::value& v : *pairs) {
    const json::object& kv = v.as_object();
    std::string name = stringOr(kv, "name", "");
    std::string value = stringOr(kv, "value", "");
    auto it = std::find_if(env.begin(), env.end(), [&](const auto& e) { return e.first == name; });
    if (it != env.end()) {
      it->second = std::move(value);
    } else {
      env.emplace_back(std::move(name), std::move(value));
    }
  }
}

std::optional<int> optInt32(const json::object& o, std::string_view key) {
  auto v = optInt(o, key);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

Result<std::vector<agent::MountSpec>> mountsOf(const json::object& c, const json::array& volumes,
                                               const TaskIdentity& id) {
  std::vector<agent::MountSpec> mounts;
  for (const json::value& m : c.at("mountPoints").as_array()) {
    const json::object& mount = m.as_object();
    std::string source = stringOr(mount, "sourceVolume", "");
    auto volume = std::find_if(volumes.begin(), volumes.end(),
                               [&](const json::value& v) { return stringOr(v.as_object(), "name", "") == source; });
    if (volume == volumes.end()) return invalidParam("Unknown volume '" + source + "'.");
    agent::MountSpec spec;
    const json::object* host = optObject(volume->as_object(), "host");
    spec.hostPath = host && host->contains("sourcePath") ? stringOr(*host, "sourcePath", "")
                                                         : id.volumeRoot + "/" + id.taskId + "/" + source;
    spec.containerPath = stringOr(mount, "containerPath", "");
    spec.readOnly = boolOr(mount, "readOnly", false);
    mounts.push_back(std::move(spec));
  }
  return mounts;
}

Result<agent::ContainerSpec> containerOf(const json::object& c, const json::object* override,
                                         const json::array& volumes, const TaskIdentity& id) {
  agent::ContainerSpec spec;
  spec.name = stringOr(c, "name", "");
  spec.image = stringOr(c, "image", "");
  spec.essential = boolOr(c, "essential", true);
  if (c.contains("environmentFiles") || (override && override->contains("environmentFiles"))) {
    return fail(ErrorCode::kInvalidArgument, "UnsupportedFeatureException",
                "environmentFiles are not supported by this server; use environment instead.");
  }
  spec.entryPoint = optStrings(c, "entryPoint");
  spec.command = optStrings(c, "command");
  mergeEnvironment(spec.environment, optArray(c, "environment"));
  spec.workingDirectory = optString(c, "workingDirectory");
  spec.user = optString(c, "user");
  spec.readonlyRootFilesystem = boolOr(c, "readonlyRootFilesystem", false);
  if (const json::object* linuxParams = optObject(c, "linuxParameters")) {
    spec.initProcessEnabled = boolOr(*linuxParams, "initProcessEnabled", false);
    if (const json::object* caps = optObject(*linuxParams, "capabilities")) {
      spec.capabilitiesAdd = stringList(*caps, "add");
      spec.capabilitiesDrop = stringList(*caps, "drop");
    }
  }
  for (const std::string& option : stringList(c, "dockerSecurityOptions"))
    if (option == "seccomp=unconfined" || option == "seccomp:unconfined") spec.seccompUnconfined = true;
  spec.cpu = optInt32(c, "cpu").value_or(0);
  spec.memoryMiB = optInt32(c, "memory");
  spec.memoryReservationMiB = optInt32(c, "memoryReservation");
  if (const json::array* ulimits = optArray(c, "ulimits")) {
    for (const json::value& u : *ulimits) {
      const json::object& o = u.as_object();
      spec.ulimits.push_back(
          {stringOr(o, "name", ""), optInt(o, "softLimit").value_or(0), optInt(o, "hardLimit").value_or(0)});
    }
  }
  auto mounts = mountsOf(c, volumes, id);
  if (!mounts) return std::unexpected(mounts.error());
  spec.mounts = std::move(*mounts);
  for (const json::value& p : c.at("portMappings").as_array()) {
    const json::object& o = p.as_object();
    spec.ports.push_back({static_cast<int>(optInt(o, "containerPort").value_or(0)),
                          static_cast<int>(optInt(o, "hostPort").value_or(0)), stringOr(o, "protocol", "tcp")});
  }
  if (auto timeout = optInt(c, "stopTimeout")) spec.stopTimeout = std::chrono::seconds(*timeout);
  if (const json::object* log = optObject(c, "logConfiguration")) {
    spec.log.driver = stringOr(*log, "logDriver", "");
    if (const json::object* options = optObject(*log, "options")) {
      for (const auto& [k, v] : *options) {
        if (v.is_string()) spec.log.options[std::string(k)] = std::string(v.get_string());
      }
    }
  }
  if (override) {
    if (auto command = optStrings(*override, "command")) spec.command = std::move(command);
    mergeEnvironment(spec.environment, optArray(*override, "environment"));
    if (auto cpu = optInt32(*override, "cpu")) spec.cpu = *cpu;
    if (auto memory = optInt32(*override, "memory")) spec.memoryMiB = memory;
    if (auto reservation = optInt32(*override, "memoryReservation")) spec.memoryReservationMiB = reservation;
  }
  return spec;
}

}  // namespace

Result<agent::TaskSpec> buildTaskSpec(const json::object& td, const json::object& overrides, const TaskIdentity& id) {
  agent::TaskSpec spec;
  spec.taskId = id.taskId;
  spec.taskArn = id.taskArn;
  spec.clusterName = id.cluster;
  spec.family = stringOr(td, "family", "");
  spec.networkMode = networkModeOf(stringOr(td, "networkMode", "bridge"));
  std::string cpu = stringOr(overrides, "cpu", stringOr(td, "cpu", ""));
  std::string memory = stringOr(overrides, "memory", stringOr(td, "memory", ""));
  if (!cpu.empty()) {
    auto units = parseCpuUnits(cpu);
    if (!units) return invalidParam("Invalid 'cpu' setting for task.");
    spec.cpu = *units;
  }
  if (!memory.empty()) {
    spec.memoryMiB = parseMemoryMiB(memory);
    if (!spec.memoryMiB) return invalidParam("Invalid 'memory' setting for task.");
  }
  const json::array& definitions = td.at("containerDefinitions").as_array();
  const json::array* containerOverrides = optArray(overrides, "containerOverrides");
  if (containerOverrides) {
    for (const json::value& o : *containerOverrides) {
      std::string name = stringOr(o.as_object(), "name", "");
      bool known = std::any_of(definitions.begin(), definitions.end(),
                               [&](const json::value& d) { return stringOr(d.as_object(), "name", "") == name; });
      if (!known) {
        return invalidParam("Override for container named " + name + " is not a container in the TaskDefinition.");
      }
    }
  }
  for (const json::value& d : definitions) {
    const json::object& c = d.as_object();
    const json::object* override = nullptr;
    if (containerOverrides) {
      for (const json::value& o : *containerOverrides) {
        if (stringOr(o.as_object(), "name", "") == stringOr(c, "name", "")) override = &o.as_object();
      }
    }
    auto container = containerOf(c, override, td.at("volumes").as_array(), id);
    if (!container) return std::unexpected(container.error());
    spec.containers.push_back(std::move(*container));
  }
  return spec;
}

TaskDemand demandOf(const agent::TaskSpec& spec, std::string_view launchType) {
  TaskDemand demand;
  for (const agent::ContainerSpec& c : spec.containers) {
    demand.cpuUnits += c.cpu;
    demand.memoryMiB += c.memoryMiB.value_or(c.memoryReservationMiB.value_or(0));
  }
  if (spec.cpu > 0) demand.cpuUnits = spec.cpu;
  if (spec.memoryMiB) demand.memoryMiB = *spec.memoryMiB;
  if (launchType == "FARGATE") demand.cpuUnits = 0;
  return demand;
}

}  // namespace wharf::ecs
