#include "agent/images/docker_archive.h"

#include <boost/json.hpp>

#include "agent/images/archive_reader.h"

namespace wharf::agent {
namespace {

namespace json = boost::json;

constexpr std::string_view kManifest = "manifest.json";

bool tagged(const json::object& image, const ImageReference& wanted) {
  const auto* tags = image.contains("RepoTags") ? image.at("RepoTags").if_array() : nullptr;
  if (!tags) return false;
  for (const auto& tag : *tags) {
    const auto* text = tag.if_string();
    if (!text) continue;
    auto ref = parseReference(std::string(*text));
    if (ref && ref->name() == wanted.name()) return true;
  }
  return false;
}

const json::object* chooseImage(const json::array& images, const ImageReference& wanted) {
  for (const auto& image : images)
    if (image.is_object() && tagged(image.get_object(), wanted)) return &image.get_object();
  return images.empty() ? nullptr : images.front().if_object();
}

}  // namespace

bool isDockerArchive(const ArchiveListing& listing) { return listing.contains(std::string(kManifest)); }

Result<ImagePlan> planDockerArchive(const std::string& path, const ArchiveListing& listing,
                                    const ImageReference& wanted) {
  auto text = ArchiveReader::readMember(path, std::string(kManifest), kMaxMetadataBytes);
  if (!text) return std::unexpected(text.error());
  std::error_code ec;
  json::value manifest = json::parse(*text, ec);
  const json::object* image = (!ec && manifest.is_array()) ? chooseImage(manifest.get_array(), wanted) : nullptr;
  const json::string* config = image && image->contains("Config") ? image->at("Config").if_string() : nullptr;
  const json::array* layers = image && image->contains("Layers") ? image->at("Layers").if_array() : nullptr;
  if (!config || !layers) return invalidParameter(path + ": manifest.json names no image config and layers");

  auto configMember = listing.resolveFile(std::string(*config));
  if (!configMember) return std::unexpected(configMember.error());
  ImagePlan plan;
  auto configText = ArchiveReader::readMember(path, *configMember, kMaxMetadataBytes);
  if (!configText) return std::unexpected(configText.error());
  plan.config = std::move(*configText);
  for (const auto& layer : *layers) {
    const auto* name = layer.if_string();
    if (!name) return invalidParameter(path + ": manifest.json has a malformed layer");
    auto member = listing.resolveFile(std::string(*name));
    if (!member) return std::unexpected(member.error());
    plan.layers.push_back(std::move(*member));
  }
  return plan;
}

}  // namespace wharf::agent
