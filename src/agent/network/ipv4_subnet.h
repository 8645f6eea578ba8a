// IPv4 subnets for the awsvpc address pool: parsing, formatting and picking a free address.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "common/result.h"

namespace wharf::agent {

// Addresses are host byte order here; convert with htonl() for the kernel.
Result<uint32_t> parseIpv4(const std::string& text);
std::string formatIpv4(uint32_t address);

class Ipv4Subnet {
 public:
  // "a.b.c.d/n" with 8 <= n <= 30, so there is room for the gateway and at least one task.
  static Result<Ipv4Subnet> parse(const std::string& cidr);

  int prefixLength() const { return prefixLength_; }
  // The subnet's first address, which the bridge holds and tasks route through.
  uint32_t gateway() const { return network_ + 1; }
  // Whether `address` is one a task may hold: inside, not network, gateway or broadcast.
  bool isTaskAddress(uint32_t address) const;
  // The lowest task address not in `used`; kLimitExceeded when the pool is exhausted.
  Result<uint32_t> allocate(const std::set<uint32_t>& used) const;

 private:
  Ipv4Subnet(uint32_t network, int prefixLength) : network_(network), prefixLength_(prefixLength) {}
  uint32_t broadcast() const { return network_ | (0xffffffffu >> prefixLength_); }

  uint32_t network_;
  int prefixLength_;
};

}  // namespace wharf::agent
