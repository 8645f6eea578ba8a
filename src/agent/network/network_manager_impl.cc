// NetworkManager on one Linux node: named namespaces under the state directory, a veth per awsvpc
// task on a bridge holding the subnet's first address, and the allocations file as the truth.
#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>

#include "agent/network/ipv4_subnet.h"
#include "agent/network/named_netns.h"
#include "agent/network/network_manager.h"
#include "agent/network/network_state.h"
#include "agent/network/rt_netlink.h"

namespace wharf::agent {

namespace {

constexpr const char* kTaskInterface = "eth0";
constexpr size_t kMaxTaskIdLength = 128;

Result<void> validateTaskId(const std::string& taskId) {
  bool valid = !taskId.empty() && taskId.size() <= kMaxTaskIdLength && taskId != "." && taskId != ".." &&
               std::all_of(taskId.begin(), taskId.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
               });
  if (!valid) return invalidParameter(fmt::format("invalid task id '{}' for networking", taskId));
  return {};
}

// In awsvpc mode the task owns its address, so a host port can only be the container port.
Result<void> validateAwsvpcPorts(const std::vector<PortSpec>& ports) {
  for (const PortSpec& port : ports) {
    if (port.containerPort < 1 || port.containerPort > 65535) {
      return invalidParameter(fmt::format("container port {} is out of range", port.containerPort));
    }
    if (port.hostPort != 0 && port.hostPort != port.containerPort) {
      return invalidParameter(fmt::format("host port {} must equal container port {} in awsvpc network mode",
                                          port.hostPort, port.containerPort));
    }
    if (port.protocol != "tcp" && port.protocol != "udp") {
      return invalidParameter(fmt::format("unsupported protocol '{}'", port.protocol));
    }
  }
  return {};
}

// Derived from the address, so a reused address keeps its MAC and neighbours' caches stay right
// (0a:58 is locally administered, unicast).
MacAddress macFor(uint32_t address) {
  return {0x0a,
          0x58,
          static_cast<uint8_t>(address >> 24),
          static_cast<uint8_t>(address >> 16),
          static_cast<uint8_t>(address >> 8),
          static_cast<uint8_t>(address)};
}

// Unique per address and within IFNAMSIZ.
std::string hostVethName(uint32_t address) { return fmt::format("wh{:08x}", address); }

class NetworkManagerImpl final : public NetworkManager {
 public:
  NetworkManagerImpl(NetworkConfig config, Ipv4Subnet subnet, NetworkState state, RtNetlink host)
      : config_(std::move(config)), subnet_(subnet), state_(std::move(state)), host_(std::move(host)) {}

  Result<NetworkAttachment> attach(const std::string& taskId, NetworkMode mode,
                                   const std::vector<PortSpec>& ports) override {
    if (mode == NetworkMode::kHost) return NetworkAttachment{};
    if (mode == NetworkMode::kBridge) {
      return invalidParameter("network mode 'bridge' is not supported yet; use awsvpc, host or none");
    }
    if (auto valid = validateTaskId(taskId); !valid) return std::unexpected(valid.error());
    if (mode == NetworkMode::kAwsvpc) {
      if (auto valid = validateAwsvpcPorts(ports); !valid) return std::unexpected(valid.error());
    }

    return withRecords<NetworkAttachment>(
        [&](TaskNetworkRecords& records) -> Result<NetworkAttachment> { return attachLocked(taskId, mode, records); });
  }

  Result<void> detach(const std::string& taskId) override {
    if (auto valid = validateTaskId(taskId); !valid) return std::unexpected(valid.error());
    return withRecords<void>([&](TaskNetworkRecords& records) -> Result<void> {
      auto existing = records.find(taskId);
      // Without a record there can still be a namespace from an attach() cut short by a crash.
      TaskNetworkRecord record = existing == records.end() ? TaskNetworkRecord{} : existing->second;
      if (auto removed = teardown(taskId, record); !removed) return removed;
      if (existing == records.end()) return {};
      records.erase(existing);
      return state_.save(records);
    });
  }

 private:
  // attach() once the task id and ports are valid and the records are held.
  Result<NetworkAttachment> attachLocked(const std::string& taskId, NetworkMode mode, TaskNetworkRecords& records) {
    auto existing = records.find(taskId);
    if (existing != records.end()) {
      if (existing->second.mode != mode) {
        return fail(ErrorCode::kConflict, "",
                    fmt::format("task {} is already attached in another network mode", taskId));
      }
      if (mode == NetworkMode::kAwsvpc && !isOurAddress(existing->second.ipv4)) {
        return fail(ErrorCode::kConflict, "",
                    fmt::format("task {} holds {}, outside subnet {}; detach it first", taskId, existing->second.ipv4,
                                config_.subnet));
      }
      auto intact = isIntact(taskId, existing->second);
      if (!intact) return std::unexpected(intact.error());
      if (*intact) return attachmentFor(taskId, existing->second);
      // Half gone (a reboot, someone deleted a link): rebuild it with the same address.
      return build(taskId, existing->second);
    }

    TaskNetworkRecord record{mode, ""};
    if (mode == NetworkMode::kAwsvpc) {
      std::set<uint32_t> used;
      for (const auto& [id, other] : records) {
        if (auto address = parseIpv4(other.ipv4)) used.insert(*address);
      }
      auto address = subnet_.allocate(used);
      if (!address) return std::unexpected(address.error());
      record.ipv4 = formatIpv4(*address);
    }
    auto attachment = build(taskId, record);
    if (!attachment) return attachment;
    // Saved only once everything exists, so a record always means a complete network.
    records.emplace(taskId, record);
    if (auto saved = state_.save(records); !saved) {
      (void)teardown(taskId, record);
      return std::unexpected(saved.error());
    }
    return attachment;
  }

  // Runs `use` on the task records while holding the in-process and the cross-process lock.
  template <typename T, typename F>
  Result<T> withRecords(F&& use) {
    std::lock_guard guard(mutex_);
    auto lock = state_.lock();
    if (!lock) return std::unexpected(lock.error());
    auto records = state_.load();
    if (!records) return std::unexpected(records.error());
    return use(*records);
  }

  bool isOurAddress(const std::string& ipv4) const {
    auto address = parseIpv4(ipv4);
    return address && subnet_.isTaskAddress(*address);
  }

  std::string netnsPath(const std::string& taskId) const { return config_.stateDir + "/netns/" + taskId; }

  NetworkAttachment attachmentFor(const std::string& taskId, const TaskNetworkRecord& record) const {
    NetworkAttachment attachment{netnsPath(taskId), "", "", "", 0};
    if (auto address = parseIpv4(record.ipv4); record.mode == NetworkMode::kAwsvpc && address) {
      MacAddress mac = macFor(*address);
      attachment.ipv4 = record.ipv4;
      attachment.macAddress =
          fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
      attachment.gateway = formatIpv4(subnet_.gateway());
      attachment.prefixLength = subnet_.prefixLength();
    }
    return attachment;
  }

  // The bridge's index, creating and configuring the bridge when this manager first sees it.
  Result<int> ensureBridge() {
    auto link = host_.getLink(config_.bridgeName);
    if (!link) return std::unexpected(link.error());
    if (*link && (*link)->index == bridgeIndex_) return bridgeIndex_;
    if (!*link) {
      if (auto created = host_.ensureBridge(config_.bridgeName); !created) return std::unexpected(created.error());
      link = host_.getLink(config_.bridgeName);
      if (!link) return std::unexpected(link.error());
      if (!*link) return internalError(fmt::format("bridge {} vanished after creation", config_.bridgeName));
    }
    int index = (*link)->index;
    if (auto added = host_.addAddress(index, htonl(subnet_.gateway()), subnet_.prefixLength()); !added) {
      return std::unexpected(added.error());
    }
    if (auto up = host_.setLinkUp(index); !up) return std::unexpected(up.error());
    bridgeIndex_ = index;
    return index;
  }

  Result<bool> isIntact(const std::string& taskId, const TaskNetworkRecord& record) {
    if (!isNetnsMounted(netnsPath(taskId))) return false;
    if (record.mode != NetworkMode::kAwsvpc) return true;
    auto address = parseIpv4(record.ipv4);
    if (!address) return std::unexpected(address.error());
    auto bridge = ensureBridge();
    if (!bridge) return std::unexpected(bridge.error());
    auto veth = host_.getLink(hostVethName(*address));
    if (!veth) return std::unexpected(veth.error());
    return veth->has_value() && (*veth)->master == *bridge;
  }

  Result<NetworkAttachment> build(const std::string& taskId, const TaskNetworkRecord& record) {
    if (auto removed = teardown(taskId, record); !removed) return std::unexpected(removed.error());
    auto built = record.mode == NetworkMode::kAwsvpc ? buildAwsvpc(taskId, record) : buildNone(taskId);
    if (!built) {
      (void)teardown(taskId, record);
      return std::unexpected(built.error());
    }
    return attachmentFor(taskId, record);
  }

  Result<NamedNetns> createTaskNetns(const std::string& taskId) {
    if (!netnsDirReady_) {
      if (auto prepared = prepareNetnsDir(config_.stateDir + "/netns"); !prepared) {
        return std::unexpected(prepared.error());
      }
      netnsDirReady_ = true;
    }
    return createNetns(netnsPath(taskId));
  }

  Result<void> buildNone(const std::string& taskId) {
    auto netns = createTaskNetns(taskId);
    if (!netns) return std::unexpected(netns.error());
    return {};
  }

  Result<void> buildAwsvpc(const std::string& taskId, const TaskNetworkRecord& record) {
    auto address = parseIpv4(record.ipv4);
    if (!address) return std::unexpected(address.error());
    auto bridge = ensureBridge();
    if (!bridge) return std::unexpected(bridge.error());
    auto netns = createTaskNetns(taskId);
    if (!netns) return std::unexpected(netns.error());
    if (auto veth =
            host_.createVethPair(hostVethName(*address), *bridge, kTaskInterface, netns->fd.get(), macFor(*address));
        !veth) {
      return veth;
    }
    auto eth0 = netns->netlink.getLink(kTaskInterface);
    if (!eth0) return std::unexpected(eth0.error());
    if (!*eth0) return internalError(fmt::format("{} missing in the namespace of task {}", kTaskInterface, taskId));
    if (auto up = netns->netlink.setLinkUp((*eth0)->index); !up) return up;
    if (auto added = netns->netlink.addAddress((*eth0)->index, htonl(*address), subnet_.prefixLength()); !added) {
      return added;
    }
    return netns->netlink.addDefaultRoute(htonl(subnet_.gateway()));
  }

  // Deleting the host end takes the task end with it at once, even while a container still holds
  // the namespace, so the address is free for reuse as soon as this returns.
  Result<void> teardown(const std::string& taskId, const TaskNetworkRecord& record) {
    if (record.mode == NetworkMode::kAwsvpc) {
      if (auto address = parseIpv4(record.ipv4)) {
        if (auto deleted = host_.deleteLink(hostVethName(*address)); !deleted) return deleted;
      }
    }
    return removeNetns(netnsPath(taskId));
  }

  const NetworkConfig config_;
  const Ipv4Subnet subnet_;
  std::mutex mutex_;  // guards everything below and serialises the host netlink socket
  NetworkState state_;
  RtNetlink host_;
  int bridgeIndex_ = 0;  // the bridge this manager has configured; 0 = none yet
  bool netnsDirReady_ = false;
};

}  // namespace

Result<std::unique_ptr<NetworkManager>> makeNetworkManager(const NetworkConfig& config) {
  if (config.stateDir.empty()) return invalidParameter("network state directory is not set");
  if (config.bridgeName.empty() || config.bridgeName.size() >= 16) {
    return invalidParameter(fmt::format("bridge name '{}' must have 1 to 15 characters", config.bridgeName));
  }
  auto subnet = Ipv4Subnet::parse(config.subnet);
  if (!subnet) return std::unexpected(subnet.error());
  auto state = NetworkState::open(config.stateDir);
  if (!state) return std::unexpected(state.error());
  auto host = RtNetlink::open();
  if (!host) return std::unexpected(host.error());
  return std::make_unique<NetworkManagerImpl>(config, *subnet, std::move(*state), std::move(*host));
}

}  // namespace wharf::agent
