#include "agent/runtime/launchers/oci/bundle_builder.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <map>
#include <set>

#include "agent/runtime/container_process.h"
#include "agent/runtime/launchers/oci/seccomp_bpf.h"
#include "agent/runtime/launchers/oci/seccomp_profile.h"

namespace wharf::agent {
namespace {

namespace json = boost::json;

// Docker's default capability set (moby/oci/caps/defaults.go): nothing more.
constexpr const char* kDefaultCapabilities[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

// Every capability of Linux 5.9 and later, for "ALL" and to refuse unknown names.
// clang-format off
constexpr const char* kAllCapabilities[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
// clang-format on

constexpr const char* kMaskedPaths[] = {
    "/proc/acpi",       "/proc/asound",      "/proc/kcore",       "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"};
constexpr const char* kReadonlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

constexpr int64_t kCpuPeriodUs = 100000;

const std::map<std::string, int, std::less<>> kRlimits = {
    {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK}};

std::vector<std::vector<std::string>> readColonFile(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t colon; (colon = line.find(':', start)) != std::string::npos; start = colon + 1)
      fields.push_back(line.substr(start, colon - start));
    fields.push_back(line.substr(start));
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::optional<uint32_t> parseId(const std::string& s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

json::array strings(const auto& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return a;
}

json::object mount(const char* dest, const char* type, const char* source, std::vector<std::string> options) {
  return {{"destination", dest}, {"type", type}, {"source", source}, {"options", strings(options)}};
}

Result<json::array> rlimits(const std::vector<Ulimit>& ulimits) {
  json::array out;
  for (const auto& u : ulimits) {
    auto it = kRlimits.find(u.name);
    if (it == kRlimits.end()) return invalidParameter("unknown ulimit name: " + u.name, "CannotStartContainerError");
    rlimit host{};
    getrlimit(it->second, &host);
    auto cap = [&](int64_t v) {
      uint64_t value = v < 0 ? RLIM_INFINITY : uint64_t(v);
      return host.rlim_max == RLIM_INFINITY ? value : std::min<uint64_t>(value, host.rlim_max);
    };
    std::string upper = u.name;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    out.push_back(json::object{{"type", "RLIMIT_" + upper}, {"soft", cap(u.soft)}, {"hard", cap(u.hard)}});
  }
  return out;
}

// "sys_admin" and "CAP_SYS_ADMIN" alike, as Docker accepts both.
std::string kernelCapability(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  return name.starts_with("CAP_") || name == "ALL" ? name : "CAP_" + name;
}

}  // namespace

// Docker's rules: with "ALL" added, every capability but the dropped ones; else the defaults (none
// with "ALL" dropped) less the dropped ones, plus the added ones.
Result<std::set<std::string>> containerCapabilities(const ContainerSpec& c) {
  std::set<std::string> all(std::begin(kAllCapabilities), std::end(kAllCapabilities));
  std::set<std::string> add, drop;
  for (auto [names, into] : {std::pair{&c.capabilitiesAdd, &add}, std::pair{&c.capabilitiesDrop, &drop}}) {
    for (const auto& n : *names) {
      std::string cap = kernelCapability(n);
      if (cap != "ALL" && !all.contains(cap))
        return invalidParameter("unknown capability: " + n, "CannotStartContainerError");
      into->insert(cap);
    }
  }
  std::set<std::string> caps;
  if (add.contains("ALL")) {
    caps = all;
  } else if (!drop.contains("ALL")) {
    caps.insert(std::begin(kDefaultCapabilities), std::end(kDefaultCapabilities));
  }
  for (const auto& d : drop) caps.erase(d);
  if (!add.contains("ALL")) caps.insert(add.begin(), add.end());
  return caps;
}

namespace {

json::object resources(const TaskSpec& task, const ContainerSpec& c) {
  json::object r{{"devices", json::array{json::object{{"allow", false}, {"access", "rwm"}}}}};
  if (auto mib = c.memoryMiB ? c.memoryMiB : task.memoryMiB) {
    int64_t bytes = int64_t(*mib) << 20;
    json::object memory{{"limit", bytes}, {"swap", bytes}};  // limit + swap equal: no swapping past it
    if (c.memoryReservationMiB) memory["reservation"] = int64_t(*c.memoryReservationMiB) << 20;
    r["memory"] = std::move(memory);
  }
  json::object cpu;
  if (c.cpu > 0) cpu["shares"] = std::max(c.cpu, 2);
  if (task.cpu > 0) {
    cpu["quota"] = int64_t(task.cpu) * kCpuPeriodUs / 1024;
    cpu["period"] = kCpuPeriodUs;
  }
  if (!cpu.empty()) r["cpu"] = std::move(cpu);
  return r;
}

json::array mounts(const ContainerSpec& c, const BundleOptions& options) {
  json::array m{
      mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  };
  for (const auto& b : c.mounts)
    m.push_back(
        json::object{{"destination", b.containerPath},
                     {"type", "bind"},
                     {"source", b.hostPath},
                     {"options", strings(std::vector<std::string>{"rbind", "rprivate", b.readOnly ? "ro" : "rw"})}});
  // Per-container files, so writes to them stay the container's (as with Docker).
  for (auto [dest, source] :
       {std::pair{"/etc/hosts", &options.hostsPath}, {"/etc/resolv.conf", &options.resolvConfPath}})
    if (!source->empty())
      m.push_back(json::object{{"destination", dest},
                               {"type", "bind"},
                               {"source", *source},
                               {"options", strings(std::vector<std::string>{"bind", "nosuid", "nodev", "noexec"})}});
  if (c.initProcessEnabled)
    m.push_back(json::object{{"destination", kContainerInitPath},
                             {"type", "bind"},
                             {"source", options.initBinary},
                             {"options", strings(std::vector<std::string>{"bind", "ro", "nosuid", "nodev"})}});
  return m;
}

json::array namespaces(const LaunchRequest& r) {
  json::array ns{json::object{{"type", "pid"}}, json::object{{"type", "mount"}}, json::object{{"type", "ipc"}}};
  if (r.task.networkMode == NetworkMode::kHost) return ns;  // host network keeps the host's name too
  ns.push_back(json::object{{"type", "uts"}});
  json::object net{{"type", "network"}};
  if (!r.netnsPath.empty()) net["path"] = r.netnsPath;
  ns.push_back(std::move(net));
  return ns;
}

}  // namespace

std::string taskHostname(const std::string& taskId) { return taskId.substr(0, 12); }

Result<ResolvedUser> resolveUser(const std::string& rootfs, const std::string& user) {
  ResolvedUser u;
  std::string name = user.substr(0, user.find(':'));
  std::string group = user.find(':') == std::string::npos ? "" : user.substr(user.find(':') + 1);
  if (name.empty()) name = "0";
  auto passwd = readColonFile(rootfs + "/etc/passwd");
  auto uid = parseId(name);
  auto entry = std::find_if(passwd.begin(), passwd.end(), [&](const auto& f) {
    return f.size() >= 7 && (uid ? parseId(f[2]) == uid : f[0] == name);
  });
  if (entry == passwd.end() && !uid)
    return invalidParameter("unable to find user " + name + ": no matching entries in passwd file",
                            "CannotStartContainerError");
  u.uid = uid ? *uid : *parseId((*entry)[2]);
  if (entry != passwd.end()) {
    u.gid = parseId((*entry)[3]).value_or(0);
    u.home = (*entry)[5].empty() ? "/" : (*entry)[5];
  }
  auto groups = readColonFile(rootfs + "/etc/group");
  if (!group.empty()) {
    if (auto gid = parseId(group)) {
      u.gid = *gid;
    } else {
      auto g =
          std::find_if(groups.begin(), groups.end(), [&](const auto& f) { return f.size() >= 3 && f[0] == group; });
      if (g == groups.end() || !parseId((*g)[2]))
        return invalidParameter("unable to find group " + group + ": no matching entries in group file",
                                "CannotStartContainerError");
      u.gid = *parseId((*g)[2]);
    }
  }
  if (entry != passwd.end()) {
    const std::string& userName = (*entry)[0];
    for (const auto& f : groups) {
      if (f.size() < 4) continue;
      std::string members = "," + f[3] + ",";
      auto gid = parseId(f[2]);
      if (gid && *gid != u.gid && members.find("," + userName + ",") != std::string::npos)
        u.additionalGids.push_back(*gid);
    }
  }
  return u;
}

Result<std::string> buildOciConfig(const LaunchRequest& r, const BundleOptions& options) {
  const ContainerSpec& c = r.container;
  auto process = containerProcess(c, r.image.config);
  if (!process) return std::unexpected(process.error());
  auto user = resolveUser(r.image.rootfs, c.user.value_or(r.image.config.user));
  if (!user) return std::unexpected(user.error());
  auto limits = rlimits(c.ulimits);
  if (!limits) return std::unexpected(limits.error());
  std::string hostname = taskHostname(r.task.taskId);
  if (r.task.networkMode != NetworkMode::kHost) setEnvDefault(process->env, "HOSTNAME", hostname);
  setEnvDefault(process->env, "HOME", user->home);
  if (c.initProcessEnabled) {
    process->args.insert(process->args.begin(), {kContainerInitPath, "init", "--"});
  }
  auto held = containerCapabilities(c);
  if (!held) return std::unexpected(held.error());
  json::array caps = strings(*held);
  json::object userObj{{"uid", user->uid}, {"gid", user->gid}};
  if (!user->additionalGids.empty()) userObj["additionalGids"] = strings(user->additionalGids);
  json::object config{{"ociVersion", "1.0.2"},
                      {"process",
                       {{"terminal", false},
                        {"user", std::move(userObj)},
                        {"args", strings(process->args)},
                        {"env", strings(process->env)},
                        {"cwd", process->cwd},
                        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
                        {"rlimits", std::move(*limits)},
                        {"noNewPrivileges", true}}},
                      {"root", {{"path", options.rootfs}, {"readonly", c.readonlyRootFilesystem}}},
                      {"mounts", mounts(c, options)},
                      {"linux",
                       {{"namespaces", namespaces(r)},
                        {"cgroupsPath", options.cgroupsPath},
                        {"resources", resources(r.task, c)},
                        {"maskedPaths", strings(kMaskedPaths)},
                        {"readonlyPaths", strings(kReadonlyPaths)}}}};
  if (!c.seccompUnconfined) {
    config["linux"].as_object()["seccomp"] = defaultSeccompProfile(*held);
    if (!options.seccompBpf.empty())
      config["annotations"] = json::object{{kCrunSeccompBpfAnnotation, options.seccompBpf}};
  }
  if (r.task.networkMode != NetworkMode::kHost) config["hostname"] = hostname;
  return json::serialize(config);
}

}  // namespace wharf::agent
