// The table of contents of an image archive: which members exist and where links point, so that
// manifests can name members (through the symlinks `docker save` uses to share layers).
#pragma once

#include <map>
#include <string>

#include "common/result.h"

namespace wharf::agent {

class ArchiveListing {
 public:
  // Reads every header of the archive at `path` (no data is kept).
  static Result<ArchiveListing> scan(const std::string& path);

  bool contains(const std::string& member) const { return members_.contains(member); }
  // The regular-file member that `member` is or links to. Links are resolved inside the archive's
  // own namespace, so a member can never name a file outside the archive.
  Result<std::string> resolveFile(const std::string& member) const;

 private:
  struct Member {
    bool regular = false;
    bool symlink = false;
    std::string linkTarget;  // symlink target, or the earlier member a hardlink repeats
  };
  std::map<std::string, Member> members_;
  std::string path_;
};

// Normalizes a relative member path lexically ("a/./b/../c" -> "a/c"); fails for absolute paths
// and paths that climb above the root.
Result<std::string> cleanMemberPath(const std::string& path);

}  // namespace wharf::agent
