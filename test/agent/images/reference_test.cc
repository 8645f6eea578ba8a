#include "agent/images/reference.h"

#include <gtest/gtest.h>

namespace wharf::agent {
namespace {

std::string normalized(const std::string& reference) {
  auto ref = parseReference(reference);
  return ref ? ref->name() : "error: " + ref.error().message;
}

TEST(ReferenceTest, DockerHubNamesCollapseToTheShortForm) {
  EXPECT_EQ(normalized("busybox"), "busybox:latest");
  EXPECT_EQ(normalized("busybox:1.36"), "busybox:1.36");
  EXPECT_EQ(normalized("library/busybox"), "busybox:latest");
  EXPECT_EQ(normalized("docker.io/library/busybox:latest"), "busybox:latest");
  EXPECT_EQ(normalized("index.docker.io/library/busybox"), "busybox:latest");
  EXPECT_EQ(normalized("docker.io/foo/bar:1"), "foo/bar:1");
  EXPECT_EQ(normalized("foo/bar"), "foo/bar:latest");
}

TEST(ReferenceTest, OtherRegistriesKeepTheirHost) {
  EXPECT_EQ(normalized("public.ecr.aws/x/y:tag"), "public.ecr.aws/x/y:tag");
  EXPECT_EQ(normalized("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(normalized("123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v42"),
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v42");
}

TEST(ReferenceTest, DigestsAreKeptWithoutAnImplicitTag) {
  std::string digest = "sha256:" + std::string(64, 'a');
  auto ref = parseReference("docker.io/library/busybox@" + digest);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->repository, "busybox");
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->digest, digest);
  EXPECT_EQ(ref->name(), "busybox@" + digest);
}

TEST(ReferenceTest, QualifiedNameAddsDockerHubAndLibrary) {
  EXPECT_EQ(parseReference("busybox")->qualifiedName(), "docker.io/library/busybox:latest");
  EXPECT_EQ(parseReference("foo/bar:2")->qualifiedName(), "docker.io/foo/bar:2");
  EXPECT_EQ(parseReference("public.ecr.aws/x/y:tag")->qualifiedName(), "public.ecr.aws/x/y:tag");
}

TEST(ReferenceTest, MalformedReferencesAreRejected) {
  for (std::string bad :
       std::vector<std::string>{"", "Busybox", "busybox:", "busybox:-x", "a//b", "/busybox", "busybox@sha256:zz",
                                "busybox@md5:" + std::string(32, 'a'), "foo/-bar"}) {
    auto ref = parseReference(bad);
    EXPECT_FALSE(ref) << bad;
    if (!ref) {
      EXPECT_EQ(ref.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace wharf::agent
