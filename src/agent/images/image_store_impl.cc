#include "agent/images/image_store_impl.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/images/image_config.h"
#include "agent/images/image_unpacker.h"

namespace wharf::agent {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

constexpr std::string_view kIndexFile = "index.json";
constexpr std::string_view kLockFile = "lock";

std::unexpected<Error> notFound(const ImageReference& ref) {
  // The stopped reason ECS reports when the registry has no such image.
  std::string qualified = ref.qualifiedName();
  return fail(ErrorCode::kNotFound, "CannotPullContainerError",
              "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref " +
                  qualified + ": " + qualified + ": not found");
}

// Removes a staging directory unless it has been moved into place.
class StagingDir {
 public:
  explicit StagingDir(std::string path) : path_(std::move(path)) {}
  ~StagingDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Flushes the filesystem holding `path`, so an image is on disk before the index names it.
Result<void> syncFilesystem(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return internalError("cannot open " + path);
  int rc = ::syncfs(fd);
  ::close(fd);
  if (rc != 0) return internalError("cannot sync " + path);
  return {};
}

}  // namespace

ImageStoreImpl::ImageStoreImpl(std::string dir) : dir_(std::move(dir)) {}

std::string ImageStoreImpl::imageDir(const std::string& id) const { return dir_ + "/" + id.substr(id.find(':') + 1); }

Result<Image> ImageStoreImpl::importArchive(const std::string& name, const std::string& archivePath) {
  auto ref = parseReference(name);
  if (!ref) return std::unexpected(ref.error());
  if (!ref->digest.empty()) return invalidParameter("cannot import an image as a digest: " + name);

  std::string pattern = dir_ + "/.tmp-XXXXXX";
  if (!::mkdtemp(pattern.data())) return internalError("cannot create a staging directory in " + dir_);
  StagingDir staging(pattern);
  std::string staged = staging.path() + "/image";
  if (::mkdir(staged.c_str(), 0755) != 0) return internalError("cannot create " + staged);
  auto unpacked = unpackImage(archivePath, *ref, staged);
  if (!unpacked) return std::unexpected(unpacked.error());
  if (auto ok = syncFilesystem(staged); !ok) return std::unexpected(ok.error());

  auto createdAt = std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
  IndexEntry entry{unpacked->id, unpacked->sizeBytes, createdAt.time_since_epoch().count()};
  if (auto ok = publish(ref->name(), staged, entry); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mutex_);
  configs_.emplace(entry.id, unpacked->config);
  return load(ref->name(), entry);
}

Result<void> ImageStoreImpl::publish(const std::string& name, const std::string& stagedDir, const IndexEntry& entry) {
  auto lock = IndexLock::acquire(dir_ + "/" + std::string(kLockFile));
  if (!lock) return std::unexpected(lock.error());
  // Equal ids mean equal content, so an image already in place is kept as it is.
  std::string target = imageDir(entry.id);
  if (!fs::exists(target) && ::rename(stagedDir.c_str(), target.c_str()) != 0)
    return internalError("cannot move image into " + target);
  std::string indexPath = dir_ + "/" + std::string(kIndexFile);
  auto entries = readIndex(indexPath);
  if (!entries) return std::unexpected(entries.error());
  (*entries)[name] = entry;
  return writeIndex(indexPath, *entries);
}

Result<void> ImageStoreImpl::refresh() const {
  std::string indexPath = dir_ + "/" + std::string(kIndexFile);
  IndexVersion current = indexVersion(indexPath);
  if (current == version_ && current.inode != 0) return {};
  auto entries = readIndex(indexPath);
  if (!entries) return std::unexpected(entries.error());
  entries_ = std::move(*entries);
  version_ = current;
  return {};
}

Result<Image> ImageStoreImpl::load(const std::string& name, const IndexEntry& entry) const {
  auto cached = configs_.find(entry.id);
  if (cached == configs_.end()) {
    std::string path = imageDir(entry.id) + "/" + std::string(kConfigFile);
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return internalError("cannot read " + path);
    auto config = parseImageConfig(text.str());
    if (!config) return internalError("malformed " + path);
    cached = configs_.emplace(entry.id, std::move(*config)).first;
  }
  Image image;
  image.name = name;
  image.id = entry.id;
  image.rootfs = imageDir(entry.id) + "/" + std::string(kRootfsDir);
  image.config = cached->second;
  image.sizeBytes = entry.sizeBytes;
  image.createdAt = Clock::time_point(std::chrono::milliseconds(entry.createdAtMs));
  return image;
}

Result<Image> ImageStoreImpl::resolve(const std::string& reference) const {
  auto ref = parseReference(reference);
  if (!ref)
    return fail(ErrorCode::kInvalidArgument, "CannotPullContainerError",
                "CannotPullContainerError: invalid reference format: " + reference);
  std::lock_guard lock(mutex_);
  if (auto ok = refresh(); !ok) return std::unexpected(ok.error());
  if (!ref->digest.empty()) {
    for (const auto& [name, entry] : entries_)
      if (entry.id == ref->digest) return load(ref->name(), entry);
    return notFound(*ref);
  }
  auto it = entries_.find(ref->name());
  if (it == entries_.end()) return notFound(*ref);
  return load(it->first, it->second);
}

Result<std::vector<Image>> ImageStoreImpl::list() const {
  std::lock_guard lock(mutex_);
  if (auto ok = refresh(); !ok) return std::unexpected(ok.error());
  std::vector<Image> images;
  for (const auto& [name, entry] : entries_) {
    auto image = load(name, entry);
    if (!image) return std::unexpected(image.error());
    images.push_back(std::move(*image));
  }
  return images;
}

Result<std::unique_ptr<ImageStore>> openImageStore(const std::string& dataDir) {
  std::error_code ec;
  fs::path dir = fs::path(dataDir) / "images";
  fs::create_directories(dir, ec);
  // Canonical, so that no symlink lies on the paths layers are written through.
  fs::path canonical = ec ? fs::path() : fs::canonical(dir, ec);
  if (ec) return internalError("cannot open image store " + dir.string() + ": " + ec.message());
  return std::make_unique<ImageStoreImpl>(canonical.string());
}

}  // namespace wharf::agent
