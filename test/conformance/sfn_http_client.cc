#include "sfn_http_client.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>

#include "api/sigv4.h"
#include "common/time_format.h"

namespace wharf::conformance {
namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::string_view kTargetPrefix = "AWSStepFunctions.";
constexpr std::string_view kSignedHeaders = "content-type;host;x-amz-date;x-amz-target";
// Generous: a request never waits on an execution, only on the server's own work.
constexpr std::chrono::seconds kRequestTimeout{60};

std::unexpected<Error> transportError(const std::string& what, const boost::system::error_code& ec) {
  return fail(ErrorCode::kUnavailable, "", fmt::format("{}: {}", what, ec.message()));
}

// An AWS JSON error body: {"__type": "[namespace#]Name", "message": "..."}.
Error awsError(unsigned status, const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  std::string type, message = body;
  if (o) {
    if (const auto* t = o->if_contains("__type"); t && t->is_string()) type = std::string(t->get_string());
    for (const char* key : {"message", "Message"}) {
      if (const auto* m = o->if_contains(key); m && m->is_string()) message = std::string(m->get_string());
    }
  }
  if (auto hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
  return Error{status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument, type,
               fmt::format("HTTP {}: {}", status, message)};
}

}  // namespace

Result<Endpoint> parseEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return invalidParameter(fmt::format("endpoint {}: only http:// is supported", url));
  url.remove_prefix(kScheme.size());
  if (url.ends_with('/')) url.remove_suffix(1);
  auto colon = url.rfind(':');
  Endpoint e;
  unsigned port = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      std::from_chars(url.data() + colon + 1, url.data() + url.size(), port).ec != std::errc() || port == 0 ||
      port > 65535)
    return invalidParameter(fmt::format("endpoint http://{}: expected http://HOST:PORT", url));
  e.host = std::string(url.substr(0, colon));
  e.port = static_cast<uint16_t>(port);
  return e;
}

SfnHttpClient::SfnHttpClient(Endpoint endpoint, api::Credential credential, std::string region)
    : endpoint_(std::move(endpoint)), credential_(std::move(credential)), region_(std::move(region)) {}

Result<void> SfnHttpClient::connect() {
  boost::system::error_code ec;
  tcp::resolver resolver(ioc_);
  auto addresses = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
  if (ec) return transportError("resolve " + endpoint_.host, ec);
  stream_.emplace(ioc_);
  stream_->expires_after(kRequestTimeout);
  stream_->connect(addresses, ec);
  if (ec) {
    stream_.reset();
    return transportError(fmt::format("connect {}:{}", endpoint_.host, endpoint_.port), ec);
  }
  return {};
}

void SfnHttpClient::disconnect() {
  if (!stream_) return;
  boost::system::error_code ignored;
  stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.reset();
  buffer_.clear();
}

Result<boost::json::object> SfnHttpClient::call(std::string_view operation, const boost::json::object& request) {
  http::request<http::string_body> req(http::verb::post, "/", 11);
  std::string amzDate = toAmzDate(std::chrono::system_clock::now());
  req.set(http::field::host, fmt::format("{}:{}", endpoint_.host, endpoint_.port));
  req.set(http::field::content_type, "application/x-amz-json-1.0");
  req.set("X-Amz-Date", amzDate);
  req.set("X-Amz-Target", fmt::format("{}{}", kTargetPrefix, operation));
  req.keep_alive(true);
  req.body() = boost::json::serialize(request);
  req.prepare_payload();
  api::SignedRequest s{"POST", "/", {}, req.body()};
  for (const auto& f : req) s.headers.emplace_back(f.name_string(), f.value());
  req.set(http::field::authorization,
          api::sigv4::authorizationHeader(s, credential_, amzDate, region_, "states", kSignedHeaders));

  for (int attempt = 0;; ++attempt) {
    bool reused = stream_.has_value();
    if (!stream_) {
      if (auto r = connect(); !r) return std::unexpected(r.error());
    }
    boost::system::error_code ec;
    http::response<http::string_body> res;
    stream_->expires_after(kRequestTimeout);
    http::write(*stream_, req, ec);
    if (!ec) http::read(*stream_, buffer_, res, ec);
    if (ec) {
      disconnect();
      // The server may have closed an idle keep-alive connection: one retry on a new one.
      if (reused && attempt == 0) continue;
      return transportError(std::string(operation), ec);
    }
    if (!res.keep_alive()) disconnect();
    if (res.result_int() != 200) return std::unexpected(awsError(res.result_int(), res.body()));
    boost::json::value v = boost::json::parse(res.body(), ec);
    if (ec || !v.is_object()) return internalError(fmt::format("{}: response is not a JSON object", operation));
    return std::move(v.as_object());
  }
}

}  // namespace wharf::conformance
