// The few rtnetlink requests task networking needs (links, addresses, routes), sent over a raw
// NETLINK_ROUTE socket: one round trip each instead of spawning an `ip` process.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "agent/network/unique_fd.h"
#include "common/result.h"

namespace wharf::agent {

struct LinkInfo {
  int index = 0;
  int master = 0;  // index of the bridge the link is attached to; 0 = none
};

using MacAddress = std::array<uint8_t, 6>;

// A socket bound to the network namespace of the thread that opened it; requests act on that
// namespace. Not thread-safe: one request at a time.
class RtNetlink {
 public:
  static Result<RtNetlink> open();

  Result<std::optional<LinkInfo>> getLink(const std::string& name);
  // Creates a bridge; an existing link of that name is accepted as is.
  Result<void> ensureBridge(const std::string& name);
  Result<void> setLinkUp(int index);
  // IPv4 address in network byte order; an address already present is accepted.
  Result<void> addAddress(int index, uint32_t address, int prefixLength);
  // Default route via `gateway` (network byte order) in this socket's namespace.
  Result<void> addDefaultRoute(uint32_t gateway);
  // Creates a veth pair: `hostName` here, up and attached to bridge `masterIndex`, and `peerName`
  // (still down) with `peerMac` in the namespace `peerNetnsFd` refers to.
  Result<void> createVethPair(const std::string& hostName, int masterIndex, const std::string& peerName,
                              int peerNetnsFd, const MacAddress& peerMac);
  // Deletes a link (and with a veth, its peer); a missing link is not an error.
  Result<void> deleteLink(const std::string& name);

 private:
  class Message;
  explicit RtNetlink(UniqueFd fd) : fd_(std::move(fd)) {}
  // Handed each reply message (a struct nlmsghdr) before the acknowledgement arrives.
  using OnReply = std::function<void(const void* header)>;
  struct Outcome {
    int error = 0;        // the kernel's errno for the request; 0 = success
    std::string message;  // the kernel's extended-ack text, if any
  };
  // Sends `request` and waits for its acknowledgement. Fails only when the socket does.
  Result<Outcome> call(Message& request, const OnReply& onReply = {});
  // As call(), but a kernel error other than `acceptedErrno` becomes an Error naming `what`.
  Result<void> callChecked(Message& request, const std::string& what, int acceptedErrno = 0);

  UniqueFd fd_;
  uint32_t seq_ = 0;
};

}  // namespace wharf::agent
