// Local image store: images imported from archives, unpacked once into a read-only root
// filesystem that container bundles are built on.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace wharf::agent {

// The parts of an OCI/Docker image config that decide how a container starts.
struct ImageConfig {
  std::vector<std::string> env;  // "KEY=VALUE"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string workingDir;
  std::string user;
};

struct Image {
  std::string name;    // normalized reference, "busybox:latest"
  std::string id;      // "sha256:<hex>" of the config (or of the rootfs tarball when there is none)
  std::string rootfs;  // absolute path of the unpacked root filesystem; must never be modified
  ImageConfig config;
  int64_t sizeBytes = 0;
  std::chrono::system_clock::time_point createdAt;
};

class ImageStore {
 public:
  virtual ~ImageStore() = default;

  // Imports a root-filesystem tarball, a `docker save` archive or an OCI image-layout archive
  // (optionally gzip-compressed) as `name` (a missing tag means :latest), replacing an older image
  // of that name. Safe against concurrent imports and readers (atomic rename); paths in archives
  // never escape the image's directory.
  virtual Result<Image> importArchive(const std::string& name, const std::string& archivePath) = 0;

  // Looks up an image by reference ("busybox", "busybox:latest", "docker.io/library/busybox:latest",
  // "public.ecr.aws/x/y:tag"); NotFound error type "CannotPullContainerError" when absent.
  virtual Result<Image> resolve(const std::string& reference) const = 0;

  virtual Result<std::vector<Image>> list() const = 0;
};

// Opens the store under `<dataDir>/images`, creating it if needed.
Result<std::unique_ptr<ImageStore>> openImageStore(const std::string& dataDir);

}  // namespace wharf::agent
