#include "agent/network/rt_netlink.h"

#include <fmt/format.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace wharf::agent {

namespace {

Error socketError(const std::string& what) {
  return Error{ErrorCode::kUnavailable, "", fmt::format("rtnetlink {}: {}", what, std::strerror(errno))};
}

const rtattr* findAttribute(const void* payload, size_t length, uint16_t type) {
  auto* attr = static_cast<const rtattr*>(payload);
  for (auto remaining = static_cast<unsigned int>(length); RTA_OK(attr, remaining); attr = RTA_NEXT(attr, remaining)) {
    if ((attr->rta_type & NLA_TYPE_MASK) == type) return attr;
  }
  return nullptr;
}

}  // namespace

// A request being built: header, family struct, then (possibly nested) attributes.
class RtNetlink::Message {
 public:
  Message(uint16_t type, uint16_t flags) : bytes_(NLMSG_HDRLEN, 0) {
    header()->nlmsg_type = type;
    header()->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  }

  template <typename T>
  void putStruct(const T& value) {
    append(&value, sizeof value);
  }
  void putAttribute(uint16_t type, const void* data, size_t length) {
    rtattr attr{static_cast<unsigned short>(RTA_LENGTH(length)), type};
    append(&attr, sizeof attr);
    append(data, length);
  }
  void putString(uint16_t type, const std::string& value) { putAttribute(type, value.c_str(), value.size() + 1); }
  void putU32(uint16_t type, uint32_t value) { putAttribute(type, &value, sizeof value); }
  size_t beginNested(uint16_t type) {
    size_t offset = bytes_.size();
    putAttribute(type, nullptr, 0);
    return offset;
  }
  void endNested(size_t offset) {
    reinterpret_cast<rtattr*>(bytes_.data() + offset)->rta_len = static_cast<unsigned short>(bytes_.size() - offset);
  }

  const char* finish(uint32_t seq) {
    header()->nlmsg_len = static_cast<uint32_t>(bytes_.size());
    header()->nlmsg_seq = seq;
    return bytes_.data();
  }
  size_t size() const { return bytes_.size(); }

 private:
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(bytes_.data()); }
  void append(const void* data, size_t length) {
    auto* begin = static_cast<const char*>(data);
    if (length) bytes_.insert(bytes_.end(), begin, begin + length);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()), 0);
  }

  std::vector<char> bytes_;
};

Result<RtNetlink> RtNetlink::open() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd.valid()) return std::unexpected(socketError("socket"));
  int on = 1;
  // Best effort: extended acks make kernel errors readable, capped acks keep them small.
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return std::unexpected(socketError("bind"));
  }
  return RtNetlink(std::move(fd));
}

Result<RtNetlink::Outcome> RtNetlink::call(Message& request, const OnReply& onReply) {
  uint32_t seq = ++seq_;
  const char* data = request.finish(seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), data, request.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    return std::unexpected(socketError("send"));
  }
  alignas(nlmsghdr) static thread_local char buffer[64 * 1024];
  while (true) {
    ssize_t received = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (received < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(socketError("recv"));
    }
    auto remaining = static_cast<unsigned int>(received);
    for (auto* header = reinterpret_cast<const nlmsghdr*>(buffer); NLMSG_OK(header, remaining);
         header = NLMSG_NEXT(header, remaining)) {
      if (header->nlmsg_seq != seq) continue;  // a late answer to an earlier, failed request
      if (header->nlmsg_type != NLMSG_ERROR) {
        if (onReply) onReply(header);
        continue;
      }
      auto* ack = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
      Outcome outcome{-ack->error, ""};
      if (header->nlmsg_flags & NLM_F_ACK_TLVS) {
        size_t offset = sizeof(nlmsgerr);
        if (!(header->nlmsg_flags & NLM_F_CAPPED)) offset += ack->msg.nlmsg_len - NLMSG_HDRLEN;
        size_t payload = header->nlmsg_len - NLMSG_HDRLEN;
        if (offset < payload) {
          if (auto* text =
                  findAttribute(reinterpret_cast<const char*>(ack) + offset, payload - offset, NLMSGERR_ATTR_MSG)) {
            outcome.message = static_cast<const char*>(RTA_DATA(text));
          }
        }
      }
      return outcome;
    }
  }
}

Result<void> RtNetlink::callChecked(Message& request, const std::string& what, int acceptedErrno) {
  auto outcome = call(request);
  if (!outcome) return std::unexpected(outcome.error());
  if (outcome->error == 0 || outcome->error == acceptedErrno) return {};
  std::string detail = outcome->message.empty() ? "" : fmt::format(" ({})", outcome->message);
  return internalError(fmt::format("{}: {}{}", what, std::strerror(outcome->error), detail));
}

Result<std::optional<LinkInfo>> RtNetlink::getLink(const std::string& name) {
  Message request(RTM_GETLINK, 0);
  request.putStruct(ifinfomsg{});
  request.putString(IFLA_IFNAME, name);
  std::optional<LinkInfo> link;
  auto outcome = call(request, [&](const void* reply) {
    auto* header = static_cast<const nlmsghdr*>(reply);
    if (header->nlmsg_type != RTM_NEWLINK) return;
    auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(header));
    LinkInfo found{info->ifi_index, 0};
    if (auto* master = findAttribute(IFLA_RTA(info), IFLA_PAYLOAD(header), IFLA_MASTER)) {
      std::memcpy(&found.master, RTA_DATA(master), sizeof(uint32_t));
    }
    link = found;
  });
  if (!outcome) return std::unexpected(outcome.error());
  if (outcome->error == ENODEV) return std::nullopt;
  if (outcome->error != 0) {
    return internalError(fmt::format("get link {}: {}", name, std::strerror(outcome->error)));
  }
  return link;
}

Result<void> RtNetlink::ensureBridge(const std::string& name) {
  Message request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  request.putStruct(ifinfomsg{});
  request.putString(IFLA_IFNAME, name);
  size_t linkInfo = request.beginNested(IFLA_LINKINFO);
  request.putString(IFLA_INFO_KIND, "bridge");
  request.endNested(linkInfo);
  return callChecked(request, "create bridge " + name, EEXIST);
}

Result<void> RtNetlink::setLinkUp(int index) {
  Message request(RTM_NEWLINK, 0);
  ifinfomsg info{};
  info.ifi_index = index;
  info.ifi_flags = IFF_UP;
  info.ifi_change = IFF_UP;
  request.putStruct(info);
  return callChecked(request, fmt::format("set link {} up", index));
}

Result<void> RtNetlink::addAddress(int index, uint32_t address, int prefixLength) {
  Message request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg info{};
  info.ifa_family = AF_INET;
  info.ifa_prefixlen = static_cast<unsigned char>(prefixLength);
  info.ifa_scope = RT_SCOPE_UNIVERSE;
  info.ifa_index = static_cast<uint32_t>(index);
  request.putStruct(info);
  request.putU32(IFA_LOCAL, address);
  request.putU32(IFA_ADDRESS, address);
  return callChecked(request, fmt::format("add address to link {}", index), EEXIST);
}

Result<void> RtNetlink::addDefaultRoute(uint32_t gateway) {
  Message request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  rtmsg route{};
  route.rtm_family = AF_INET;
  route.rtm_table = RT_TABLE_MAIN;
  route.rtm_protocol = RTPROT_BOOT;
  route.rtm_scope = RT_SCOPE_UNIVERSE;
  route.rtm_type = RTN_UNICAST;
  request.putStruct(route);
  request.putU32(RTA_GATEWAY, gateway);
  return callChecked(request, "add default route");
}

Result<void> RtNetlink::createVethPair(const std::string& hostName, int masterIndex, const std::string& peerName,
                                       int peerNetnsFd, const MacAddress& peerMac) {
  Message request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg up{};
  up.ifi_flags = IFF_UP;
  up.ifi_change = IFF_UP;
  request.putStruct(up);
  request.putString(IFLA_IFNAME, hostName);
  request.putU32(IFLA_MASTER, static_cast<uint32_t>(masterIndex));
  size_t linkInfo = request.beginNested(IFLA_LINKINFO);
  request.putString(IFLA_INFO_KIND, "veth");
  size_t infoData = request.beginNested(IFLA_INFO_DATA);
  size_t peer = request.beginNested(VETH_INFO_PEER);
  request.putStruct(ifinfomsg{});  // up only once paired: the kernel refuses to open a lone veth
  request.putString(IFLA_IFNAME, peerName);
  request.putU32(IFLA_NET_NS_FD, static_cast<uint32_t>(peerNetnsFd));
  request.putAttribute(IFLA_ADDRESS, peerMac.data(), peerMac.size());
  request.endNested(peer);
  request.endNested(infoData);
  request.endNested(linkInfo);
  return callChecked(request, "create veth " + hostName);
}

Result<void> RtNetlink::deleteLink(const std::string& name) {
  Message request(RTM_DELLINK, 0);
  request.putStruct(ifinfomsg{});
  request.putString(IFLA_IFNAME, name);
  return callChecked(request, "delete link " + name, ENODEV);
}

}  // namespace wharf::agent
