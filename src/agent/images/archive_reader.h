// Sequential reading of tar archives with libarchive (any compression), including tar archives
// stored as members of another archive: the layers inside `docker save` and OCI archives.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/result.h"

struct archive;
struct archive_entry;

namespace wharf::agent {

class ArchiveReader {
 public:
  // Opens a tar archive file, compressed with any filter libarchive knows (gzip, zstd, ...).
  static Result<ArchiveReader> open(const std::string& path);
  // Opens the tar archive stored as regular-file member `member` of the archive at `path`.
  static Result<ArchiveReader> openMember(const std::string& path, const std::string& member);
  // Reads regular-file member `member` of the archive at `path` whole; fails above `limit` bytes.
  static Result<std::string> readMember(const std::string& path, const std::string& member, size_t limit);

  ArchiveReader(ArchiveReader&& other) noexcept;
  ArchiveReader& operator=(ArchiveReader&& other) = delete;
  ~ArchiveReader();

  // Advances to the next entry, owned by the reader and valid until the next call; nullptr at the end.
  Result<archive_entry*> next();
  // Reads the current entry's data whole; fails when it is larger than `limit` bytes.
  Result<std::string> readData(size_t limit);
  archive* handle() const { return archive_; }

 private:
  ArchiveReader(archive* a, std::unique_ptr<ArchiveReader> outer);
  // Skips to regular-file member `member`, so that reading data reads that member.
  Result<void> seek(const std::string& member);
  Error failure(const std::string& what) const;
  // libarchive read callback for a nested archive: serves the data of `outer`'s current entry.
  static ssize_t readOuterData(archive* self, void* outer, const void** buffer);

  archive* archive_;
  std::unique_ptr<ArchiveReader> outer_;  // the archive whose member this one is read from
  std::unique_ptr<char[]> buffer_;        // data handed to the nested reader reading this one
  std::string path_;
};

// An entry's path relative to the archive root, without "./" prefixes or trailing slashes.
std::string entryPath(archive_entry* entry);

}  // namespace wharf::agent
