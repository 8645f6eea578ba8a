#include "agent/images/image_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <thread>

#include "agent/images/digest.h"
#include "agent/images/tar_builder.h"

namespace wharf::agent {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::readFile;
using testing::TarBuilder;
using testing::writeFile;

std::string hexOf(const std::string& digest) { return digest.substr(7); }

// Layer 1 and layer 2 of a two-layer image: layer 2 deletes, replaces and makes opaque.
TarBuilder lowerLayer() {
  return TarBuilder()
      .dir("bin")
      .file("bin/tool", "v1", 0755)
      .file("etc/removed", "gone")
      .dir("etc/conf.d")
      .file("etc/conf.d/old", "old")
      .dir("opaque")
      .file("opaque/lower", "hidden")
      .dir("opaque/sub")
      .file("opaque/sub/deep", "hidden")
      .file("kept", "kept", 0600, 1000, 1000);
}

TarBuilder upperLayer() {
  return TarBuilder()
      .file("bin/tool", "v2", 0755)
      .file("etc/.wh.removed", "")
      .file("etc/conf.d/new", "new")
      .file("opaque/upper", "visible")
      .file("opaque/.wh..wh..opq", "")
      .symlink("bin/sh", "tool");
}

const std::string kConfigJson =
    R"({"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1"],"Entrypoint":["/bin/tool"],)"
    R"("Cmd":["--serve"],"WorkingDir":"/srv","User":"1000:1000"},"rootfs":{"type":"layers","diff_ids":[]}})";

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/wharf-images-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    auto store = openImageStore(root_ + "/data");
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = root_ + "/" + name;
    writeFile(path, bytes);
    return path;
  }

  std::string dockerArchive(bool gzipLayers) {
    std::string l1 = lowerLayer().bytes(gzipLayers), l2 = upperLayer().bytes();
    std::string configHex = hexOf(sha256Digest(kConfigJson));
    json::array manifest{json::object{{"Config", configHex + ".json"},
                                      {"RepoTags", json::array{"other:1", "myapp:1.0"}},
                                      {"Layers", json::array{"aaa/layer.tar", "bbb/layer.tar"}}}};
    return write("docker.tar", TarBuilder()
                                   .file(configHex + ".json", kConfigJson)
                                   .file("aaa/layer.tar", l1)
                                   .file("ccc/layer.tar", l2)
                                   .symlink("bbb/layer.tar", "../ccc/layer.tar")  // how docker shares layers
                                   .file("manifest.json", json::serialize(manifest))
                                   .bytes());
  }

  std::string ociArchive() {
    std::string l1 = lowerLayer().bytes(true), l2 = upperLayer().bytes();
    auto descriptor = [](const std::string& mediaType, const std::string& blob) {
      return json::object{{"mediaType", mediaType}, {"digest", sha256Digest(blob)}, {"size", blob.size()}};
    };
    std::string manifest = json::serialize(
        json::object{{"schemaVersion", 2},
                     {"config", descriptor("application/vnd.oci.image.config.v1+json", kConfigJson)},
                     {"layers", json::array{descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l1),
                                            descriptor("application/vnd.oci.image.layer.v1.tar", l2)}}});
    json::object manifestDescriptor = descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
    manifestDescriptor["annotations"] = json::object{{"org.opencontainers.image.ref.name", "1.0"}};
    std::string index =
        json::serialize(json::object{{"schemaVersion", 2}, {"manifests", json::array{manifestDescriptor}}});
    TarBuilder tar;
    tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})").file("index.json", index);
    for (const std::string& blob : {kConfigJson, manifest, l1, l2})
      tar.file("blobs/sha256/" + hexOf(sha256Digest(blob)), blob);
    return write("oci.tar", tar.bytes());
  }

  void expectLayeredImage(const Image& image) {
    std::string r = image.rootfs;
    EXPECT_EQ(readFile(r + "/bin/tool"), "v2");
    EXPECT_EQ(fs::read_symlink(r + "/bin/sh"), "tool");
    EXPECT_FALSE(fs::exists(r + "/etc/removed"));
    EXPECT_FALSE(fs::exists(r + "/etc/.wh.removed"));
    EXPECT_EQ(readFile(r + "/etc/conf.d/old"), "old");
    EXPECT_EQ(readFile(r + "/etc/conf.d/new"), "new");
    EXPECT_EQ(readFile(r + "/opaque/upper"), "visible");
    EXPECT_FALSE(fs::exists(r + "/opaque/lower"));
    EXPECT_FALSE(fs::exists(r + "/opaque/sub"));
    EXPECT_FALSE(fs::exists(r + "/opaque/.wh..wh..opq"));
    struct stat st;
    ASSERT_EQ(::stat((r + "/kept").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    if (::geteuid() == 0) {
      EXPECT_EQ(st.st_uid, 1000u);
    }
    EXPECT_EQ(image.id, sha256Digest(kConfigJson));
    EXPECT_EQ(image.config.env, (std::vector<std::string>{"PATH=/bin", "A=1"}));
    EXPECT_EQ(image.config.entrypoint, std::vector<std::string>{"/bin/tool"});
    EXPECT_EQ(image.config.cmd, std::vector<std::string>{"--serve"});
    EXPECT_EQ(image.config.workingDir, "/srv");
    EXPECT_EQ(image.config.user, "1000:1000");
  }

  // Files in the test's directory outside the store's data, which no import may create.
  std::vector<std::string> strayFiles() {
    std::vector<std::string> stray;
    for (const auto& entry : fs::recursive_directory_iterator(root_))
      if (entry.path().filename() == "evil") stray.push_back(entry.path());
    return stray;
  }

  std::string root_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(ImageStoreTest, ImportsAGzippedRootfsTarball) {
  std::string archive = write("rootfs.tar.gz", TarBuilder()
                                                   .dir("bin")
                                                   .file("bin/busybox", "binary", 0755)
                                                   .symlink("bin/sh", "busybox")
                                                   .hardlink("bin/ls", "bin/busybox")
                                                   .dir("tmp", 01777)
                                                   .bytes(true));
  auto imported = store_->importArchive("busybox", archive);
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->name, "busybox:latest");
  EXPECT_EQ(imported->id, *sha256DigestOfFile(archive));
  EXPECT_EQ(imported->sizeBytes, 6);

  auto image = store_->resolve("docker.io/library/busybox:latest");
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->id, imported->id);
  EXPECT_EQ(image->rootfs, imported->rootfs);
  EXPECT_TRUE(image->config.cmd.empty());
  EXPECT_EQ(readFile(image->rootfs + "/bin/busybox"), "binary");
  EXPECT_EQ(fs::read_symlink(image->rootfs + "/bin/sh"), "busybox");
  EXPECT_TRUE(fs::equivalent(image->rootfs + "/bin/ls", image->rootfs + "/bin/busybox"));
  EXPECT_EQ(fs::status(image->rootfs + "/tmp").permissions(), fs::perms::all | fs::perms::sticky_bit);
  EXPECT_TRUE(image->rootfs.starts_with(fs::canonical(root_).string() + "/data/images/"));
}

TEST_F(ImageStoreTest, ImportsADockerSaveArchiveWithWhiteouts) {
  for (bool gzipLayers : {false, true}) {
    auto imported = store_->importArchive("myapp:1.0", dockerArchive(gzipLayers));
    ASSERT_TRUE(imported) << imported.error().message;
    auto image = store_->resolve("myapp:1.0");
    ASSERT_TRUE(image) << image.error().message;
    expectLayeredImage(*image);
  }
}

TEST_F(ImageStoreTest, ImportsAnOciLayoutArchive) {
  auto imported = store_->importArchive("public.ecr.aws/acme/myapp:1.0", ociArchive());
  ASSERT_TRUE(imported) << imported.error().message;
  auto image = store_->resolve("public.ecr.aws/acme/myapp:1.0");
  ASSERT_TRUE(image) << image.error().message;
  expectLayeredImage(*image);
  EXPECT_FALSE(store_->resolve("acme/myapp:1.0"));
}

TEST_F(ImageStoreTest, ResolvesDigestsByImageId) {
  auto imported = store_->importArchive("myapp:1.0", dockerArchive(false));
  ASSERT_TRUE(imported) << imported.error().message;
  auto image = store_->resolve("myapp@" + imported->id);
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->rootfs, imported->rootfs);
  EXPECT_FALSE(store_->resolve("myapp@sha256:" + std::string(64, '0')));
}

TEST_F(ImageStoreTest, MissingImageIsCannotPullContainerError) {
  auto image = store_->resolve("nosuch");
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(image.error().type, "CannotPullContainerError");
  EXPECT_EQ(image.error().message,
            "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref "
            "docker.io/library/nosuch:latest: docker.io/library/nosuch:latest: not found");
  auto malformed = store_->resolve("No Such");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().type, "CannotPullContainerError");
}

TEST_F(ImageStoreTest, PathsThatEscapeTheRootAreRefused) {
  std::string outside = root_ + "/outside";
  fs::create_directory(outside);
  std::string hostEvil = "/wharf-images-test-evil-" + std::to_string(::getpid());
  std::vector<TarBuilder> attacks = {
      TarBuilder().file("../evil", "x"),
      TarBuilder().file("a/../../evil", "x"),
      TarBuilder().file("../../../../evil", "x"),
      TarBuilder().file(hostEvil, "x"),
      TarBuilder().symlink("link", "/").file("link" + hostEvil, "x"),
      TarBuilder().symlink("link", outside).file("link/evil", "x"),
      TarBuilder().symlink("link", "../../../../outside").file("link/evil", "x"),
      TarBuilder().file(outside + "/evil", "x"),
      TarBuilder().hardlink("evil", "../../../../outside/target"),
  };
  writeFile(outside + "/target", "host file");
  for (size_t i = 0; i < attacks.size(); ++i) {
    auto imported = store_->importArchive("attack:" + std::to_string(i), write("attack.tar", attacks[i].bytes()));
    EXPECT_FALSE(imported) << "attack " << i;
    if (!imported) {
      EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument) << imported.error().message;
    }
    EXPECT_EQ(strayFiles(), std::vector<std::string>{}) << "attack " << i;
    EXPECT_FALSE(fs::exists(hostEvil)) << "attack " << i;
  }
  EXPECT_EQ(readFile(outside + "/target"), "host file");
}

TEST_F(ImageStoreTest, WhiteoutsCannotDeleteOutsideTheRoot) {
  std::string outside = root_ + "/outside";
  fs::create_directory(outside);
  writeFile(outside + "/victim", "still here");
  std::string l1 = TarBuilder().symlink("link", outside).bytes();
  std::string l2 = TarBuilder().file("link/.wh.victim", "").bytes();
  std::string l3 = TarBuilder().file("../.wh.outside", "").bytes();
  json::array manifest{json::object{{"Config", "c.json"}, {"Layers", json::array{"l1.tar", "l2.tar"}}}};
  for (const std::string* upper : {&l2, &l3}) {
    std::string archive = write("docker.tar", TarBuilder()
                                                  .file("c.json", kConfigJson)
                                                  .file("l1.tar", l1)
                                                  .file("l2.tar", *upper)
                                                  .file("manifest.json", json::serialize(manifest))
                                                  .bytes());
    EXPECT_FALSE(store_->importArchive("attack", archive));
    EXPECT_EQ(readFile(outside + "/victim"), "still here");
  }
}

TEST_F(ImageStoreTest, FailedImportKeepsTheOldImageAndLeavesNothingBehind) {
  auto old = store_->importArchive("myapp:1.0", dockerArchive(false));
  ASSERT_TRUE(old) << old.error().message;
  auto entriesBefore = std::distance(fs::directory_iterator(root_ + "/data/images"), {});

  json::array manifest{json::object{{"Config", "c.json"}, {"Layers", json::array{"good.tar", "missing.tar"}}}};
  std::string broken = write("broken.tar", TarBuilder()
                                               .file("c.json", R"({"config":{"Cmd":["new"]}})")
                                               .file("good.tar", TarBuilder().file("new", "new").bytes())
                                               .file("manifest.json", json::serialize(manifest))
                                               .bytes());
  EXPECT_FALSE(store_->importArchive("myapp:1.0", broken));
  std::string truncated = dockerArchive(true);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  EXPECT_FALSE(store_->importArchive("myapp:1.0", truncated));
  EXPECT_FALSE(store_->importArchive("myapp:1.0", root_ + "/no-such-file.tar"));

  auto image = store_->resolve("myapp:1.0");
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->id, old->id);
  expectLayeredImage(*image);
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ + "/data/images"), {}), entriesBefore);
}

TEST_F(ImageStoreTest, ListsImagesByName) {
  ASSERT_TRUE(store_->importArchive("zeta", write("a.tar", TarBuilder().file("a", "a").bytes())));
  ASSERT_TRUE(store_->importArchive("alpha:2", write("b.tar", TarBuilder().file("b", "b").bytes())));
  ASSERT_TRUE(store_->importArchive("alpha:3", write("b.tar", TarBuilder().file("b", "b").bytes())));
  auto images = store_->list();
  ASSERT_TRUE(images) << images.error().message;
  ASSERT_EQ(images->size(), 3u);
  EXPECT_EQ((*images)[0].name, "alpha:2");
  EXPECT_EQ((*images)[1].name, "alpha:3");
  EXPECT_EQ((*images)[2].name, "zeta:latest");
  EXPECT_EQ((*images)[0].id, (*images)[1].id);
  EXPECT_EQ((*images)[0].rootfs, (*images)[1].rootfs);
}

TEST_F(ImageStoreTest, ReimportReplacesTheImageOfThatName) {
  ASSERT_TRUE(store_->importArchive("app", write("a.tar", TarBuilder().file("v", "1").bytes())));
  ASSERT_TRUE(store_->importArchive("app", write("b.tar", TarBuilder().file("v", "2").bytes())));
  auto image = store_->resolve("app");
  ASSERT_TRUE(image);
  EXPECT_EQ(readFile(image->rootfs + "/v"), "2");
}

TEST_F(ImageStoreTest, AnotherStoreOnTheSameDirectorySeesImports) {
  auto other = openImageStore(root_ + "/data");
  ASSERT_TRUE(other);
  ASSERT_TRUE(store_->importArchive("first", write("a.tar", TarBuilder().file("a", "a").bytes())));
  ASSERT_TRUE((*other)->resolve("first"));
  EXPECT_FALSE((*other)->resolve("second"));
  ASSERT_TRUE(store_->importArchive("second", write("b.tar", TarBuilder().file("b", "b").bytes())));
  auto image = (*other)->resolve("second");
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(readFile(image->rootfs + "/b"), "b");
  EXPECT_EQ((*other)->list()->size(), 2u);
}

TEST_F(ImageStoreTest, ConcurrentImportsAllReachTheIndex) {
  constexpr int kImports = 4;
  std::string archive = write("a.tar", TarBuilder().file("a", "a").bytes());
  std::vector<std::thread> threads;
  std::vector<char> ok(kImports);  // not vector<bool>: threads write neighbouring elements
  for (int i = 0; i < kImports; ++i)
    threads.emplace_back([&, i] { ok[i] = store_->importArchive("app:" + std::to_string(i), archive).has_value(); });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok, std::vector<char>(kImports, 1));
  auto other = openImageStore(root_ + "/data");
  ASSERT_TRUE(other);
  EXPECT_EQ((*other)->list()->size(), static_cast<size_t>(kImports));
}

TEST_F(ImageStoreTest, ImportingAsADigestIsRefused) {
  auto imported = store_->importArchive("app@sha256:" + std::string(64, 'a'), write("a.tar", TarBuilder().bytes()));
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace wharf::agent
