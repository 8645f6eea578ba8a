#include "agent/network/network_state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace wharf::agent {

namespace {

namespace json = boost::json;

Error fileError(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kUnavailable, "", fmt::format("network state: {} {}: {}", what, path, std::strerror(errno))};
}

const char* modeName(NetworkMode mode) { return mode == NetworkMode::kAwsvpc ? "awsvpc" : "none"; }

}  // namespace

NetworkState::LockGuard::~LockGuard() {
  if (fd_ >= 0) ::flock(fd_, LOCK_UN);
}

Result<NetworkState> NetworkState::open(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return fail(ErrorCode::kUnavailable, "", fmt::format("network state dir {}: {}", dir, error.message()));
  std::string lockPath = dir + "/allocations.lock";
  UniqueFd lockFd(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lockFd.valid()) return std::unexpected(fileError("open", lockPath));
  return NetworkState(dir + "/allocations.json", std::move(lockFd));
}

Result<NetworkState::LockGuard> NetworkState::lock() {
  while (::flock(lockFd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return std::unexpected(fileError("lock", path_));
  }
  return LockGuard(lockFd_.get());
}

Result<TaskNetworkRecords> NetworkState::load() const {
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return TaskNetworkRecords{};
    return std::unexpected(fileError("open", path_));
  }
  std::string text;
  char chunk[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(fileError("read", path_));
    if (n == 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  boost::system::error_code error;
  json::value root = json::parse(text, error);
  const json::object* tasks = nullptr;
  if (!error && root.is_object()) {
    if (auto* found = root.as_object().if_contains("tasks")) tasks = found->if_object();
  }
  if (!tasks) return internalError(fmt::format("network state {} is not valid", path_));
  TaskNetworkRecords records;
  for (const auto& [taskId, entry] : *tasks) {
    const json::object* fields = entry.if_object();
    const json::value* mode = fields ? fields->if_contains("mode") : nullptr;
    if (!mode || !mode->is_string() || (mode->as_string() != "awsvpc" && mode->as_string() != "none")) {
      return internalError(fmt::format("network state {}: bad entry for {}", path_, taskId));
    }
    TaskNetworkRecord record{mode->as_string() == "awsvpc" ? NetworkMode::kAwsvpc : NetworkMode::kNone, ""};
    if (auto* ipv4 = fields->if_contains("ipv4"); ipv4 && ipv4->is_string()) record.ipv4 = ipv4->as_string();
    records.emplace(taskId, std::move(record));
  }
  return records;
}

Result<void> NetworkState::save(const TaskNetworkRecords& records) const {
  json::object tasks;
  for (const auto& [taskId, record] : records) {
    json::object entry{{"mode", modeName(record.mode)}};
    if (!record.ipv4.empty()) entry["ipv4"] = record.ipv4;
    tasks[taskId] = std::move(entry);
  }
  std::string text = json::serialize(json::object{{"version", 1}, {"tasks", std::move(tasks)}});
  // No fsync: the namespaces and veths this file describes do not survive a power loss either,
  // and rename() is atomic against a crash of the process, which is what restarts must survive.
  std::string temp = path_ + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    if (!out.flush()) return std::unexpected(fileError("write", temp));
  }
  if (std::rename(temp.c_str(), path_.c_str()) != 0) return std::unexpected(fileError("rename", temp));
  return {};
}

}  // namespace wharf::agent
