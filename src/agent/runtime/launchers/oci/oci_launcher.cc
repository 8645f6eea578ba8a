#include "agent/runtime/launchers/oci/oci_launcher.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/runtime/container_process.h"
#include "agent/runtime/launchers/oci/bundle_builder.h"
#include "agent/runtime/launchers/oci/etc_files.h"
#include "agent/runtime/launchers/oci/sealed_binary.h"
#include "agent/runtime/launchers/oci/seccomp_bpf.h"
#include "agent/runtime/launchers/oci/seccomp_profile.h"
#include "agent/runtime/supervisor_client.h"

namespace wharf::agent {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
// Where hybrid hosts (cgroup v1 controllers on a tmpfs) mount the cgroup2 hierarchy.
constexpr const char* kHybridUnifiedMount = "/sys/fs/cgroup/unified";

bool isFilesystem(const char* path, int64_t magic) {
  struct statfs st {};
  return statfs(path, &st) == 0 && int64_t(st.f_type) == magic;
}

bool isCrun(const std::string& runtime) { return fs::path(runtime).filename() == "crun"; }

// crun manages either cgroup v1 or v2 but refuses the hybrid layout, so on such hosts it runs
// without the cgroup2 mount and keeps to the v1 controllers, as runc does there.
std::string mountHiddenFrom(const std::string& runtime) {
  if (!isCrun(runtime)) return "";
  bool hybrid = isFilesystem(kCgroupRoot, TMPFS_MAGIC) && isFilesystem(kHybridUnifiedMount, CGROUP2_SUPER_MAGIC);
  return hybrid ? kHybridUnifiedMount : "";
}

// Without a copy the runtime still runs, by name, and copies itself.
UniqueFd runtimeCopy(const std::string& runtime) {
  auto path = findExecutable(runtime);
  if (!path) return {};
  auto copy = sealedCopy(*path);
  return copy ? std::move(*copy) : UniqueFd();
}

// Empty when the file cannot be read (a host without /etc/resolv.conf has no name servers).
std::string hostFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes the container's /etc/hosts and /etc/resolv.conf into `dir` and names them in `options`;
// nothing for an image without /etc, whose programs would not look there.
Result<void> writeEtcFiles(const LaunchRequest& r, const fs::path& dir, BundleOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(fs::path(r.image.rootfs) / "etc", ec)) return {};
  NetworkMode mode = r.task.networkMode;
  std::string hosts = containerHosts(mode, taskHostname(r.task.taskId), r.ipv4, hostFile("/etc/hosts"));
  options.hostsPath = (dir / "hosts").string();
  options.resolvConfPath = (dir / "resolv.conf").string();
  std::string resolvConf = containerResolvConf(mode, hostFile("/etc/resolv.conf"));
  for (auto [path, text] : {std::pair{&options.hostsPath, &hosts}, {&options.resolvConfPath, &resolvConf}}) {
    if (auto w = writeFileAtomic(*path, *text); !w) return w;
    // Readable by any user of the container, whatever the server's umask.
    fs::permissions(*path, fs::perms(0644), ec);
  }
  return {};
}

int runAndWait(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string resolveOciRuntime(const std::string& requested) {
  if (!requested.empty() && requested != "auto") return requested;
  return findExecutable("crun") ? "crun" : "runc";
}

OciLauncher::OciLauncher(OciLauncherConfig config)
    : config_(std::move(config)),
      layout_(config_.dataDir),
      hiddenMount_(mountHiddenFrom(config_.runtimePath)),
      runtimeCopy_(runtimeCopy(config_.runtimePath)),
      precompileSeccomp_(isCrun(config_.runtimePath)) {}

std::string OciLauncher::precompiledSeccomp(const ContainerSpec& container) {
  if (!precompileSeccomp_ || container.seccompUnconfined) return "";
  auto caps = containerCapabilities(container);
  if (!caps) return "";  // the config build reports it
  std::lock_guard lock(seccompMutex_);
  auto it = seccompPrograms_.find(*caps);
  if (it == seccompPrograms_.end()) {
    auto program = compileSeccompBpf(defaultSeccompProfile(*caps));
    it = seccompPrograms_.emplace(*caps, program ? *program : "").first;
  }
  return it->second;
}

Result<void> OciLauncher::prepareBundle(const LaunchRequest& request, const ContainerRef& ref) {
  fs::path dir = layout_.containerDir(ref);
  std::error_code ec;
  for (const char* sub : {"bundle/rootfs", "upper", "work"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) return internalError("cannot create " + (dir / sub).string() + ": " + ec.message());
  }
  BundleOptions options{.cgroupsPath = cgroupsPath(ref),
                        .initBinary = config_.supervisorPath,
                        .seccompBpf = precompiledSeccomp(request.container)};
  if (auto w = writeEtcFiles(request, dir, options); !w) return w;
  auto config = buildOciConfig(request, options);
  if (!config) return std::unexpected(config.error());
  if (auto w = writeFileAtomic((dir / "bundle/config.json").string(), *config); !w) return w;
  std::string overlay = "lowerdir=" + request.image.rootfs + ",upperdir=" + (dir / "upper").string() +
                        ",workdir=" + (dir / "work").string();
  if (mount("overlay", (dir / "bundle/rootfs").c_str(), "overlay", 0, overlay.c_str()) != 0)
    return fail(ErrorCode::kUnavailable, "CannotStartContainerError",
                "cannot mount the container's root filesystem: " + std::string(strerror(errno)));
  return {};
}

Result<ContainerStatus> OciLauncher::start(const LaunchRequest& request) {
  ContainerRef ref{request.task.taskId, request.container.name};
  if (auto s = readContainerStatus(layout_, ref); s.state != ContainerStatus::State::kAbsent) return s;
  // Leftovers of a start that never completed (the server died during it). Everything a start
  // creates comes after the container's directory, so without it there is nothing to remove.
  std::error_code ec;
  if (fs::exists(layout_.containerDir(ref), ec)) {
    if (auto r = remove(ref); !r) return std::unexpected(r.error());
  }
  if (auto r = prepareBundle(request, ref); !r) return std::unexpected(r.error());
  std::string dir = layout_.containerDir(ref);
  SupervisorCommand command{
      .argv = {config_.supervisorPath, "oci", "--dir", dir, "--status", layout_.statusPath(ref), "--runtime",
               config_.runtimePath, "--root", layout_.runtimeStateDir(), "--bundle", dir + "/bundle", "--id",
               containerId(ref), "--memcg", std::string(kCgroupRoot) + "/memory" + cgroupsPath(ref)},
      .env = {std::string("PATH=") + kDefaultPath},
      .cwd = "",
      .logPath = dir + "/supervisor.log"};
  if (!hiddenMount_.empty()) command.argv.insert(command.argv.end(), {"--hide-mount", hiddenMount_});
  if (runtimeCopy_.valid()) {
    command.argv.insert(command.argv.end(), {"--runtime-fd", std::to_string(kSupervisorInheritedFd)});
    command.inheritFd = runtimeCopy_.get();
  }
  if (auto r = startSupervisor(command); !r) return std::unexpected(r.error());
  return readContainerStatus(layout_, ref);
}

Result<ContainerStatus> OciLauncher::recover(const ContainerRef& ref) { return recoverContainerStatus(layout_, ref); }

Result<ContainerStatus> OciLauncher::inspect(const ContainerRef& ref) { return readContainerStatus(layout_, ref); }

Result<void> OciLauncher::stop(const ContainerRef& ref, int signal) {
  if (readContainerStatus(layout_, ref).state != ContainerStatus::State::kRunning) return {};
  // The pid stays ours until the supervisor reaps it, which it does only after the exit.
  if (int pid = readContainerPid(layout_, ref); pid > 0 && kill(pid, signal) != 0 && errno != ESRCH)
    return internalError("kill: " + std::string(strerror(errno)));
  return {};
}

Result<void> OciLauncher::remove(const ContainerRef& ref) {
  std::error_code ec;
  fs::path runtimeState = fs::path(layout_.runtimeStateDir()) / containerId(ref);
  if (fs::exists(runtimeState, ec)) {
    // Once the supervisor has seen the container's init exit, every process of the container is
    // gone with its pid namespace, and `runtime delete` would only remove the cgroups (below) and
    // the runtime's state directory (no hooks are configured). Doing that here spares a runtime
    // process per container, as costly as the rest of the stop path.
    ContainerStatus status = readContainerStatus(layout_, ref);
    if (status.state == ContainerStatus::State::kExited && status.exitCode) {
      if (fs::remove_all(runtimeState, ec); ec)
        return internalError("cannot remove " + runtimeState.string() + ": " + ec.message());
    } else {
      runAndWait({config_.runtimePath, "--root", layout_.runtimeStateDir(), "delete", "--force", containerId(ref)});
    }
  }
  fs::path dir = layout_.containerDir(ref);
  if (umount2((dir / "bundle/rootfs").c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return internalError("cannot unmount " + (dir / "bundle/rootfs").string() + ": " + strerror(errno));
  fs::remove_all(dir, ec);
  if (ec) return internalError("cannot remove " + dir.string() + ": " + ec.message());
  fs::remove(layout_.statusPath(ref), ec);
  std::error_code ignored;
  // The container's cgroup (`runtime delete` removes it too), then the task's parent, which goes
  // with its last container (rmdir fails while others remain).
  for (const auto& controller : fs::directory_iterator(kCgroupRoot, ignored)) {
    rmdir((controller.path().string() + cgroupsPath(ref)).c_str());
    rmdir((controller.path().string() + "/wharf/" + ref.taskId).c_str());
  }
  return {};
}

}  // namespace wharf::agent
