// Turns an image archive (root-filesystem tarball, `docker save` archive or OCI image layout)
// into an image directory: rootfs/ with the layers applied, and config.json.
#pragma once

#include <string>

#include "agent/images/image_store.h"
#include "agent/images/reference.h"
#include "common/result.h"

namespace wharf::agent {

struct UnpackedImage {
  std::string id;  // "sha256:<hex>" of the image config, or of the archive for a bare rootfs
  ImageConfig config;
  int64_t sizeBytes = 0;
};

// Unpacks the archive at `archivePath` into `imageDir`, an existing empty directory given as a
// canonical absolute path. `wanted` picks the image in archives that hold several. On failure
// `imageDir` holds partial output that the caller discards.
Result<UnpackedImage> unpackImage(const std::string& archivePath, const ImageReference& wanted,
                                  const std::string& imageDir);

// Where an image directory keeps its config and its root filesystem.
inline constexpr std::string_view kConfigFile = "config.json";
inline constexpr std::string_view kRootfsDir = "rootfs";

}  // namespace wharf::agent
