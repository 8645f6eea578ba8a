// The image store on local disk: <images>/index.json maps names to ids, <images>/<hex>/ holds each
// image (rootfs/ and config.json) and never changes once renamed into place.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "agent/images/image_index.h"
#include "agent/images/image_store.h"
#include "agent/images/reference.h"

namespace wharf::agent {

// Thread-safe; several processes may share one directory (imports serialize on <images>/lock,
// readers pick up other processes' imports when index.json changes).
class ImageStoreImpl final : public ImageStore {
 public:
  // `dir` is the canonical absolute path of an existing <dataDir>/images directory.
  explicit ImageStoreImpl(std::string dir);

  Result<Image> importArchive(const std::string& name, const std::string& archivePath) override;
  Result<Image> resolve(const std::string& reference) const override;
  Result<std::vector<Image>> list() const override;

 private:
  // Re-reads index.json when another writer replaced it. Requires mutex_.
  Result<void> refresh() const;
  // Requires mutex_.
  Result<Image> load(const std::string& name, const IndexEntry& entry) const;
  Result<void> publish(const std::string& name, const std::string& stagedDir, const IndexEntry& entry);
  std::string imageDir(const std::string& id) const;

  const std::string dir_;
  mutable std::mutex mutex_;
  mutable IndexVersion version_;
  mutable IndexEntries entries_;
  mutable std::map<std::string, ImageConfig> configs_;  // by image id
};

}  // namespace wharf::agent
