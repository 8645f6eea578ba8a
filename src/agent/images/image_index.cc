#include "agent/images/image_index.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace wharf::agent {
namespace {

namespace json = boost::json;

std::unexpected<Error> systemError(const std::string& what) {
  return internalError(what + ": " + std::strerror(errno));
}

Result<void> writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot write image index");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<void> syncDirectoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return systemError("cannot open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return systemError("cannot sync " + dir);
  return {};
}

}  // namespace

IndexVersion indexVersion(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return {};
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

Result<IndexEntries> readIndex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return IndexEntries{};
    return systemError("cannot open " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  std::error_code ec;
  json::value doc = json::parse(text.str(), ec);
  const json::value* images = (!ec && doc.is_object()) ? doc.get_object().if_contains("images") : nullptr;
  if (!images || !images->is_object()) return internalError("malformed image index " + path);
  IndexEntries entries;
  for (const auto& [name, value] : images->get_object()) {
    const auto* entry = value.if_object();
    const auto* id = entry ? entry->if_contains("id") : nullptr;
    if (!id || !id->is_string()) return internalError("malformed image index " + path);
    IndexEntry& out = entries[std::string(name)];
    out.id = std::string(id->get_string());
    if (const auto* size = entry->if_contains("sizeBytes"); size && size->is_int64()) out.sizeBytes = size->get_int64();
    if (const auto* at = entry->if_contains("createdAtMs"); at && at->is_int64()) out.createdAtMs = at->get_int64();
  }
  return entries;
}

Result<void> writeIndex(const std::string& path, const IndexEntries& entries) {
  json::object images;
  for (const auto& [name, entry] : entries)
    images[name] = json::object{{"id", entry.id}, {"sizeBytes", entry.sizeBytes}, {"createdAtMs", entry.createdAtMs}};
  std::string text = json::serialize(json::object{{"images", std::move(images)}});

  std::string temp = path + ".tmp";  // only lock holders write, so one temp name suffices
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return systemError("cannot create " + temp);
  auto written = writeAll(fd, text);
  bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return written;
  if (!synced) return systemError("cannot sync " + temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) return systemError("cannot replace " + path);
  return syncDirectoryOf(path);
}

Result<IndexLock> IndexLock::acquire(const std::string& lockPath) {
  int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return systemError("cannot open " + lockPath);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    ::close(fd);
    return systemError("cannot lock " + lockPath);
  }
  return IndexLock(fd);
}

IndexLock::IndexLock(IndexLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

IndexLock::~IndexLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace wharf::agent
