#include "api/credentials.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/ids.h"

namespace wharf::api {
namespace {

Credential generateCredential(const std::string& accountId) {
  if (const char* id = std::getenv("WHARF_ROOT_ACCESS_KEY_ID"); id && *id) {
    if (const char* secret = std::getenv("WHARF_ROOT_SECRET_ACCESS_KEY"); secret && *secret) {
      return {id, secret, accountId};
    }
  }
  auto ids = makeRandomIdGenerator();
  std::string keyId = "AKIA" + ids->hex(8);
  std::transform(keyId.begin(), keyId.end(), keyId.begin(), [](unsigned char c) { return std::toupper(c); });
  return {keyId, ids->hex(20), accountId};
}

Result<Credential> readCredential(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return internalError("cannot read " + path.string());
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  auto field = [&](const char* name) -> const boost::json::string* {
    const boost::json::value* f = o ? o->if_contains(name) : nullptr;
    return f ? f->if_string() : nullptr;
  };
  const auto* id = field("accessKeyId");
  const auto* secret = field("secretAccessKey");
  const auto* account = field("accountId");
  if (!id || !secret || !account) return internalError(path.string() + " is not a valid credentials file");
  return Credential{std::string(*id), std::string(*secret), std::string(*account)};
}

Result<void> writeCredential(const std::filesystem::path& path, const Credential& c) {
  std::string text = boost::json::serialize(boost::json::object{
      {"accessKeyId", c.accessKeyId}, {"secretAccessKey", c.secretAccessKey}, {"accountId", c.accountId}});
  text += '\n';
  // O_EXCL: two servers starting on one data dir must not both mint a key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return internalError("cannot create " + path.string() + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return internalError("cannot write " + path.string());
  return {};
}

}  // namespace

StaticCredentialStore::StaticCredentialStore(std::vector<Credential> credentials)
    : credentials_(std::move(credentials)) {}

std::optional<Credential> StaticCredentialStore::find(std::string_view accessKeyId) const {
  for (const Credential& c : credentials_) {
    if (c.accessKeyId == accessKeyId) return c;
  }
  return std::nullopt;
}

Result<Credential> loadOrCreateRootCredential(const std::string& dataDir, const std::string& accountId) {
  std::filesystem::path path = std::filesystem::path(dataDir) / "credentials.json";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return readCredential(path);
  std::filesystem::create_directories(dataDir, ec);
  if (ec) return internalError("cannot create " + dataDir + ": " + ec.message());
  Credential c = generateCredential(accountId);
  if (auto written = writeCredential(path, c); !written) {
    // Lost a race with another process creating the file: its key pair is the one to use.
    if (std::filesystem::exists(path, ec)) return readCredential(path);
    return std::unexpected(written.error());
  }
  return c;
}

Result<Credential> loadRootCredential(const std::string& dataDir) {
  std::filesystem::path path = std::filesystem::path(dataDir) / "credentials.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(ErrorCode::kNotFound, "", "no credentials in " + dataDir + ": start `wharf server` there first");
  }
  return readCredential(path);
}

}  // namespace wharf::api
