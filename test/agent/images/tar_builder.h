// Builds tar archives in memory with libarchive's writer, for tests that import images.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

namespace wharf::agent::testing {

class TarBuilder {
 public:
  TarBuilder& file(const std::string& path, const std::string& content, int mode = 0644, int uid = 0, int gid = 0) {
    entries_.push_back({path, AE_IFREG, mode, uid, gid, content, ""});
    return *this;
  }
  TarBuilder& dir(const std::string& path, int mode = 0755) {
    entries_.push_back({path, AE_IFDIR, mode, 0, 0, "", ""});
    return *this;
  }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    entries_.push_back({path, AE_IFLNK, 0777, 0, 0, "", target});
    return *this;
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    entries_.push_back({path, AE_IFREG, 0644, 0, 0, "", target, true});
    return *this;
  }

  std::string bytes(bool gzip = false) const {
    std::string out;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (gzip) archive_write_add_filter_gzip(a);
    archive_write_open(a, &out, nullptr, &append, nullptr);
    for (const Entry& e : entries_) {
      archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, e.path.c_str());
      archive_entry_set_filetype(entry, e.type);
      archive_entry_set_perm(entry, e.mode);
      archive_entry_set_uid(entry, e.uid);
      archive_entry_set_gid(entry, e.gid);
      if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.link.c_str());
      if (e.hardlink) archive_entry_set_hardlink(entry, e.link.c_str());
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
      archive_write_header(a, entry);
      if (!e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
      archive_entry_free(entry);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
  }

 private:
  struct Entry {
    std::string path;
    unsigned type;
    int mode, uid, gid;
    std::string content, link;
    bool hardlink = false;
  };

  static la_ssize_t append(archive*, void* out, const void* data, size_t size) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
  }

  std::vector<Entry> entries_;
};

inline void writeFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace wharf::agent::testing
