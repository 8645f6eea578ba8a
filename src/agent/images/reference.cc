#include "agent/images/reference.h"

#include <algorithm>
#include <cctype>

namespace wharf::agent {
namespace {

constexpr std::string_view kDockerHub = "docker.io";

bool isDomain(std::string_view component) {
  return component == "localhost" || component.find_first_of(".:") != std::string_view::npos ||
         std::any_of(component.begin(), component.end(), [](unsigned char c) { return std::isupper(c); });
}

// A path component: lower-case alphanumerics separated by '.', '_', '__' or runs of '-'.
bool isPathComponent(std::string_view c) {
  if (c.empty() || !std::isalnum(static_cast<unsigned char>(c.front())) ||
      !std::isalnum(static_cast<unsigned char>(c.back())))
    return false;
  return std::all_of(c.begin(), c.end(), [](unsigned char ch) {
    return (std::islower(ch) || std::isdigit(ch) || ch == '.' || ch == '_' || ch == '-');
  });
}

bool isTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || tag.front() == '.' || tag.front() == '-') return false;
  return std::all_of(tag.begin(), tag.end(),
                     [](unsigned char ch) { return std::isalnum(ch) || ch == '_' || ch == '.' || ch == '-'; });
}

bool isSha256Digest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!digest.starts_with(kPrefix) || digest.size() != kPrefix.size() + 64) return false;
  return std::all_of(digest.begin() + kPrefix.size(), digest.end(),
                     [](unsigned char ch) { return std::isdigit(ch) || (ch >= 'a' && ch <= 'f'); });
}

}  // namespace

std::string ImageReference::name() const {
  std::string out = repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string ImageReference::qualifiedName() const {
  auto slash = repository.find('/');
  if (slash != std::string::npos && isDomain(std::string_view(repository).substr(0, slash))) return name();
  ImageReference qualified = *this;
  qualified.repository = std::string(kDockerHub) + (slash == std::string::npos ? "/library/" : "/") + repository;
  return qualified.name();
}

Result<ImageReference> parseReference(const std::string& reference) {
  auto invalid = [&] { return invalidParameter("invalid reference format: " + reference); };
  std::string_view rest = reference;
  ImageReference ref;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    if (!isSha256Digest(ref.digest)) return invalid();
    rest = rest.substr(0, at);
  }
  if (auto colon = rest.rfind(':');
      colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    if (!isTag(ref.tag)) return invalid();
    rest = rest.substr(0, colon);
  }
  std::string domain;
  if (auto slash = rest.find('/'); slash != std::string_view::npos && isDomain(rest.substr(0, slash))) {
    domain = std::string(rest.substr(0, slash));
    rest = rest.substr(slash + 1);
  }
  if (domain == "index.docker.io") domain = kDockerHub;
  if (rest.empty()) return invalid();
  for (size_t start = 0;;) {
    size_t end = rest.find('/', start);
    if (!isPathComponent(rest.substr(start, end - start))) return invalid();
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // Official images live under library/ on Docker Hub; the short name stands for them.
  bool dockerHub = domain.empty() || domain == kDockerHub;
  if (dockerHub && rest.starts_with("library/") && rest.find('/', 8) == std::string_view::npos) rest = rest.substr(8);
  ref.repository = dockerHub ? std::string(rest) : domain + "/" + std::string(rest);
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace wharf::agent
