// Reading and writing image configs: the OCI/Docker image config JSON, of which the store keeps
// the subset that decides how a container starts.
#pragma once

#include <string>
#include <string_view>

#include "agent/images/image_store.h"
#include "common/result.h"

namespace wharf::agent {

// Parses an OCI or Docker image config ({"config": {"Env", "Entrypoint", "Cmd", "WorkingDir",
// "User"}}); absent or null fields are empty. kInvalidArgument on malformed JSON.
Result<ImageConfig> parseImageConfig(std::string_view json);

// Serializes `config` as a minimal OCI image config that parseImageConfig reads back.
std::string serializeImageConfig(const ImageConfig& config);

}  // namespace wharf::agent
