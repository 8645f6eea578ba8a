#include "agent/images/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <utility>

namespace wharf::agent {
namespace {

constexpr size_t kBlockSize = 64 * 1024;

archive* newTarReader() {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  return a;
}

}  // namespace

std::string entryPath(archive_entry* entry) {
  const char* raw = archive_entry_pathname(entry);
  std::string_view path = raw ? raw : "";
  while (path.starts_with("./")) path.remove_prefix(2);
  while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  return path == "." ? "" : std::string(path);
}

la_ssize_t ArchiveReader::readOuterData(archive* /*self*/, void* outer, const void** buffer) {
  auto* reader = static_cast<ArchiveReader*>(outer);
  if (!reader->buffer_) reader->buffer_ = std::make_unique<char[]>(kBlockSize);
  *buffer = reader->buffer_.get();
  return archive_read_data(reader->archive_, reader->buffer_.get(), kBlockSize);
}

ArchiveReader::ArchiveReader(archive* a, std::unique_ptr<ArchiveReader> outer)
    : archive_(a), outer_(std::move(outer)) {}

ArchiveReader::ArchiveReader(ArchiveReader&& other) noexcept
    : archive_(std::exchange(other.archive_, nullptr)),
      outer_(std::move(other.outer_)),
      buffer_(std::move(other.buffer_)),
      path_(std::move(other.path_)) {}

ArchiveReader::~ArchiveReader() {
  if (archive_) archive_read_free(archive_);
}

Error ArchiveReader::failure(const std::string& what) const {
  const char* detail = archive_ ? archive_error_string(archive_) : nullptr;
  return Error{ErrorCode::kInvalidArgument, "InvalidParameterException",
               what + " " + path_ + (detail ? std::string(": ") + detail : "")};
}

Result<ArchiveReader> ArchiveReader::open(const std::string& path) {
  ArchiveReader reader(newTarReader(), nullptr);
  reader.path_ = path;
  if (archive_read_open_filename(reader.archive_, path.c_str(), kBlockSize) != ARCHIVE_OK)
    return std::unexpected(reader.failure("cannot open archive"));
  return reader;
}

Result<void> ArchiveReader::seek(const std::string& member) {
  for (;;) {
    auto entry = next();
    if (!entry) return std::unexpected(entry.error());
    if (!*entry) return std::unexpected(failure("no member " + member + " in"));
    if (entryPath(*entry) == member && archive_entry_filetype(*entry) == AE_IFREG) return {};
  }
}

Result<ArchiveReader> ArchiveReader::openMember(const std::string& path, const std::string& member) {
  auto outer = open(path);
  if (!outer) return std::unexpected(outer.error());
  if (auto found = outer->seek(member); !found) return std::unexpected(found.error());
  auto outerPtr = std::make_unique<ArchiveReader>(std::move(*outer));
  ArchiveReader* source = outerPtr.get();
  ArchiveReader reader(newTarReader(), std::move(outerPtr));
  reader.path_ = path + ":" + member;
  if (archive_read_open(reader.archive_, source, nullptr, readOuterData, nullptr) != ARCHIVE_OK)
    return std::unexpected(reader.failure("cannot open archive"));
  return reader;
}

Result<std::string> ArchiveReader::readMember(const std::string& path, const std::string& member, size_t limit) {
  auto reader = open(path);
  if (!reader) return std::unexpected(reader.error());
  if (auto found = reader->seek(member); !found) return std::unexpected(found.error());
  return reader->readData(limit);
}

Result<archive_entry*> ArchiveReader::next() {
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(archive_, &entry);
  if (rc == ARCHIVE_EOF) return nullptr;
  if (rc < ARCHIVE_WARN) return std::unexpected(failure("cannot read"));
  return entry;
}

Result<std::string> ArchiveReader::readData(size_t limit) {
  std::string data;
  char block[kBlockSize];
  for (;;) {
    la_ssize_t n = archive_read_data(archive_, block, sizeof block);
    if (n < 0) return std::unexpected(failure("cannot read"));
    if (n == 0) return data;
    if (data.size() + static_cast<size_t>(n) > limit) return std::unexpected(failure("member too large in"));
    data.append(block, static_cast<size_t>(n));
  }
}

}  // namespace wharf::agent
