// The API's HTTP listener: AWS JSON 1.0/1.1 requests (POST / with X-Amz-Target) are authenticated
// with SigV4, checked against the service model and run by the Router's handlers on a worker
// pool, so a handler blocking on a store commit never stalls the I/O threads.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/credentials.h"
#include "api/model_validator.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/result.h"

namespace wharf::api {

struct HttpServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;  // 0 picks a free port; start() returns the one bound
  int ioThreads = 2;
  int workerThreads = 32;
  // Larger bodies are refused with 413 RequestEntityTooLargeException and the connection closed.
  size_t maxBodyBytes = 8 * 1024 * 1024;
  std::chrono::seconds idleTimeout{60};  // a keep-alive connection with no request is closed
  std::chrono::seconds stopGrace{5};     // how long stop() waits for requests in flight
};

class HttpServer {
 public:
  // All references must outlive the server. Handlers given to `router` run on worker threads,
  // concurrently; an AsyncHandler's Reply may be called from any thread, once, and must be
  // called (or dropped) before the server is destroyed.
  HttpServer(HttpServerConfig config, const Router& router, const CredentialStore& credentials, const Clock& clock,
             const ModelValidator& models = ModelValidator::builtin());
  ~HttpServer();  // stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads; at most once. Errors: kUnavailable when the address
  // cannot be bound.
  Result<boost::asio::ip::tcp::endpoint> start();
  // Stops accepting, waits up to stopGrace for requests in flight, then closes every connection
  // and joins all threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wharf::api
