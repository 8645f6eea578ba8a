#include "ecs/task_definition_rules.h"

#include <set>

#include "ecs/errors.h"
#include "ecs/json_fields.h"
#include "ecs/task_sizes.h"

namespace wharf::ecs {
namespace {

// Request members echoed unchanged when present.
constexpr const char* kEchoed[] = {
    "taskRoleArn",          "executionRoleArn",       "pidMode",          "ipcMode",
    "proxyConfiguration",   "inferenceAccelerators",  "ephemeralStorage", "runtimePlatform",
    "enableFaultInjection", "requiresCompatibilities"};

bool validFamily(std::string_view family) {
  if (family.empty() || family.size() > 255) return false;
  for (char c : family) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string containerError(std::string_view name, std::string_view detail) {
  return "Invalid setting for container '" + std::string(name) + "'. " + std::string(detail);
}

Result<json::object> normalizeContainer(json::object c, const std::string& networkMode, bool taskMemory,
                                        const std::set<std::string>& volumes) {
  std::string name = stringOr(c, "name", "");
  if (name.empty()) return clientError("Container.name should not be null or empty.");
  if (stringOr(c, "image", "").empty()) return clientError("Container.image should not be null or empty.");
  auto memory = optInt(c, "memory");
  auto reservation = optInt(c, "memoryReservation");
  if (!taskMemory && !memory && !reservation) {
    return clientError(containerError(name, "At least one of 'memory' or 'memoryReservation' must be specified."));
  }
  if (memory && reservation && *reservation > *memory) {
    return clientError(containerError(name, "'memory' must be greater than or equal to 'memoryReservation'."));
  }
  if ((memory && *memory < 6) || (reservation && *reservation < 6)) {
    return clientError(containerError(name, "The memory limit must be at least 6 MiB."));
  }
  if (!c.contains("cpu")) c["cpu"] = 0;
  if (!c.contains("essential")) c["essential"] = true;
  json::array ports;
  if (const json::array* given = optArray(c, "portMappings")) {
    for (const json::value& v : *given) {
      json::object p = v.as_object();
      auto containerPort = optInt(p, "containerPort");
      auto hostPort = optInt(p, "hostPort");
      if ((networkMode == "awsvpc" || networkMode == "host") && containerPort) {
        if (hostPort && *hostPort != *containerPort) {
          return clientError("When networkMode=" + networkMode +
                             ", the host ports and container ports in port mappings must match.");
        }
        p["hostPort"] = *containerPort;
      }
      if (!p.contains("protocol")) p["protocol"] = "tcp";
      ports.push_back(std::move(p));
    }
  }
  c["portMappings"] = std::move(ports);
  for (const char* list : {"environment", "mountPoints", "volumesFrom"}) {
    if (!c.contains(list)) c[list] = json::array();
  }
  for (const json::value& m : c.at("mountPoints").as_array()) {
    std::string source = stringOr(m.as_object(), "sourceVolume", "");
    if (!volumes.contains(source)) {
      return clientError(containerError(name, "Unknown volume '" + source + "'."));
    }
  }
  return c;
}

// Why Fargate cannot run this definition; empty when it can (AWS's wording).
std::string fargateProblem(const json::object& td) {
  if (stringOr(td, "networkMode", "") != "awsvpc") return "Fargate only supports network mode 'awsvpc'.";
  if (!td.contains("cpu")) return "Fargate requires that 'cpu' be defined at the task level.";
  if (!td.contains("memory")) return "Fargate requires that 'memory' be defined at the task level.";
  int cpu = std::stoi(std::string(td.at("cpu").as_string()));
  int memory = std::stoi(std::string(td.at("memory").as_string()));
  if (!isFargateSize(cpu, memory)) return "No Fargate configuration exists for given values.";
  for (const json::value& v : td.at("volumes").as_array()) {
    if (const json::object* host = optObject(v.as_object(), "host"); host && host->contains("sourcePath")) {
      return "Fargate does not support host volumes with a sourcePath.";
    }
  }
  return "";
}

json::array requiredAttributes(const json::object& td) {
  std::set<std::string> names;
  if (stringOr(td, "networkMode", "") == "awsvpc") names.insert("ecs.capability.task-eni");
  if (td.contains("taskRoleArn")) names.insert("com.amazonaws.ecs.capability.task-iam-role");
  for (const json::value& v : td.at("containerDefinitions").as_array()) {
    const json::object& c = v.as_object();
    if (const json::object* log = optObject(c, "logConfiguration")) {
      std::string driver = stringOr(*log, "logDriver", "");
      names.insert("com.amazonaws.ecs.capability.logging-driver." + driver);
      if (driver == "awslogs") {
        names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.19");
        if (td.contains("executionRoleArn")) names.insert("ecs.capability.execution-role-awslogs");
      }
    }
    if (c.contains("memoryReservation")) names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.21");
    if (c.contains("ulimits")) names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    if (boolOr(c, "readonlyRootFilesystem", false)) {
      names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.17");
    }
    if (const json::object* linuxParams = optObject(c, "linuxParameters");
        linuxParams && linuxParams->contains("initProcessEnabled")) {
      names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.25");
    }
    if (c.contains("healthCheck")) names.insert("ecs.capability.container-health-check");
    if (c.contains("dependsOn") || c.contains("stopTimeout") || c.contains("startTimeout")) {
      names.insert("ecs.capability.container-ordering");
    }
  }
  json::array out;
  for (const std::string& n : names) out.push_back(json::object{{"name", n}});
  return out;
}

}  // namespace

Result<json::object> buildTaskDefinition(const json::object& request) {
  json::object td;
  std::string family = stringOr(request, "family", "");
  if (!validFamily(family)) {
    return clientError("Family must be 1-255 letters, numbers, hyphens and underscores.");
  }
  td["family"] = family;
  for (const char* key : kEchoed) {
    if (auto it = request.find(key); it != request.end()) td[key] = it->value();
  }
  std::string networkMode = stringOr(request, "networkMode", "bridge");
  if (request.contains("networkMode")) td["networkMode"] = networkMode;
  if (auto cpu = optString(request, "cpu")) {
    auto units = parseCpuUnits(*cpu);
    if (!units) return clientError("Invalid 'cpu' setting for task.");
    td["cpu"] = std::to_string(*units);
  }
  if (auto memory = optString(request, "memory")) {
    auto mib = parseMemoryMiB(*memory);
    if (!mib) return clientError("Invalid 'memory' setting for task.");
    td["memory"] = std::to_string(*mib);
  }

  std::set<std::string> volumeNames;
  json::array volumes;
  if (const json::array* given = optArray(request, "volumes")) {
    for (const json::value& v : *given) {
      std::string name = stringOr(v.as_object(), "name", "");
      if (name.empty()) return clientError("Volume name should not be null or empty.");
      if (!volumeNames.insert(name).second) return clientError("Duplicate volume name '" + name + "'.");
      volumes.push_back(v);
    }
  }
  td["volumes"] = std::move(volumes);

  const json::array* containers = optArray(request, "containerDefinitions");
  if (!containers || containers->empty()) return clientError("Container list cannot be empty.");
  json::array defs;
  std::set<std::string> names;
  bool anyEssential = false;
  for (const json::value& v : *containers) {
    auto c = normalizeContainer(v.as_object(), networkMode, td.contains("memory"), volumeNames);
    if (!c) return std::unexpected(c.error());
    std::string name = stringOr(*c, "name", "");
    if (!names.insert(name).second) return clientError("Duplicate container name '" + name + "'.");
    anyEssential |= boolOr(*c, "essential", true);
    defs.push_back(std::move(*c));
  }
  if (!anyEssential) return clientError("A task definition must have at least one essential container.");
  td["containerDefinitions"] = std::move(defs);
  td["placementConstraints"] =
      request.contains("placementConstraints") ? request.at("placementConstraints") : json::value(json::array());

  std::vector<std::string> required = stringList(request, "requiresCompatibilities");
  std::string fargate = fargateProblem(td);
  if (contains(required, "FARGATE") && !fargate.empty()) return clientError(fargate);
  if (contains(required, "EXTERNAL") && networkMode == "awsvpc") {
    return clientError("EXTERNAL launch type does not support network mode 'awsvpc'.");
  }
  json::array compatibilities{"EC2"};
  if (fargate.empty()) compatibilities.push_back("FARGATE");
  if (contains(required, "EXTERNAL")) compatibilities.push_back("EXTERNAL");
  td["compatibilities"] = std::move(compatibilities);
  td["requiresAttributes"] = requiredAttributes(td);
  return td;
}

}  // namespace wharf::ecs
