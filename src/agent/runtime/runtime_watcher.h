// Learns of container exits and new container output without polling: one inotify descriptor
// watches the exits directory (supervisors rename status files into it) and the capture files of
// containers whose output is forwarded. Handlers run on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/runtime/launcher.h"

namespace wharf::agent {

class RuntimeWatcher {
 public:
  using Handler = std::function<void(const ContainerRef&)>;

  // onExit: a status file appeared for the container. onOutput: its capture file grew.
  static Result<std::unique_ptr<RuntimeWatcher>> create(boost::asio::io_context& io, const std::string& exitsDir,
                                                        Handler onExit, Handler onOutput);

  // Starts/stops reporting growth of a container's capture file (which must exist). Thread-safe.
  Result<void> watchOutput(const ContainerRef& ref, const std::string& capturePath);
  void unwatchOutput(const ContainerRef& ref);

 private:
  RuntimeWatcher(boost::asio::io_context& io, int fd, std::string exitsDir, Handler onExit, Handler onOutput);
  void readEvents();
  void dispatch(size_t length);

  boost::asio::posix::stream_descriptor inotify_;
  std::string exitsDir_;
  Handler onExit_;
  Handler onOutput_;
  int exitsWd_ = -1;
  std::mutex mutex_;
  std::map<int, ContainerRef> outputs_;  // watch descriptor → container
  alignas(8) char buffer_[64 * 1024];
};

}  // namespace wharf::agent
