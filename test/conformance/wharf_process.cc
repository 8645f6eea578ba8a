#include "wharf_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace wharf::conformance {
namespace {

constexpr std::chrono::seconds kStartTimeout{30};
constexpr std::chrono::seconds kStopGrace{30};
constexpr const char* kAccountId = "111111111111";

// Whether `pid` has exited, reaping it if so.
bool reaped(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

Result<std::unique_ptr<WharfProcess>> WharfProcess::start(const std::string& binary, const std::string& region) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sfn-conformance-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return fail(ErrorCode::kUnavailable, "", "mkdtemp: " + std::string(strerror(errno)));
  const std::string data = tmpl + "/data", logPath = tmpl + "/server.log";
  int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (logFd < 0) return fail(ErrorCode::kUnavailable, "", "open " + logPath + ": " + strerror(errno));
  std::vector<std::string> args = {binary,     "server", "--listen",     "127.0.0.1:0", "--data-dir", data,
                                   "--region", region,   "--account-id", kAccountId,    "--launcher", "process"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(logFd);
    return fail(ErrorCode::kUnavailable, "", "fork: " + std::string(strerror(errno)));
  }
  if (pid == 0) {
    ::dup2(logFd, STDOUT_FILENO);
    ::dup2(logFd, STDERR_FILENO);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(logFd);
  std::unique_ptr<WharfProcess> p(new WharfProcess(tmpl, pid));
  static const std::regex kListening(R"(listening on (\S+):(\d+))");
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string log = p->log();
    if (std::regex_search(log, m, kListening)) {
      p->endpoint_ = {m[1].str(), static_cast<uint16_t>(std::stoi(m[2].str()))};
      auto credential = api::loadRootCredential(data);
      if (!credential) return std::unexpected(credential.error());
      p->credential_ = *credential;
      return p;
    }
    if (reaped(pid)) {
      p->pid_ = -1;
      return fail(ErrorCode::kUnavailable, "", "wharf server exited before listening: " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail(ErrorCode::kUnavailable, "", "wharf server did not report its address: " + p->log());
}

WharfProcess::~WharfProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + kStopGrace;
    bool gone = false;
    while (!(gone = reaped(pid_)) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!gone) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string WharfProcess::log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace wharf::conformance
