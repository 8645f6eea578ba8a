#include "agent/runtime/launchers/process/process_launcher.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "agent/runtime/container_process.h"
#include "agent/runtime/supervisor_client.h"

namespace wharf::agent {

namespace fs = std::filesystem;

ProcessLauncher::ProcessLauncher(ProcessLauncherConfig config) : config_(std::move(config)), layout_(config_.dataDir) {}

Result<ContainerStatus> ProcessLauncher::start(const LaunchRequest& request) {
  ContainerRef ref{request.task.taskId, request.container.name};
  if (auto s = readContainerStatus(layout_, ref); s.state != ContainerStatus::State::kAbsent) return s;
  if (auto r = remove(ref); !r) return std::unexpected(r.error());
  auto process = containerProcess(request.container, request.image.config);
  if (!process) return std::unexpected(process.error());
  std::string dir = layout_.containerDir(ref);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return internalError("cannot create " + dir + ": " + ec.message());
  SupervisorCommand command{
      .argv = {config_.supervisorPath, "process", "--dir", dir, "--status", layout_.statusPath(ref), "--"},
      .env = process->env,
      .cwd = process->cwd,
      .logPath = dir + "/supervisor.log"};
  command.argv.insert(command.argv.end(), process->args.begin(), process->args.end());
  if (auto r = startSupervisor(command); !r) return std::unexpected(r.error());
  return readContainerStatus(layout_, ref);
}

Result<ContainerStatus> ProcessLauncher::recover(const ContainerRef& ref) {
  return recoverContainerStatus(layout_, ref);
}

Result<ContainerStatus> ProcessLauncher::inspect(const ContainerRef& ref) { return readContainerStatus(layout_, ref); }

Result<void> ProcessLauncher::stop(const ContainerRef& ref, int signal) {
  if (readContainerStatus(layout_, ref).state != ContainerStatus::State::kRunning) return {};
  if (int pid = readContainerPid(layout_, ref); pid > 0 && kill(-pid, signal) != 0 && errno != ESRCH)
    return internalError("kill: " + std::string(strerror(errno)));
  return {};
}

Result<void> ProcessLauncher::remove(const ContainerRef& ref) {
  std::error_code ec;
  fs::remove_all(layout_.containerDir(ref), ec);
  if (ec) return internalError("cannot remove " + layout_.containerDir(ref) + ": " + ec.message());
  fs::remove(layout_.statusPath(ref), ec);
  return {};
}

}  // namespace wharf::agent
