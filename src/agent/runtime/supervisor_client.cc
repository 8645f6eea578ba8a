#include "agent/runtime/supervisor_client.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/clock.h"

namespace wharf::agent {
namespace {

constexpr const char* kSupervisorLost = "wharf-supervisor exited before the container; its exit code is unknown";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::chrono::system_clock::time_point mtimeOf(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  return std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec) +
                                               std::chrono::nanoseconds(st.st_mtim.tv_nsec));
}

bool supervisorAlive(const RuntimeLayout& layout, const ContainerRef& ref) {
  int pid = std::atoi(readFile(layout.supervisorPidPath(ref)).c_str());
  if (pid <= 0) return false;
  // A recycled pid would not have this container's status path on its command line.
  std::string cmdline = readFile("/proc/" + std::to_string(pid) + "/cmdline");
  return cmdline.find(layout.statusPath(ref)) != std::string::npos;
}

std::vector<char*> cStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<void> writeFileAtomic(const std::string& path, const std::string& content) {
  std::string tmp =
      path.substr(0, path.rfind('/') + 1) + ".tmp." + std::to_string(getpid()) + "." + std::to_string(gettid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) return internalError("cannot write " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) return internalError("cannot rename " + tmp + ": " + strerror(errno));
  return {};
}

Result<void> startSupervisor(const SupervisorCommand& command) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return internalError(std::string("pipe: ") + strerror(errno));
  // A copy above the numbers the actions assign, so the dup2 to 3 cannot overwrite it first.
  int inherited = -1;
  if (command.inheritFd >= 0 &&
      (inherited = fcntl(command.inheritFd, F_DUPFD_CLOEXEC, kSupervisorInheritedFd + 1)) < 0) {
    std::string error = strerror(errno);
    close(ready[0]);
    close(ready[1]);
    return internalError("cannot pass a descriptor to the supervisor: " + error);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, command.logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, ready[1], 3);
  if (inherited >= 0) posix_spawn_file_actions_adddup2(&actions, inherited, kSupervisorInheritedFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, inherited >= 0 ? kSupervisorInheritedFd + 1 : 4);
  if (!command.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, command.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto argv = cStrings(command.argv);
  auto envp = cStrings(command.env);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(ready[1]);
  if (inherited >= 0) close(inherited);
  if (rc != 0) {
    close(ready[0]);
    return fail(ErrorCode::kUnavailable, "CannotStartContainerError",
                "cannot run " + command.argv[0] + ": " + strerror(rc));
  }
  waitpid(pid, nullptr, 0);  // it exits at once, leaving its detached child
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = read(ready[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) reply.append(buf, size_t(n));
  close(ready[0]);
  if (reply == "ok\n") return {};
  if (reply.empty()) reply = "wharf-supervisor exited without starting the container (see " + command.logPath + ")";
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == ' ')) reply.pop_back();
  return fail(ErrorCode::kUnavailable, "CannotStartContainerError", reply);
}

ContainerStatus readContainerStatus(const RuntimeLayout& layout, const ContainerRef& ref) {
  ContainerStatus s;
  std::string pidPath = layout.pidPath(ref);
  if (access(pidPath.c_str(), F_OK) == 0) {
    s.state = ContainerStatus::State::kRunning;
    s.startedAt = mtimeOf(pidPath);
  }
  std::string text = readFile(layout.statusPath(ref));
  if (text.empty()) return s;
  boost::system::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec || !doc.is_object()) return s;
  const auto& o = doc.as_object();
  s.state = ContainerStatus::State::kExited;
  if (auto* c = o.if_contains("exitCode"); c && c->is_int64()) s.exitCode = int(c->as_int64());
  if (auto* r = o.if_contains("reason"); r && r->is_string()) s.reason = std::string(r->as_string());
  if (auto* t = o.if_contains("exitedAtMs"); t && t->is_int64())
    s.exitedAt = std::chrono::system_clock::time_point(std::chrono::milliseconds(t->as_int64()));
  return s;
}

ContainerStatus recoverContainerStatus(const RuntimeLayout& layout, const ContainerRef& ref) {
  ContainerStatus s = readContainerStatus(layout, ref);
  if (s.state != ContainerStatus::State::kRunning || supervisorAlive(layout, ref)) return s;
  // The supervisor may have written the status between our two reads.
  s = readContainerStatus(layout, ref);
  if (s.state != ContainerStatus::State::kRunning) return s;
  auto now = std::chrono::system_clock::now();
  boost::json::object o{{"exitCode", nullptr}, {"reason", kSupervisorLost}, {"exitedAtMs", epochMillis(now)}};
  (void)writeFileAtomic(layout.statusPath(ref), boost::json::serialize(o));
  return readContainerStatus(layout, ref);
}

int readContainerPid(const RuntimeLayout& layout, const ContainerRef& ref) {
  return std::atoi(readFile(layout.pidPath(ref)).c_str());
}

}  // namespace wharf::agent
