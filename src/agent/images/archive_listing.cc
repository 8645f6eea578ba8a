#include "agent/images/archive_listing.h"

#include <archive_entry.h>

#include <vector>

#include "agent/images/archive_reader.h"

namespace wharf::agent {
namespace {

constexpr int kMaxLinkHops = 16;

Error badMember(const std::string& archive, const std::string& member, const std::string& why) {
  return Error{ErrorCode::kInvalidArgument, "InvalidParameterException",
               "archive " + archive + ": member " + member + " " + why};
}

}  // namespace

Result<std::string> cleanMemberPath(const std::string& path) {
  if (path.starts_with('/')) return invalidParameter("absolute path " + path);
  std::vector<std::string> parts;
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) return invalidParameter("path " + path + " escapes the root");
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = end + 1;
  }
  std::string clean;
  for (const auto& part : parts) clean += (clean.empty() ? "" : "/") + part;
  return clean;
}

Result<ArchiveListing> ArchiveListing::scan(const std::string& path) {
  auto reader = ArchiveReader::open(path);
  if (!reader) return std::unexpected(reader.error());
  ArchiveListing listing;
  listing.path_ = path;
  for (;;) {
    auto entry = reader->next();
    if (!entry) return std::unexpected(entry.error());
    if (!*entry) return listing;
    Member member;
    member.regular = archive_entry_filetype(*entry) == AE_IFREG;
    member.symlink = archive_entry_filetype(*entry) == AE_IFLNK;
    const char* hardlink = archive_entry_hardlink(*entry);
    const char* symlink = archive_entry_symlink(*entry);
    if (hardlink) member.linkTarget = hardlink;
    if (member.symlink && symlink) member.linkTarget = symlink;
    listing.members_[entryPath(*entry)] = std::move(member);
  }
}

Result<std::string> ArchiveListing::resolveFile(const std::string& name) const {
  auto current = cleanMemberPath(name);
  if (!current) return std::unexpected(badMember(path_, name, current.error().message));
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    auto it = members_.find(*current);
    if (it == members_.end()) return std::unexpected(badMember(path_, name, "is missing"));
    const Member& member = it->second;
    if (member.linkTarget.empty()) {
      if (!member.regular) return std::unexpected(badMember(path_, name, "is not a regular file"));
      return *current;
    }
    std::string target = member.linkTarget;
    if (member.symlink) {
      if (target.starts_with('/')) return std::unexpected(badMember(path_, name, "links outside the archive"));
      auto slash = current->rfind('/');
      if (slash != std::string::npos) target = current->substr(0, slash + 1) + target;
    }
    current = cleanMemberPath(target);
    if (!current) return std::unexpected(badMember(path_, name, "links outside the archive"));
  }
  return std::unexpected(badMember(path_, name, "has too many levels of links"));
}

}  // namespace wharf::agent
