#include "agent/runtime/runtime_watcher.h"

#include <sys/inotify.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "agent/runtime/runtime_layout.h"

namespace wharf::agent {

Result<std::unique_ptr<RuntimeWatcher>> RuntimeWatcher::create(boost::asio::io_context& io, const std::string& exitsDir,
                                                               Handler onExit, Handler onOutput) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return internalError(std::string("inotify_init1: ") + strerror(errno));
  std::unique_ptr<RuntimeWatcher> w(new RuntimeWatcher(io, fd, exitsDir, std::move(onExit), std::move(onOutput)));
  w->exitsWd_ = inotify_add_watch(fd, exitsDir.c_str(), IN_MOVED_TO);
  if (w->exitsWd_ < 0) return internalError("cannot watch " + exitsDir + ": " + strerror(errno));
  w->readEvents();
  return w;
}

RuntimeWatcher::RuntimeWatcher(boost::asio::io_context& io, int fd, std::string exitsDir, Handler onExit,
                               Handler onOutput)
    : inotify_(io, fd), exitsDir_(std::move(exitsDir)), onExit_(std::move(onExit)), onOutput_(std::move(onOutput)) {}

Result<void> RuntimeWatcher::watchOutput(const ContainerRef& ref, const std::string& capturePath) {
  int wd = inotify_add_watch(inotify_.native_handle(), capturePath.c_str(), IN_MODIFY);
  if (wd < 0) return internalError("cannot watch " + capturePath + ": " + strerror(errno));
  std::lock_guard lock(mutex_);
  outputs_.insert_or_assign(wd, ref);
  return {};
}

void RuntimeWatcher::unwatchOutput(const ContainerRef& ref) {
  std::lock_guard lock(mutex_);
  for (auto it = outputs_.begin(); it != outputs_.end(); ++it) {
    if (it->second.taskId == ref.taskId && it->second.container == ref.container) {
      inotify_rm_watch(inotify_.native_handle(), it->first);
      outputs_.erase(it);
      return;
    }
  }
}

void RuntimeWatcher::readEvents() {
  inotify_.async_read_some(boost::asio::buffer(buffer_), [this](boost::system::error_code ec, size_t n) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (!ec) dispatch(n);
    readEvents();
  });
}

void RuntimeWatcher::dispatch(size_t length) {
  for (size_t at = 0; at + sizeof(inotify_event) <= length;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(buffer_ + at);
    at += sizeof(inotify_event) + ev->len;
    if (ev->mask & IN_Q_OVERFLOW) {  // events were dropped: every status file may be new
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(exitsDir_, ec))
        if (auto ref = RuntimeLayout::parseStatusName(entry.path().filename().string())) onExit_(*ref);
      continue;
    }
    if (ev->wd == exitsWd_) {
      if (ev->len == 0) continue;
      if (auto ref = RuntimeLayout::parseStatusName(ev->name)) onExit_(*ref);
      continue;
    }
    std::optional<ContainerRef> ref;
    {
      std::lock_guard lock(mutex_);
      if (auto it = outputs_.find(ev->wd); it != outputs_.end()) ref = it->second;
    }
    if (ref) onOutput_(*ref);
  }
}

}  // namespace wharf::agent
