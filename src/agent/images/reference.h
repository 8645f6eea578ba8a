// Image references as Docker normalizes them: "busybox" and "docker.io/library/busybox:latest" are
// the same image, "busybox:latest"; other registries keep their host.
#pragma once

#include <string>

#include "common/result.h"

namespace wharf::agent {

struct ImageReference {
  std::string repository;  // "busybox", "foo/bar", "public.ecr.aws/x/y"
  std::string tag;         // empty when the reference has a digest and no tag
  std::string digest;      // "sha256:<hex>" or empty

  // The short form the store keys images by: "busybox:latest", "busybox@sha256:...".
  std::string name() const;
  // The fully qualified form registries use in errors: "docker.io/library/busybox:latest".
  std::string qualifiedName() const;
};

// Parses and normalizes a reference; a missing tag (and no digest) means "latest". Fails with
// kInvalidArgument for malformed references (upper case, empty parts, bad digest).
Result<ImageReference> parseReference(const std::string& reference);

}  // namespace wharf::agent
