#include "agent/images/layer_applier.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>

namespace wharf::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// Absolute paths and `..` are refused here and again by libarchive's secure flags; SECURE_
// NOABSOLUTEPATHS cannot be used because entries are written at absolute paths under `root`
// (libarchive writes relative to the process-wide working directory otherwise).
constexpr int kExtractFlags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                              ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                              ARCHIVE_EXTRACT_SECURE_SYMLINKS;

std::unexpected<Error> badEntry(const std::string& path, const std::string& why) {
  return invalidParameter("layer entry " + path + " " + why);
}

// The entry path relative to the root with "." and empty components dropped.
Result<std::string> relativePath(const char* raw) {
  std::string path = raw ? raw : "";
  if (path.starts_with('/')) return badEntry(path, "has an absolute path");
  std::string clean;
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = std::string_view(path).substr(start, end - start);
    if (part == "..") return badEntry(path, "has a '..' component");
    if (!part.empty() && part != ".") clean += (clean.empty() ? "" : "/") + std::string(part);
    start = end + 1;
  }
  return clean;
}

// Fails unless every existing ancestor of `rel` below `root` is a real directory, so that writing
// or deleting `rel` cannot be redirected by a symlink out of the root.
Result<void> checkAncestors(const std::string& root, const std::string& rel) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    struct stat st;
    if (::lstat((root + "/" + rel.substr(0, slash)).c_str(), &st) != 0) return {};  // created fresh
    if (S_ISLNK(st.st_mode)) return badEntry(rel, "runs through the symlink " + rel.substr(0, slash));
    if (!S_ISDIR(st.st_mode)) return badEntry(rel, "runs through the non-directory " + rel.substr(0, slash));
  }
  return {};
}

std::string baseName(const std::string& rel) {
  auto slash = rel.rfind('/');
  return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

std::string parentOf(const std::string& rel) {
  auto slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash);
}

// Removes what the layer's whiteouts hide in the layers below it.
Result<void> applyWhiteouts(const std::string& root, ArchiveReader& reader) {
  for (;;) {
    auto entry = reader.next();
    if (!entry) return std::unexpected(entry.error());
    if (!*entry) return {};
    auto rel = relativePath(archive_entry_pathname(*entry));
    if (!rel) return std::unexpected(rel.error());
    std::string base = baseName(*rel);
    if (!base.starts_with(kWhiteoutPrefix)) continue;
    std::string parent = parentOf(*rel);
    std::string hidden =
        base == kOpaqueMarker ? parent : (parent.empty() ? "" : parent + "/") + base.substr(kWhiteoutPrefix.size());
    if (auto ok = checkAncestors(root, hidden); !ok) return ok;
    std::error_code ec;
    fs::path target = fs::path(root) / hidden;
    if (base != kOpaqueMarker) {
      fs::remove_all(target, ec);
    } else if (fs::is_directory(fs::symlink_status(target, ec))) {
      for (const auto& child : fs::directory_iterator(target, ec)) fs::remove_all(child.path(), ec);
    }
    if (ec) return internalError("cannot apply whiteout " + *rel + ": " + ec.message());
  }
}

// Clears the way for an entry: a directory never merges into a non-directory or vice versa.
void removeConflicting(const std::string& path, mode_t entryType) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode) && entryType == AE_IFDIR) return;
  std::error_code ec;
  fs::remove_all(path, ec);
}

Result<void> copyData(ArchiveReader& reader, archive* disk, const std::string& rel) {
  const void* block;
  size_t size;
  la_int64_t offset;
  for (;;) {
    int rc = archive_read_data_block(reader.handle(), &block, &size, &offset);
    if (rc == ARCHIVE_EOF) return {};
    if (rc < ARCHIVE_WARN)
      return badEntry(rel, std::string("cannot be read: ") + archive_error_string(reader.handle()));
    if (archive_write_data_block(disk, block, size, offset) < ARCHIVE_WARN)
      return internalError("cannot write " + rel + ": " + archive_error_string(disk));
  }
}

Result<void> writeEntry(const std::string& root, ArchiveReader& reader, archive* disk, archive_entry* entry) {
  auto rel = relativePath(archive_entry_pathname(entry));
  if (!rel) return std::unexpected(rel.error());
  mode_t type = archive_entry_filetype(entry);
  if (rel->empty() || baseName(*rel).starts_with(kWhiteoutPrefix) || type == AE_IFCHR || type == AE_IFBLK) return {};
  if (auto ok = checkAncestors(root, *rel); !ok) return ok;
  if (const char* hardlink = archive_entry_hardlink(entry)) {
    auto target = relativePath(hardlink);
    if (!target) return std::unexpected(target.error());
    if (auto ok = checkAncestors(root, *target); !ok) return ok;
    archive_entry_copy_hardlink(entry, (root + "/" + *target).c_str());
  }
  std::string path = root + "/" + *rel;
  removeConflicting(path, type);
  archive_entry_copy_pathname(entry, path.c_str());
  if (archive_write_header(disk, entry) < ARCHIVE_WARN)
    return badEntry(*rel, std::string("cannot be written: ") + archive_error_string(disk));
  if (archive_entry_size(entry) > 0)
    if (auto ok = copyData(reader, disk, *rel); !ok) return ok;
  if (archive_write_finish_entry(disk) < ARCHIVE_WARN)
    return badEntry(*rel, std::string("cannot be written: ") + archive_error_string(disk));
  return {};
}

}  // namespace

Result<void> applyLayer(const std::string& root, const LayerOpener& open, bool hasLowerLayers) {
  if (hasLowerLayers) {
    auto reader = open();
    if (!reader) return std::unexpected(reader.error());
    if (auto ok = applyWhiteouts(root, *reader); !ok) return ok;
  }
  auto reader = open();
  if (!reader) return std::unexpected(reader.error());
  std::unique_ptr<archive, decltype(&archive_write_free)> disk(archive_write_disk_new(), archive_write_free);
  archive_write_disk_set_options(disk.get(), kExtractFlags);
  for (;;) {
    auto entry = reader->next();
    if (!entry) return std::unexpected(entry.error());
    if (!*entry) break;
    if (auto ok = writeEntry(root, *reader, disk.get(), *entry); !ok) return ok;
  }
  // Closing applies the deferred permissions and times of directories.
  if (archive_write_close(disk.get()) < ARCHIVE_WARN)
    return internalError(std::string("cannot finish layer: ") + archive_error_string(disk.get()));
  return {};
}

}  // namespace wharf::agent
