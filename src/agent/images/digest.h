// SHA-256 digests in the "sha256:<hex>" form image ids and OCI descriptors use.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace wharf::agent {

std::string sha256Digest(std::string_view data);
Result<std::string> sha256DigestOfFile(const std::string& path);

}  // namespace wharf::agent
