#include "agent/runtime/launchers/oci/sealed_binary.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "agent/runtime/container_process.h"

namespace wharf::agent {
namespace {

// Since Linux 6.3 a memfd states whether it may be executed; older kernels reject the flag.
constexpr unsigned kMfdExec = 0x0010;
constexpr int kAllSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

std::unexpected<Error> sysError(const std::string& what) { return internalError(what + ": " + strerror(errno)); }

}  // namespace

Result<std::string> findExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = getenv("PATH");
  std::string dirs = path ? path : kDefaultPath;
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = std::min(dirs.find(':', start), dirs.size());
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return fail(ErrorCode::kNotFound, "", name + " not found on PATH");
}

Result<UniqueFd> sealedCopy(const std::string& path) {
  UniqueFd source(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  char magic[4] = {};
  if (!source.valid() || fstat(source.get(), &st) != 0 || pread(source.get(), magic, sizeof magic, 0) < 0)
    return sysError("cannot read " + path);
  if (memcmp(magic,
             "\x7f"
             "ELF",
             sizeof magic) != 0)
    return internalError(path + " is not an ELF executable");
  std::string name = path.substr(path.rfind('/') + 1);
  UniqueFd copy(memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec));
  if (!copy.valid() && errno == EINVAL) copy = UniqueFd(memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!copy.valid()) return sysError("memfd_create");
  for (off_t offset = 0; offset < st.st_size;) {
    ssize_t n = sendfile(copy.get(), source.get(), &offset, size_t(st.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sysError("cannot copy " + path);
  }
  if (fcntl(copy.get(), F_ADD_SEALS, kAllSeals) != 0) return sysError("cannot seal a copy of " + path);
  return copy;
}

}  // namespace wharf::agent
