// Access keys the API edge authenticates SigV4 requests against, and the root key pair that a
// fresh data directory is given on first start.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace wharf::api {

struct Credential {
  std::string accessKeyId;      // AKIA followed by 16 upper-case characters
  std::string secretAccessKey;  // 40 characters
  std::string accountId;        // 12 digits; ARNs of the caller's resources use it
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  // The credential with this access key id, or nullopt when unknown. Thread-safe; called on every
  // request, so implementations must not block.
  virtual std::optional<Credential> find(std::string_view accessKeyId) const = 0;
};

// A fixed set of credentials held in memory.
class StaticCredentialStore final : public CredentialStore {
 public:
  explicit StaticCredentialStore(std::vector<Credential> credentials);
  std::optional<Credential> find(std::string_view accessKeyId) const override;

 private:
  std::vector<Credential> credentials_;
};

// Reads <dataDir>/credentials.json, creating it (mode 0600) on first use with the key pair from
// WHARF_ROOT_ACCESS_KEY_ID / WHARF_ROOT_SECRET_ACCESS_KEY when both are set, else a random one.
// The file's account id wins over `accountId` once the file exists.
Result<Credential> loadOrCreateRootCredential(const std::string& dataDir, const std::string& accountId);

// Reads the root credential a server created in <dataDir>; kNotFound when it has not started there yet.
Result<Credential> loadRootCredential(const std::string& dataDir);

}  // namespace wharf::api
