#include "agent/network/named_netns.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

namespace wharf::agent {

namespace {

// The kernel gives loopback this index in every namespace.
constexpr int kLoopbackIndex = 1;

Error systemError(const std::string& what, const std::string& path, int error = errno) {
  return Error{ErrorCode::kUnavailable, "", fmt::format("netns: {} {}: {}", what, path, std::strerror(error))};
}

}  // namespace

Result<void> prepareNetnsDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return fail(ErrorCode::kUnavailable, "", fmt::format("netns: mkdir {}: {}", dir, error.message()));
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) return {};
  if (errno != EINVAL) return std::unexpected(systemError("make shared", dir));
  // Not a mount point yet: bind it onto itself first.
  if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
    return std::unexpected(systemError("bind", dir));
  }
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    return std::unexpected(systemError("make shared", dir));
  }
  return {};
}

bool isNetnsMounted(const std::string& path) {
  struct statfs info {};
  return ::statfs(path.c_str(), &info) == 0 && info.f_type == static_cast<decltype(info.f_type)>(NSFS_MAGIC);
}

Result<NamedNetns> createNetns(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
  if (!file.valid()) return std::unexpected(systemError("create", path));
  file.reset();
  // Namespaces belong to threads: a short-lived thread enters a fresh one, pins it with the bind
  // mount and opens the socket that will keep acting inside it after the thread is gone.
  std::optional<Result<RtNetlink>> inside;
  std::thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      inside = std::unexpected(systemError("unshare", path));
    } else if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      inside = std::unexpected(systemError("bind", path));
    } else {
      inside = RtNetlink::open();
    }
  }).join();
  if (!*inside) {
    (void)removeNetns(path);
    return std::unexpected(inside->error());
  }
  NamedNetns netns{UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), std::move(**inside)};
  Result<void> loopback =
      netns.fd.valid() ? netns.netlink.setLinkUp(kLoopbackIndex) : std::unexpected(systemError("open", path));
  if (!loopback) {
    (void)removeNetns(path);
    return std::unexpected(loopback.error());
  }
  return netns;
}

Result<void> removeNetns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return std::unexpected(systemError("unmount", path));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return std::unexpected(systemError("unlink", path));
  return {};
}

}  // namespace wharf::agent
