#include "api/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>

#include "common/time_format.h"

namespace wharf::api {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

void appendHex(std::string& out, const uint8_t* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
}

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// RFC 3986 encoding as SigV4 defines it: everything but unreserved characters, upper-case hex.
void uriEncode(std::string& out, std::string_view s, bool keepSlash) {
  for (unsigned char c : s) {
    if (isUnreserved(c) || (keepSlash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 0xf];
    }
  }
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hexValue(s[i + 1])) >= 0 && (lo = hexValue(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

const std::string_view* findHeader(const SignedRequest& req, std::string_view name) {
  for (const auto& [n, v] : req.headers) {
    if (equalsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Appends the value trimmed, with runs of whitespace collapsed to one space.
void appendTrimAll(std::string& out, std::string_view v) {
  bool space = false;
  for (char c : trim(v)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
}

// AWS (non-S3) paths: dot segments resolved, repeated slashes collapsed, then encoded once more.
void appendCanonicalUri(std::string& out, std::string_view path) {
  if (path.empty() || path == "/") {
    out += '/';
    return;
  }
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  if (path.front() == '/') out += '/';
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) out += '/';
    uriEncode(out, segments[i], false);
  }
  if (path.back() == '/' && !segments.empty()) out += '/';
}

void appendCanonicalQuery(std::string& out, std::string_view query) {
  if (query.empty()) return;
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = std::min(query.find('&', start), query.size());
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string k, v;
    uriEncode(k, percentDecode(key), false);
    if (k == "X-Amz-Signature") continue;
    uriEncode(v, percentDecode(value), false);
    params.emplace_back(std::move(k), std::move(v));
  }
  std::sort(params.begin(), params.end());
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out += '&';
    out += params[i].first;
    out += '=';
    out += params[i].second;
  }
}

// The value of query parameter `name`, percent-decoded; empty when absent.
std::string queryParam(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = std::min(query.find('&', start), query.size());
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return percentDecode(pair.substr(name.size() + 1));
    }
  }
  return {};
}

void hmac(const uint8_t* key, size_t keyLen, std::string_view data, uint8_t out[32]) {
  unsigned int len = 32;
  HMAC(EVP_sha256(), key, static_cast<int>(keyLen), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out, &len);
}

std::unexpected<Error> incomplete(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "IncompleteSignatureException", std::move(message));
}
std::unexpected<Error> invalidSignature(std::string message) {
  return fail(ErrorCode::kUnauthenticated, "InvalidSignatureException", std::move(message));
}

// The parts of a signature, from either the Authorization header or the query string.
struct Signature {
  std::string credential;  // keyid/date/region/service/aws4_request
  std::string signedHeaders;
  std::string signature;
  std::string amzDate;
  std::string expires;  // presigned only
  bool presigned = false;
};

Result<Signature> parseAuthorizationHeader(std::string_view header, const SignedRequest& req) {
  Signature s;
  std::string_view rest = header.substr(kAlgorithm.size());
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = std::min(rest.find(',', start), rest.size());
    std::string_view part = trim(rest.substr(start, end - start));
    start = end + 1;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") s.credential = value;
    if (key == "SignedHeaders") s.signedHeaders = value;
    if (key == "Signature") s.signature = value;
  }
  std::string missing;
  if (s.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (s.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (s.signedHeaders.empty()) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  const std::string_view* date = findHeader(req, "x-amz-date");
  if (!date) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (!missing.empty()) return incomplete(missing + "Authorization=" + std::string(header));
  s.amzDate = trim(*date);
  return s;
}

Result<Signature> parseQuerySignature(std::string_view query) {
  Signature s;
  s.presigned = true;
  if (queryParam(query, "X-Amz-Algorithm") != kAlgorithm) {
    return incomplete("Unsupported AWS 'algorithm': '" + queryParam(query, "X-Amz-Algorithm") + "'");
  }
  s.credential = queryParam(query, "X-Amz-Credential");
  s.signedHeaders = queryParam(query, "X-Amz-SignedHeaders");
  s.signature = queryParam(query, "X-Amz-Signature");
  s.amzDate = queryParam(query, "X-Amz-Date");
  s.expires = queryParam(query, "X-Amz-Expires");
  std::string missing;
  for (auto [value, name] : {std::pair{&s.credential, "X-Amz-Credential"},
                             {&s.signedHeaders, "X-Amz-SignedHeaders"},
                             {&s.signature, "X-Amz-Signature"},
                             {&s.amzDate, "X-Amz-Date"}}) {
    if (value->empty()) missing += std::string("AWS query-string parameters must include '") + name + "'. ";
  }
  if (!missing.empty()) return incomplete(missing + "Re-examine the query-string parameters.");
  return s;
}

}  // namespace

namespace sigv4 {

std::string sha256Hex(std::string_view data) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string out;
  out.reserve(64);
  appendHex(out, digest, sizeof digest);
  return out;
}

std::string canonicalRequest(const SignedRequest& req, std::string_view signedHeaders, std::string_view payloadHash) {
  std::string out;
  out.reserve(256);
  out += req.method;
  out += '\n';
  size_t q = req.target.find('?');
  appendCanonicalUri(out, req.target.substr(0, q));
  out += '\n';
  if (q != std::string_view::npos) appendCanonicalQuery(out, req.target.substr(q + 1));
  out += '\n';
  size_t start = 0;
  while (start < signedHeaders.size()) {
    size_t end = std::min(signedHeaders.find(';', start), signedHeaders.size());
    std::string_view name = signedHeaders.substr(start, end - start);
    start = end + 1;
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [n, v] : req.headers) {
      if (!equalsIgnoreCase(n, name)) continue;
      if (!first) out += ',';
      first = false;
      appendTrimAll(out, v);
    }
    out += '\n';
  }
  out += '\n';
  out += signedHeaders;
  out += '\n';
  out += payloadHash;
  return out;
}

std::string stringToSign(std::string_view amzDate, std::string_view scope, std::string_view canonicalRequest) {
  std::string out;
  out.reserve(160);
  out += kAlgorithm;
  out += '\n';
  out += amzDate;
  out += '\n';
  out += scope;
  out += '\n';
  out += sha256Hex(canonicalRequest);
  return out;
}

std::array<uint8_t, 32> signingKey(std::string_view secret, std::string_view date, std::string_view region,
                                   std::string_view service) {
  std::string seed = "AWS4";
  seed += secret;
  std::array<uint8_t, 32> k{};
  hmac(reinterpret_cast<const uint8_t*>(seed.data()), seed.size(), date, k.data());
  hmac(k.data(), k.size(), region, k.data());
  hmac(k.data(), k.size(), service, k.data());
  hmac(k.data(), k.size(), kTerminator, k.data());
  return k;
}

std::string signature(const std::array<uint8_t, 32>& key, std::string_view stringToSign) {
  uint8_t mac[32];
  hmac(key.data(), key.size(), stringToSign, mac);
  std::string out;
  out.reserve(64);
  appendHex(out, mac, sizeof mac);
  return out;
}

std::string authorizationHeader(const SignedRequest& req, const Credential& credential, std::string_view amzDate,
                                std::string_view region, std::string_view service, std::string_view signedHeaders) {
  std::string date(amzDate.substr(0, 8));
  std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/" + std::string(kTerminator);
  const std::string_view* declared = findHeader(req, "x-amz-content-sha256");
  std::string payload = declared ? std::string(*declared) : sha256Hex(req.body);
  std::string toSign = stringToSign(amzDate, scope, canonicalRequest(req, signedHeaders, payload));
  return std::string(kAlgorithm) + " Credential=" + credential.accessKeyId + "/" + scope +
         ", SignedHeaders=" + std::string(signedHeaders) +
         ", Signature=" + signature(signingKey(credential.secretAccessKey, date, region, service), toSign);
}

}  // namespace sigv4

SigV4Verifier::SigV4Verifier(const CredentialStore& credentials, const Clock& clock)
    : credentials_(credentials), clock_(clock) {}

std::array<uint8_t, 32> SigV4Verifier::cachedSigningKey(std::string_view secret, std::string_view date,
                                                        std::string_view region, std::string_view service) const {
  std::string key;
  key.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
  key.append(secret).append(1, '\n').append(date).append(1, '\n').append(region).append(1, '\n').append(service);
  {
    std::lock_guard lock(mutex_);
    if (auto it = key_cache_.find(key); it != key_cache_.end()) return it->second;
  }
  std::array<uint8_t, 32> derived = sigv4::signingKey(secret, date, region, service);
  std::lock_guard lock(mutex_);
  if (key_cache_.size() >= 4096) key_cache_.clear();  // stale dates accumulate; rebuilding is cheap
  key_cache_.emplace(std::move(key), derived);
  return derived;
}

Result<Caller> SigV4Verifier::verify(const SignedRequest& req) const {
  size_t q = req.target.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view() : req.target.substr(q + 1);
  const std::string_view* authorization = findHeader(req, "authorization");
  Result<Signature> parsed;
  if (authorization && authorization->starts_with(kAlgorithm)) {
    parsed = parseAuthorizationHeader(*authorization, req);
  } else if (authorization) {
    return incomplete("Unsupported AWS 'algorithm': '" +
                      std::string(authorization->substr(0, authorization->find(' '))) + "'");
  } else if (query.find("X-Amz-Algorithm=") != std::string_view::npos) {
    parsed = parseQuerySignature(query);
  } else {
    return fail(ErrorCode::kUnauthenticated, "MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  if (!parsed) return std::unexpected(parsed.error());
  const Signature& sig = *parsed;

  // keyid/date/region/service/aws4_request
  std::string_view scope[5];
  std::string_view rest = sig.credential;
  for (int i = 0; i < 5; ++i) {
    size_t slash = i < 4 ? rest.find('/') : rest.size();
    if (slash == std::string_view::npos) return incomplete("Credential should be scoped to a valid region. ");
    scope[i] = rest.substr(0, slash);
    rest = slash < rest.size() ? rest.substr(slash + 1) : std::string_view();
  }
  if (scope[4] != kTerminator) {
    return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(scope[4]) + "'. ");
  }
  std::optional<Credential> credential = credentials_.find(scope[0]);
  if (!credential) {
    return fail(ErrorCode::kUnauthenticated, "UnrecognizedClientException",
                "The security token included in the request is invalid.");
  }

  auto signedAt = parseAmzDate(sig.amzDate);
  if (!signedAt) {
    return incomplete("Date must be in ISO-8601 'basic format'. Got '" + sig.amzDate +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  auto expiresAt = *signedAt + sigv4::kMaxClockSkew;
  if (sig.presigned && !sig.expires.empty()) {
    int64_t seconds = 0;
    for (char c : sig.expires) seconds = c >= '0' && c <= '9' ? seconds * 10 + (c - '0') : -1;
    if (seconds < 0 || seconds > 604800) return incomplete("X-Amz-Expires must be between 0 and 604800 seconds.");
    expiresAt = *signedAt + std::chrono::seconds(seconds);
  }
  if (now > expiresAt) {
    return invalidSignature("Signature expired: " + sig.amzDate + " is now earlier than " +
                            toAmzDate(now - sigv4::kMaxClockSkew) + " (" + toAmzDate(now) + " - 15 min.)");
  }
  if (*signedAt > now + sigv4::kMaxClockSkew) {
    return invalidSignature("Signature not yet current: " + sig.amzDate + " is still later than " +
                            toAmzDate(now + sigv4::kMaxClockSkew) + " (" + toAmzDate(now) + " + 15 min.)");
  }
  if (std::string_view(sig.amzDate).substr(0, 8) != scope[1]) {
    return invalidSignature(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
        std::string(scope[1]) + "' != '" + sig.amzDate.substr(0, 8) + "', from '" + sig.amzDate + "'.");
  }

  const std::string_view* declared = findHeader(req, "x-amz-content-sha256");
  std::string payload = declared ? std::string(trim(*declared)) : sigv4::sha256Hex(req.body);
  std::string canonical = sigv4::canonicalRequest(req, sig.signedHeaders, payload);
  std::string_view credentialScope = std::string_view(sig.credential).substr(scope[0].size() + 1);
  std::string expected = sigv4::signature(cachedSigningKey(credential->secretAccessKey, scope[1], scope[2], scope[3]),
                                          sigv4::stringToSign(sig.amzDate, credentialScope, canonical));
  if (expected.size() != sig.signature.size() ||
      CRYPTO_memcmp(expected.data(), sig.signature.data(), expected.size()) != 0) {
    return invalidSignature(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
        "Key and signing method. Consult the service documentation for details.");
  }
  return Caller{std::move(*credential), std::string(scope[2]), std::string(scope[3])};
}

}  // namespace wharf::api
