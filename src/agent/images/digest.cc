#include "agent/images/digest.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <memory>

namespace wharf::agent {
namespace {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &size);
    std::string out = "sha256:";
    for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", md[i]);
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace

std::string sha256Digest(std::string_view data) {
  Sha256 sha;
  sha.update(data.data(), data.size());
  return sha.digest();
}

Result<std::string> sha256DigestOfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidParameter("cannot open " + path);
  Sha256 sha;
  char block[64 * 1024];
  while (in.read(block, sizeof block) || in.gcount() > 0) sha.update(block, static_cast<size_t>(in.gcount()));
  if (in.bad()) return internalError("cannot read " + path);
  return sha.digest();
}

}  // namespace wharf::agent
