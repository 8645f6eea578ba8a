#include "agent/images/oci_layout.h"

#include <boost/json.hpp>

#include "agent/images/archive_reader.h"
#include "agent/images/digest.h"

namespace wharf::agent {
namespace {

namespace json = boost::json;

constexpr int kMaxIndexDepth = 4;
#if defined(__aarch64__)
constexpr std::string_view kArchitecture = "arm64";
#else
constexpr std::string_view kArchitecture = "amd64";
#endif

std::string_view stringAt(const json::object& object, std::string_view key) {
  const auto* s = object.contains(key) ? object.at(key).if_string() : nullptr;
  return s ? std::string_view(*s) : std::string_view();
}

const json::object* objectAt(const json::object& object, std::string_view key) {
  return object.contains(key) ? object.at(key).if_object() : nullptr;
}

const json::array* arrayAt(const json::object& object, std::string_view key) {
  return object.contains(key) ? object.at(key).if_array() : nullptr;
}

class OciReader {
 public:
  OciReader(const std::string& path, const ArchiveListing& listing) : path_(path), listing_(listing) {}

  // The member holding blob `digest`, which must be a well-formed sha256 digest.
  Result<std::string> blobMember(std::string_view digest) const {
    auto ref = parseReference("x@" + std::string(digest));
    if (!ref) return invalidParameter(path_ + ": malformed blob digest " + std::string(digest));
    return listing_.resolveFile("blobs/sha256/" + std::string(digest.substr(7)));
  }

  // A metadata blob, checked against its digest.
  Result<std::string> readBlob(std::string_view digest) const {
    auto member = blobMember(digest);
    if (!member) return std::unexpected(member.error());
    auto text = ArchiveReader::readMember(path_, *member, kMaxMetadataBytes);
    if (!text) return std::unexpected(text.error());
    if (sha256Digest(*text) != digest) return invalidParameter(path_ + ": blob " + std::string(digest) + " is corrupt");
    return text;
  }

  Result<json::object> readJsonBlob(std::string_view digest) const {
    auto text = readBlob(digest);
    if (!text) return std::unexpected(text.error());
    return parseObject(*text, digest);
  }

  Result<json::object> parseObject(std::string_view text, std::string_view what) const {
    std::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec || !doc.is_object()) return invalidParameter(path_ + ": malformed JSON in " + std::string(what));
    return std::move(doc.get_object());
  }

 private:
  const std::string& path_;
  const ArchiveListing& listing_;
};

bool annotatedAs(const json::object& descriptor, const ImageReference& wanted) {
  const auto* annotations = objectAt(descriptor, "annotations");
  if (!annotations) return false;
  for (std::string_view key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    std::string_view value = stringAt(*annotations, key);
    if (value.empty()) continue;
    if (value == wanted.tag) return true;
    auto ref = parseReference(std::string(value));
    if (ref && ref->name() == wanted.name()) return true;
  }
  return false;
}

bool forThisPlatform(const json::object& descriptor) {
  const auto* platform = objectAt(descriptor, "platform");
  return platform && stringAt(*platform, "os") == "linux" && stringAt(*platform, "architecture") == kArchitecture;
}

// Picks the descriptor in `manifests` that `prefer` accepts, else the first.
const json::object* choose(const json::array& manifests, auto prefer) {
  for (const auto& m : manifests)
    if (m.is_object() && prefer(m.get_object())) return &m.get_object();
  return manifests.empty() ? nullptr : manifests.front().if_object();
}

bool isIndex(std::string_view mediaType, const json::object& blob) {
  return mediaType.ends_with("image.index.v1+json") || mediaType.ends_with("manifest.list.v2+json") ||
         (mediaType.empty() && blob.contains("manifests"));
}

}  // namespace

bool isOciLayout(const ArchiveListing& listing) {
  return listing.contains("oci-layout") && listing.contains("index.json");
}

Result<ImagePlan> planOciLayout(const std::string& path, const ArchiveListing& listing, const ImageReference& wanted) {
  OciReader reader(path, listing);
  auto indexText = ArchiveReader::readMember(path, "index.json", kMaxMetadataBytes);
  if (!indexText) return std::unexpected(indexText.error());
  auto index = reader.parseObject(*indexText, "index.json");
  if (!index) return std::unexpected(index.error());

  json::object current = std::move(*index);
  for (int depth = 0; depth < kMaxIndexDepth; ++depth) {
    // The top-level index names images; nested indexes list one image's platforms.
    auto prefer = [&](const json::object& d) { return depth == 0 ? annotatedAs(d, wanted) : forThisPlatform(d); };
    const auto* manifests = arrayAt(current, "manifests");
    const json::object* descriptor = manifests ? choose(*manifests, prefer) : nullptr;
    if (!descriptor) return invalidParameter(path + ": image index lists no manifest");
    auto blob = reader.readJsonBlob(stringAt(*descriptor, "digest"));
    if (!blob) return std::unexpected(blob.error());
    if (isIndex(stringAt(*descriptor, "mediaType"), *blob)) {
      current = std::move(*blob);
      continue;
    }
    const auto* config = objectAt(*blob, "config");
    const auto* layers = arrayAt(*blob, "layers");
    if (!config || !layers) return invalidParameter(path + ": manifest has no config or layers");
    ImagePlan plan;
    auto configText = reader.readBlob(stringAt(*config, "digest"));
    if (!configText) return std::unexpected(configText.error());
    plan.config = std::move(*configText);
    for (const auto& layer : *layers) {
      if (!layer.is_object()) return invalidParameter(path + ": malformed layer descriptor");
      auto member = reader.blobMember(stringAt(layer.get_object(), "digest"));
      if (!member) return std::unexpected(member.error());
      plan.layers.push_back(std::move(*member));
    }
    return plan;
  }
  return invalidParameter(path + ": image indexes nested too deeply");
}

}  // namespace wharf::agent
