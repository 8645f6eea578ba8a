#include "ecs/task_state_machine.h"

#include <fmt/format.h>

#include <algorithm>

#include "ecs/json_fields.h"

namespace wharf::ecs {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

bool isAwsvpc(const Entity& task) { return stringOr(task.internal, "networkMode", "") == "awsvpc"; }

bool isEssential(const Entity& task, std::string_view container) {
  const json::array* essential = optArray(task.internal, "essential");
  if (!essential) return true;
  for (const json::value& v : *essential) {
    if (v.is_string() && v.get_string() == container) return true;
  }
  return false;
}

json::array& containers(Entity& task) { return task.doc["containers"].as_array(); }

json::object* findContainer(Entity& task, std::string_view name) {
  for (json::value& c : containers(task)) {
    if (stringOr(c.as_object(), "name", "") == name) return &c.as_object();
  }
  return nullptr;
}

bool allContainers(Entity& task, std::string_view status) {
  for (json::value& c : containers(task)) {
    if (stringOr(c.as_object(), "lastStatus", "") != status) return false;
  }
  return true;
}

bool anyContainer(Entity& task, std::string_view status) {
  for (json::value& c : containers(task)) {
    if (stringOr(c.as_object(), "lastStatus", "") == status) return true;
  }
  return false;
}

json::object* eniAttachment(Entity& task) {
  if (json::value* a = task.doc.if_contains("attachments")) {
    for (json::value& v : a->as_array()) {
      if (stringOr(v.as_object(), "type", "") == "ElasticNetworkInterface") return &v.as_object();
    }
  }
  return nullptr;
}

void setAttachmentStatus(Entity& task, std::string_view status) {
  if (json::object* eni = eniAttachment(task)) (*eni)["status"] = status;
}

// A Fargate-style runtime id: the task id and a number derived from the container name.
std::string runtimeId(std::string_view taskId, std::string_view container) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : container) h = (h ^ c) * 1099511628211ull;
  return fmt::format("{}-{:010d}", taskId, h % 10000000000ull);
}

void networkReady(Entity& task, const agent::TaskEvent& e, TimePoint at) {
  if (json::object* eni = eniAttachment(task)) {
    (*eni)["status"] = "ATTACHED";
    std::string region = stringOr(task.doc, "availabilityZone", "");
    if (!region.empty()) region.pop_back();
    std::string dnsName = "ip-" + e.privateIpv4 + "." + region + ".compute.internal";
    std::replace(dnsName.begin(), dnsName.begin() + 3 + e.privateIpv4.size(), '.', '-');
    json::array& details = (*eni)["details"].as_array();
    details.push_back(json::object{{"name", "networkInterfaceId"}, {"value", "eni-" + e.taskId.substr(0, 17)}});
    details.push_back(json::object{{"name", "macAddress"}, {"value", e.macAddress}});
    details.push_back(json::object{{"name", "privateDnsName"}, {"value", dnsName}});
    details.push_back(json::object{{"name", "privateIPv4Address"}, {"value", e.privateIpv4}});
    for (json::value& c : containers(task)) {
      c.as_object()["networkInterfaces"] =
          json::array{json::object{{"attachmentId", (*eni)["id"]}, {"privateIpv4Address", e.privateIpv4}}};
    }
  }
  task.doc["connectivity"] = "CONNECTED";
  task.doc["connectivityAt"] = timestamp(at);
  if (lastStatusOf(task) == "PROVISIONING") task.doc["lastStatus"] = "PENDING";
}

void stopDesired(Entity& task, std::string_view stopCode, std::string_view reason, TimePoint now) {
  task.doc["desiredStatus"] = "STOPPED";
  task.doc["stopCode"] = stopCode;
  task.doc["stoppedReason"] = reason;
  task.doc["stoppingAt"] = timestamp(now);
}

// After the last container exited: resources go next, then STOPPED on kCleanedUp.
void executionStopped(Entity& task, TimePoint at, TaskEffects& fx) {
  task.doc["executionStoppedAt"] = timestamp(at);
  if (isAwsvpc(task)) {
    task.doc["lastStatus"] = "DEPROVISIONING";
    setAttachmentStatus(task, "DETACHING");
  }
  fx.cleanup = true;
}

void containerExited(Entity& task, const agent::TaskEvent& e, TimePoint now, TaskEffects& fx) {
  json::object* c = findContainer(task, e.container);
  if (!c || stringOr(*c, "lastStatus", "") == "STOPPED") return;
  (*c)["lastStatus"] = "STOPPED";
  if (e.exitCode) (*c)["exitCode"] = *e.exitCode;
  if (!e.reason.empty()) (*c)["reason"] = e.reason;
  bool last = allContainers(task, "STOPPED");
  if (desiredStatusOf(task) == "RUNNING" && (isEssential(task, e.container) || last)) {
    stopDesired(task, "EssentialContainerExited", "Essential container in task exited", now);
    fx.stopTask = !last;
  }
  if (last) executionStopped(task, e.at, fx);
}

void failedToStart(Entity& task, const agent::TaskEvent& e, TimePoint now, TaskEffects& fx) {
  if (desiredStatusOf(task) == "RUNNING") stopDesired(task, "TaskFailedToStart", e.reason, now);
  for (json::value& v : containers(task)) {
    json::object& c = v.as_object();
    if (stringOr(c, "lastStatus", "") == "STOPPED") continue;
    c["lastStatus"] = "STOPPED";
    if (e.container.empty() || stringOr(c, "name", "") == e.container) c["reason"] = e.reason;
  }
  executionStopped(task, e.at, fx);
}

}  // namespace

std::string lastStatusOf(const Entity& task) { return stringOr(task.doc, "lastStatus", ""); }
std::string desiredStatusOf(const Entity& task) { return stringOr(task.doc, "desiredStatus", ""); }

TaskEffects applyEvent(Entity& task, const agent::TaskEvent& e, TimePoint now) {
  TaskEffects fx;
  if (lastStatusOf(task) == "STOPPED") return fx;
  TimePoint at = e.at == TimePoint{} ? now : e.at;
  using Kind = agent::TaskEvent::Kind;
  switch (e.kind) {
    case Kind::kPulled:
      // The agent starts pulling as soon as the task is launched, right after it is created.
      if (!task.doc.contains("pullStartedAt")) task.doc["pullStartedAt"] = task.doc["createdAt"];
      task.doc["pullStoppedAt"] = timestamp(at);
      break;
    case Kind::kNetworkReady:
      networkReady(task, e, at);
      break;
    case Kind::kContainerStarted: {
      json::object* c = findContainer(task, e.container);
      if (!c || stringOr(*c, "lastStatus", "") != "PENDING") return fx;
      (*c)["lastStatus"] = "RUNNING";
      (*c)["runtimeId"] = runtimeId(e.taskId, e.container);
      if (lastStatusOf(task) == "PROVISIONING") task.doc["lastStatus"] = "PENDING";
      if (!anyContainer(task, "PENDING") && lastStatusOf(task) == "PENDING") {
        task.doc["lastStatus"] = "RUNNING";
        task.doc["startedAt"] = timestamp(at);
      }
      break;
    }
    case Kind::kContainerExited:
      if (allContainers(task, "STOPPED")) return fx;
      containerExited(task, e, now, fx);
      break;
    case Kind::kFailedToStart:
      if (allContainers(task, "STOPPED")) return fx;
      failedToStart(task, e, now, fx);
      break;
    case Kind::kCleanedUp:
      if (!allContainers(task, "STOPPED")) return fx;
      task.doc["lastStatus"] = "STOPPED";
      task.doc["desiredStatus"] = "STOPPED";
      task.doc["stoppedAt"] = timestamp(at);
      setAttachmentStatus(task, "DELETED");
      break;
  }
  fx.changed = true;
  task.doc["version"] = optInt(task.doc, "version").value_or(0) + 1;
  return fx;
}

TaskEffects requestStop(Entity& task, std::string_view stopCode, std::string_view reason, TimePoint now) {
  TaskEffects fx;
  if (desiredStatusOf(task) == "STOPPED") return fx;
  stopDesired(task, stopCode, reason, now);
  task.doc["version"] = optInt(task.doc, "version").value_or(0) + 1;
  fx.changed = true;
  fx.stopTask = true;
  return fx;
}

}  // namespace wharf::ecs
