#include "agent/images/image_unpacker.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "agent/images/archive_listing.h"
#include "agent/images/digest.h"
#include "agent/images/docker_archive.h"
#include "agent/images/image_config.h"
#include "agent/images/layer_applier.h"
#include "agent/images/oci_layout.h"

namespace wharf::agent {
namespace {

namespace fs = std::filesystem;

// Bytes of regular files, each hardlinked file counted once.
int64_t diskUsage(const std::string& root) {
  std::set<std::pair<dev_t, ino_t>> seen;
  int64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode) && seen.emplace(st.st_dev, st.st_ino).second)
      total += st.st_size;
  }
  return total;
}

Result<void> applyLayers(const std::string& archivePath, const ImagePlan& plan, const std::string& rootfs) {
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    auto open = [&] { return ArchiveReader::openMember(archivePath, plan.layers[i]); };
    if (auto ok = applyLayer(rootfs, open, i > 0); !ok) return ok;
  }
  return {};
}

}  // namespace

Result<UnpackedImage> unpackImage(const std::string& archivePath, const ImageReference& wanted,
                                  const std::string& imageDir) {
  auto listing = ArchiveListing::scan(archivePath);
  if (!listing) return std::unexpected(listing.error());
  std::string rootfs = imageDir + "/" + std::string(kRootfsDir);
  if (::mkdir(rootfs.c_str(), 0755) != 0) return internalError("cannot create " + rootfs);

  UnpackedImage image;
  if (isOciLayout(*listing) || isDockerArchive(*listing)) {
    auto plan = isOciLayout(*listing) ? planOciLayout(archivePath, *listing, wanted)
                                      : planDockerArchive(archivePath, *listing, wanted);
    if (!plan) return std::unexpected(plan.error());
    auto config = parseImageConfig(plan->config);
    if (!config) return std::unexpected(config.error());
    if (auto ok = applyLayers(archivePath, *plan, rootfs); !ok) return std::unexpected(ok.error());
    image.id = sha256Digest(plan->config);
    image.config = std::move(*config);
  } else {
    auto id = sha256DigestOfFile(archivePath);
    if (!id) return std::unexpected(id.error());
    auto ok = applyLayer(
        rootfs, [&] { return ArchiveReader::open(archivePath); }, false);
    if (!ok) return std::unexpected(ok.error());
    image.id = std::move(*id);
  }
  std::string configPath = imageDir + "/" + std::string(kConfigFile);
  std::ofstream out(configPath, std::ios::binary);
  out << serializeImageConfig(image.config);
  out.close();
  if (!out) return internalError("cannot write " + configPath);
  image.sizeBytes = diskUsage(rootfs);
  return image;
}

}  // namespace wharf::agent
