#include "agent/runtime/launchers/oci/etc_files.h"

#include <sstream>

namespace wharf::agent {
namespace {

constexpr const char* kLoopbackHosts =
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

bool isLoopbackNameserver(const std::string& line) {
  std::istringstream in(line);
  std::string keyword, address;
  in >> keyword >> address;
  return keyword == "nameserver" && (address.starts_with("127.") || address == "::1");
}

}  // namespace

std::string containerHosts(NetworkMode mode, const std::string& hostname, const std::string& ipv4,
                           const std::string& hostHosts) {
  if (mode == NetworkMode::kHost) return hostHosts;
  return kLoopbackHosts + (ipv4.empty() ? std::string("127.0.1.1") : ipv4) + "\t" + hostname + "\n";
}

std::string containerResolvConf(NetworkMode mode, const std::string& hostResolvConf) {
  if (mode == NetworkMode::kHost) return hostResolvConf;
  if (mode == NetworkMode::kNone) return "# network mode none: no name servers\n";
  std::istringstream in(hostResolvConf);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (!isLoopbackNameserver(line)) out += line + "\n";
  return out;
}

}  // namespace wharf::agent
