// `docker save` archives: manifest.json lists, per image, its config file and its layer tarballs.
#pragma once

#include <string>

#include "agent/images/archive_listing.h"
#include "agent/images/image_plan.h"
#include "agent/images/reference.h"
#include "common/result.h"

namespace wharf::agent {

bool isDockerArchive(const ArchiveListing& listing);

// Reads the manifest of the archive at `path`, choosing the image tagged `wanted` when the
// archive holds several (else the first). kInvalidArgument when the manifest is unusable.
Result<ImagePlan> planDockerArchive(const std::string& path, const ArchiveListing& listing,
                                    const ImageReference& wanted);

}  // namespace wharf::agent
