// A small synchronous Step Functions client: JSON 1.0 requests over one keep-alive HTTP/1.1
// connection, signed with SigV4, for the conformance runner's HTTP mode.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/credentials.h"
#include "common/result.h"

namespace wharf::conformance {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
};

// Parses http://HOST:PORT (a trailing / is allowed); IPv4 literals and names, no TLS.
Result<Endpoint> parseEndpoint(std::string_view url);

class SfnHttpClient {
 public:
  SfnHttpClient(Endpoint endpoint, api::Credential credential, std::string region);

  // Calls AWSStepFunctions.<operation> with `request` and returns the response object. An AWS
  // error response comes back as an Error whose type is the AWS error name; transport failures
  // are kUnavailable. A connection the server closed while idle is reopened once. Not
  // thread-safe: use one client per thread.
  Result<boost::json::object> call(std::string_view operation, const boost::json::object& request);

 private:
  Result<void> connect();
  void disconnect();

  Endpoint endpoint_;
  api::Credential credential_;
  std::string region_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace wharf::conformance
