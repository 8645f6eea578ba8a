// Wires the modules of one node into a running server: store, credentials, images, network,
// agent, ECS, Logs and the HTTP API.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "server/server_config.h"

namespace wharf::server {

class Server {
 public:
  // Opens the data directory (creating the root credential on first start), recovers running
  // tasks and starts listening. Errors name the component that failed.
  static Result<std::unique_ptr<Server>> start(const ServerConfig& config);
  ~Server();  // stops the listener; running containers keep running

  // The address actually bound ("127.0.0.1:4566").
  std::string address() const;
  // Periodic housekeeping: forget old STOPPED tasks, apply log retention.
  void sweep();

  struct Parts;

 private:
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace wharf::server
