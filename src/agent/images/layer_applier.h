// Applies image layers (tar streams in the OCI/Docker changeset format) onto a root filesystem,
// honouring whiteouts and never writing outside the root.
#pragma once

#include <functional>
#include <string>

#include "agent/images/archive_reader.h"
#include "common/result.h"

namespace wharf::agent {

// Opens a fresh reader over one layer; called once per pass over the layer.
using LayerOpener = std::function<Result<ArchiveReader>()>;

// Applies the layer onto `root`, an existing directory given as a canonical absolute path (no
// symlinks in it). With `hasLowerLayers`, a first pass removes what `.wh.NAME` and `.wh..wh..opq`
// entries hide; whiteout entries themselves are never written. Entries with absolute or `..`
// paths, or whose path runs through a symlink, fail the layer with kInvalidArgument; device
// nodes are skipped. On failure `root` is left partly written: callers apply into a scratch copy.
Result<void> applyLayer(const std::string& root, const LayerOpener& open, bool hasLowerLayers);

}  // namespace wharf::agent
