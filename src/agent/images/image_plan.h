// What an image archive holds once its manifest is read: the image config and the layer members.
#pragma once

#include <string>
#include <vector>

namespace wharf::agent {

struct ImagePlan {
  std::string config;               // the image config JSON as stored (its sha256 is the image id)
  std::vector<std::string> layers;  // archive members holding the layer tarballs, lowest first
};

// Image config and manifest files are small; anything larger is not one.
inline constexpr size_t kMaxMetadataBytes = 16 * 1024 * 1024;

}  // namespace wharf::agent
