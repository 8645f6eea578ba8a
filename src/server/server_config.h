// Settings of one `wharf server` process, from the command line.
#pragma once

#include <cstdint>
#include <string>

namespace wharf::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;  // 0 = any free port
  std::string dataDir = ".wharf";
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  std::string launcher = "oci";   // "oci" or "process"
  std::string runtime = "auto";   // OCI runtime: crun, runc, a path, or auto (crun when installed)
  std::string subnet = "10.88.0.0/16";
  std::string bridge = "wharf0";
  int ioThreads = 2;
  int workerThreads = 32;
};

}  // namespace wharf::server
