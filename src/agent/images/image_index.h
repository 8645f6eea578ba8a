// The store's index, <images>/index.json: image names to image ids. Written atomically (temp file,
// fsync, rename, fsync of the directory) under an exclusive lock shared by all processes.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"

namespace wharf::agent {

struct IndexEntry {
  std::string id;  // "sha256:<hex>"
  int64_t sizeBytes = 0;
  int64_t createdAtMs = 0;  // import time, milliseconds since the epoch
};

using IndexEntries = std::map<std::string, IndexEntry>;  // by normalized name

// Identifies one version of the index file; each write replaces the file, so the inode changes.
struct IndexVersion {
  ino_t inode = 0;
  int64_t mtimeNs = 0;
  bool operator==(const IndexVersion&) const = default;
};

// The current version of the index at `path`; all zero when there is none yet.
IndexVersion indexVersion(const std::string& path);

// Reads the index; a missing file is an empty index. kInternal when it cannot be parsed.
Result<IndexEntries> readIndex(const std::string& path);

// Replaces the index durably. Callers hold an IndexLock so concurrent updates do not get lost.
Result<void> writeIndex(const std::string& path, const IndexEntries& entries);

// An exclusive flock on a lock file, held until destruction; blocks until it is free.
class IndexLock {
 public:
  static Result<IndexLock> acquire(const std::string& lockPath);
  IndexLock(IndexLock&& other) noexcept;
  IndexLock& operator=(IndexLock&&) = delete;
  ~IndexLock();

 private:
  explicit IndexLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace wharf::agent
