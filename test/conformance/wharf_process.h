// A `wharf server` child process on a free loopback port with a temporary data directory, for
// runs that must not depend on a server someone else started.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "api/credentials.h"
#include "common/result.h"
#include "sfn_http_client.h"

namespace wharf::conformance {

class WharfProcess {
 public:
  // Starts `binary server --listen 127.0.0.1:0` with account 111111111111 (the recordings'
  // account) and waits until it prints its address.
  static Result<std::unique_ptr<WharfProcess>> start(const std::string& binary, const std::string& region);
  // Stops the server (SIGTERM, SIGKILL after a grace period) and removes its directory.
  ~WharfProcess();
  WharfProcess(const WharfProcess&) = delete;
  WharfProcess& operator=(const WharfProcess&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }
  const api::Credential& credential() const { return credential_; }
  // The server's output so far (for reports when something goes wrong).
  std::string log() const;

 private:
  WharfProcess(std::string dir, pid_t pid) : dir_(std::move(dir)), pid_(pid) {}

  std::string dir_;  // holds data/ and server.log
  pid_t pid_;
  Endpoint endpoint_;
  api::Credential credential_;
};

}  // namespace wharf::conformance
