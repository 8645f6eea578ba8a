#include "agent/network/ipv4_subnet.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

namespace wharf::agent {

Result<uint32_t> parseIpv4(const std::string& text) {
  in_addr address{};
  if (::inet_pton(AF_INET, text.c_str(), &address) != 1) {
    return invalidParameter(fmt::format("'{}' is not an IPv4 address", text));
  }
  return ntohl(address.s_addr);
}

std::string formatIpv4(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff, address & 0xff);
}

Result<Ipv4Subnet> Ipv4Subnet::parse(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return invalidParameter(fmt::format("subnet '{}' has no prefix length", cidr));
  auto address = parseIpv4(cidr.substr(0, slash));
  if (!address) return std::unexpected(address.error());
  int prefixLength = -1;
  const char* end = cidr.data() + cidr.size();
  auto [parsedEnd, error] = std::from_chars(cidr.data() + slash + 1, end, prefixLength);
  if (error != std::errc() || parsedEnd != end || prefixLength < 8 || prefixLength > 30) {
    return invalidParameter(fmt::format("subnet '{}' needs a prefix length from 8 to 30", cidr));
  }
  uint32_t mask = 0xffffffffu << (32 - prefixLength);
  if ((*address & ~mask) != 0) {
    return invalidParameter(fmt::format("subnet '{}' has host bits set", cidr));
  }
  return Ipv4Subnet(*address, prefixLength);
}

bool Ipv4Subnet::isTaskAddress(uint32_t address) const {
  return address > gateway() && address < broadcast() && (address & ~(0xffffffffu >> prefixLength_)) == network_;
}

Result<uint32_t> Ipv4Subnet::allocate(const std::set<uint32_t>& used) const {
  for (uint32_t address = gateway() + 1; address < broadcast(); ++address) {
    if (!used.contains(address)) return address;
  }
  return fail(ErrorCode::kLimitExceeded, "",
              fmt::format("no free address left in {}/{}", formatIpv4(network_), prefixLength_));
}

}  // namespace wharf::agent
