// OCI image-layout archives: index.json points at manifests (possibly through image indexes),
// each naming a config blob and layer blobs under blobs/<algorithm>/<hex>.
#pragma once

#include <string>

#include "agent/images/archive_listing.h"
#include "agent/images/image_plan.h"
#include "agent/images/reference.h"
#include "common/result.h"

namespace wharf::agent {

bool isOciLayout(const ArchiveListing& listing);

// Reads index.json and the manifest it leads to: the one annotated with `wanted`'s name or tag
// if any (else the first), and in an image index the one for this machine's platform. Metadata
// blobs are checked against their digests. kInvalidArgument when the layout is unusable.
Result<ImagePlan> planOciLayout(const std::string& path, const ArchiveListing& listing, const ImageReference& wanted);

}  // namespace wharf::agent
