// AWS Signature Version 4: verifies the Authorization header and presigned (query-string) forms
// of every request, and signs requests for clients written in C++ (tests, benchmarks).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/credentials.h"
#include "common/clock.h"
#include "common/result.h"

namespace wharf::api {

// A request as the signer saw it. Views must outlive the call they are passed to.
struct SignedRequest {
  std::string_view method;
  std::string_view target;  // request-target as sent: path, optionally followed by ?query
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // any case, arrival order
  std::string_view body;
};

// Who signed a verified request, and the credential scope they signed for.
struct Caller {
  Credential credential;
  std::string region;
  std::string service;
};

namespace sigv4 {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::chrono::minutes kMaxClockSkew{15};

std::string sha256Hex(std::string_view data);
// The canonical request of `req` over the `;`-separated lower-case `signedHeaders`. Presigned
// requests leave X-Amz-Signature out of the canonical query string.
std::string canonicalRequest(const SignedRequest& req, std::string_view signedHeaders, std::string_view payloadHash);
// Scope is date/region/service/aws4_request.
std::string stringToSign(std::string_view amzDate, std::string_view scope, std::string_view canonicalRequest);
std::array<uint8_t, 32> signingKey(std::string_view secret, std::string_view date, std::string_view region,
                                   std::string_view service);
std::string signature(const std::array<uint8_t, 32>& key, std::string_view stringToSign);
// Client side: the Authorization header value for `req`, which must carry the headers named in
// `signedHeaders` (including host and x-amz-date = amzDate).
std::string authorizationHeader(const SignedRequest& req, const Credential& credential, std::string_view amzDate,
                                std::string_view region, std::string_view service, std::string_view signedHeaders);

}  // namespace sigv4

class SigV4Verifier {
 public:
  SigV4Verifier(const CredentialStore& credentials, const Clock& clock);

  // Checks the signature of `req`. Errors carry AWS's names and messages:
  // MissingAuthenticationTokenException, IncompleteSignatureException (400),
  // UnrecognizedClientException, InvalidSignatureException (403). Thread-safe.
  Result<Caller> verify(const SignedRequest& req) const;

 private:
  std::array<uint8_t, 32> cachedSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                                           std::string_view service) const;

  const CredentialStore& credentials_;
  const Clock& clock_;
  // Derived keys change once a day per credential and region; deriving one costs four HMACs.
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::array<uint8_t, 32>> key_cache_;
};

}  // namespace wharf::api
