// Runs as root against the real kernel: namespaces, a test-only bridge and subnet, a temp state dir.
#include "agent/network/network_manager.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

namespace wharf::agent {
namespace {

namespace fs = std::filesystem;

// A forked child running inside a network namespace; killed and reaped when the guard goes, so a
// failing test leaves nothing behind. It reports to the parent through a pipe.
class NetnsChild {
 public:
  NetnsChild(const std::string& netnsPath, const std::function<void(int out)>& body) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      int netns = ::open(netnsPath.c_str(), O_RDONLY);
      if (netns < 0 || ::setns(netns, CLONE_NEWNET) != 0) ::_exit(2);
      body(fds[1]);
      ::_exit(0);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~NetnsChild() {
    if (out_ >= 0) ::close(out_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Everything the child wrote, up to its exit.
  std::string readAll() {
    std::string text;
    char chunk[256];
    ssize_t n;
    while ((n = ::read(out_, chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<size_t>(n));
    return text;
  }
  bool readExactly(void* data, size_t size) { return ::read(out_, data, size) == static_cast<ssize_t>(size); }
  int wait() {
    int status = 0;
    ::waitpid(std::exchange(pid_, -1), &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// Listens on an ephemeral TCP port inside the namespace, sends the port to the parent, then greets
// one connection.
void serveOneGreeting(int out) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::_exit(3);
  }
  uint16_t port = ntohs(address.sin_port);
  if (::write(out, &port, sizeof port) != sizeof port) ::_exit(4);
  int connection = ::accept(listener, nullptr, nullptr);
  if (connection < 0 || ::write(connection, "hello", 5) != 5) ::_exit(5);
  ::close(connection);
}

// Connects from the host and returns what the peer sent before closing.
std::string fetchGreeting(const std::string& ip, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval guard{10, 0};  // only so a broken network fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &guard, sizeof guard);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  std::string text;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    char chunk[64];
    ssize_t n;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string runCommand(const std::string& command) {
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char chunk[256];
    while (size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
    ::pclose(pipe);
  }
  return output;
}

class NetworkManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "network tests need root";
    char pattern[] = "/tmp/wharf-network-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    stateDir_ = pattern;
    bridge_ = fmt::format("wharft{}", ::getpid());
    subnetPrefix_ = fmt::format("10.123.{}", ::getpid() % 250);
  }

  // Cleans up without trusting the code under test.
  void TearDown() override {
    std::string netnsDir = stateDir_ + "/netns";
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(netnsDir, error)) ::umount2(entry.path().c_str(), MNT_DETACH);
    ::umount2(netnsDir.c_str(), MNT_DETACH);
    std::istringstream ports(runCommand(fmt::format("ip -o link show master {} 2>/dev/null", bridge_)));
    for (std::string line; std::getline(ports, line);) {
      // "7: wh0a7b0002@if2: <...": the name sits between the first ": " and the '@'.
      auto begin = line.find(": ");
      auto end = line.find_first_of("@:", begin + 2);
      if (begin != std::string::npos && end != std::string::npos) {
        runCommand(fmt::format("ip link del {} 2>/dev/null", line.substr(begin + 2, end - begin - 2)));
      }
    }
    runCommand(fmt::format("ip link del {} 2>/dev/null", bridge_));
    fs::remove_all(stateDir_, error);
  }

  std::unique_ptr<NetworkManager> makeManager(const std::string& prefixLength = "24") {
    auto manager = makeNetworkManager({bridge_, fmt::format("{}.0/{}", subnetPrefix_, prefixLength), stateDir_});
    EXPECT_TRUE(manager) << manager.error().message;
    return manager ? std::move(*manager) : nullptr;
  }

  std::string ip(int host) const { return fmt::format("{}.{}", subnetPrefix_, host); }

  void expectReachable(const NetworkAttachment& attachment) {
    NetnsChild server(attachment.netnsPath, serveOneGreeting);
    uint16_t port = 0;
    ASSERT_TRUE(server.readExactly(&port, sizeof port)) << "listener did not start in " << attachment.netnsPath;
    EXPECT_EQ(fetchGreeting(attachment.ipv4, port), "hello") << "from " << attachment.ipv4 << ":" << port;
    EXPECT_EQ(server.wait(), 0);
  }

  std::string stateDir_;
  std::string bridge_;
  std::string subnetPrefix_;
};

TEST_F(NetworkManagerTest, HostModeSharesTheHostNetwork) {
  auto manager = makeManager();
  ASSERT_TRUE(manager);
  auto attachment = manager->attach("hosttask", NetworkMode::kHost, {{8080, 8080, "tcp"}});
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_TRUE(attachment->netnsPath.empty());
  EXPECT_TRUE(attachment->ipv4.empty());
}

TEST_F(NetworkManagerTest, BridgeModeIsNotSupportedYet) {
  auto manager = makeManager();
  ASSERT_TRUE(manager);
  auto attachment = manager->attach("bridgetask", NetworkMode::kBridge, {});
  ASSERT_FALSE(attachment);
  EXPECT_EQ(attachment.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(attachment.error().message.find("not supported"), std::string::npos);
}

TEST_F(NetworkManagerTest, RejectsBadTaskIdsAndPorts) {
  auto manager = makeManager();
  ASSERT_TRUE(manager);
  for (const char* id : {"", "..", "a/b", "a b"}) {
    auto attachment = manager->attach(id, NetworkMode::kAwsvpc, {});
    ASSERT_FALSE(attachment) << id;
    EXPECT_EQ(attachment.error().code, ErrorCode::kInvalidArgument);
  }
  auto mismatched = manager->attach("porttask", NetworkMode::kAwsvpc, {{80, 8080, "tcp"}});
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(manager->attach("porttask", NetworkMode::kAwsvpc, {{80, 0, "sctp"}}));
  EXPECT_FALSE(fs::exists(stateDir_ + "/netns/porttask"));
}

TEST_F(NetworkManagerTest, NoneModeHasOnlyLoopbackUp) {
  auto manager = makeManager();
  ASSERT_TRUE(manager);
  auto attachment = manager->attach("nonetask", NetworkMode::kNone, {});
  ASSERT_TRUE(attachment) << attachment.error().message;
  EXPECT_EQ(attachment->netnsPath, stateDir_ + "/netns/nonetask");
  EXPECT_TRUE(attachment->ipv4.empty());

  NetnsChild lister(attachment->netnsPath, [](int out) {
    int probe = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (struct if_nameindex* names = ::if_nameindex()) {
      for (auto* entry = names; entry->if_index != 0; ++entry) {
        ifreq request{};
        std::snprintf(request.ifr_name, sizeof request.ifr_name, "%s", entry->if_name);
        bool up = ::ioctl(probe, SIOCGIFFLAGS, &request) == 0 && (request.ifr_flags & IFF_UP);
        std::string line = fmt::format("{}:{}\n", entry->if_name, up ? "up" : "down");
        if (::write(out, line.data(), line.size()) < 0) ::_exit(3);
      }
    }
  });
  EXPECT_EQ(lister.readAll(), "lo:up\n");
  EXPECT_EQ(lister.wait(), 0);
}

TEST_F(NetworkManagerTest, AwsvpcTasksGetDistinctAddressesReachableFromTheHost) {
  auto manager = makeManager();
  ASSERT_TRUE(manager);
  auto first = manager->attach("taska", NetworkMode::kAwsvpc, {{8080, 8080, "tcp"}});
  ASSERT_TRUE(first) << first.error().message;
  auto second = manager->attach("taskb", NetworkMode::kAwsvpc, {{8080, 0, "tcp"}});
  ASSERT_TRUE(second) << second.error().message;

  EXPECT_EQ(first->ipv4, ip(2));
  EXPECT_EQ(second->ipv4, ip(3));
  EXPECT_EQ(first->gateway, ip(1));
  EXPECT_EQ(first->prefixLength, 24);
  EXPECT_NE(first->netnsPath, second->netnsPath);
  EXPECT_NE(first->macAddress, second->macAddress);
  EXPECT_EQ(first->macAddress.size(), 17u);
  EXPECT_NE(runCommand(fmt::format("ip -o -4 addr show dev {}", bridge_)).find(ip(1) + "/24"), std::string::npos);

  expectReachable(*first);
  expectReachable(*second);
}

TEST_F(NetworkManagerTest, AttachIsIdempotentAlsoAfterARestart) {
  NetworkAttachment original;
  {
    auto manager = makeManager();
    ASSERT_TRUE(manager);
    auto attached = manager->attach("sticky", NetworkMode::kAwsvpc, {});
    ASSERT_TRUE(attached) << attached.error().message;
    original = *attached;
    auto again = manager->attach("sticky", NetworkMode::kAwsvpc, {});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->ipv4, original.ipv4);
    ASSERT_TRUE(manager->attach("nonesticky", NetworkMode::kNone, {}));
  }
  auto restarted = makeManager();
  ASSERT_TRUE(restarted);
  auto again = restarted->attach("sticky", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->ipv4, original.ipv4);
  EXPECT_EQ(again->macAddress, original.macAddress);
  EXPECT_EQ(again->netnsPath, original.netnsPath);
  auto other = restarted->attach("newcomer", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(other);
  EXPECT_NE(other->ipv4, original.ipv4);
  EXPECT_TRUE(restarted->attach("nonesticky", NetworkMode::kNone, {}));
  auto wrongMode = restarted->attach("nonesticky", NetworkMode::kAwsvpc, {});
  ASSERT_FALSE(wrongMode);
  EXPECT_EQ(wrongMode.error().code, ErrorCode::kConflict);
  expectReachable(*again);
}

TEST_F(NetworkManagerTest, AttachRebuildsANetworkThatLostItsInterface) {
  auto manager = makeManager();
  ASSERT_TRUE(manager);
  auto attached = manager->attach("rebuilt", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(attached);
  std::string hostEnd = runCommand(fmt::format("ip -o link show master {} | cut -d' ' -f2 | cut -d@ -f1", bridge_));
  ASSERT_FALSE(hostEnd.empty());
  runCommand(fmt::format("ip link del {}", hostEnd));
  auto again = manager->attach("rebuilt", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->ipv4, attached->ipv4);
  expectReachable(*again);
}

TEST_F(NetworkManagerTest, DetachRemovesTheNetworkAndFreesTheAddress) {
  auto manager = makeManager();
  ASSERT_TRUE(manager);
  auto first = manager->attach("first", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(first);
  ASSERT_TRUE(manager->attach("second", NetworkMode::kAwsvpc, {}));
  auto none = manager->attach("quiet", NetworkMode::kNone, {});
  ASSERT_TRUE(none);

  ASSERT_TRUE(manager->detach("first"));
  EXPECT_FALSE(fs::exists(first->netnsPath));
  EXPECT_EQ(runCommand(fmt::format("ip -o link show master {} | wc -l", bridge_)), "1\n");
  ASSERT_TRUE(manager->detach("first"));  // idempotent
  ASSERT_TRUE(manager->detach("unknown"));
  ASSERT_TRUE(manager->detach("quiet"));
  EXPECT_FALSE(fs::exists(none->netnsPath));

  auto reused = makeManager()->attach("third", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(reused) << reused.error().message;
  EXPECT_EQ(reused->ipv4, first->ipv4);
  expectReachable(*reused);
}

TEST_F(NetworkManagerTest, ExhaustedPoolIsAnErrorUntilAnAddressIsFreed) {
  auto manager = makeManager("29");  // five task addresses
  ASSERT_TRUE(manager);
  std::set<std::string> addresses;
  for (int i = 0; i < 5; ++i) {
    auto attached = manager->attach(fmt::format("t{}", i), NetworkMode::kAwsvpc, {});
    ASSERT_TRUE(attached) << attached.error().message;
    addresses.insert(attached->ipv4);
  }
  EXPECT_EQ(addresses.size(), 5u);
  auto exhausted = manager->attach("t5", NetworkMode::kAwsvpc, {});
  ASSERT_FALSE(exhausted);
  EXPECT_EQ(exhausted.error().code, ErrorCode::kLimitExceeded);
  EXPECT_FALSE(fs::exists(stateDir_ + "/netns/t5"));

  ASSERT_TRUE(manager->detach("t3"));
  auto attached = manager->attach("t5", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(attached) << attached.error().message;
  EXPECT_EQ(attached->ipv4, ip(5));
}

TEST_F(NetworkManagerTest, AnAddressOutsideANewSubnetIsAConflict) {
  {
    auto wide = makeManager("24");
    ASSERT_TRUE(wide);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(wide->attach(fmt::format("w{}", i), NetworkMode::kAwsvpc, {}));
  }
  auto narrow = makeManager("29");  // w5 holds .7, the narrow subnet's broadcast address
  ASSERT_TRUE(narrow);
  auto moved = narrow->attach("w5", NetworkMode::kAwsvpc, {});
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::kConflict);
  auto kept = narrow->attach("w0", NetworkMode::kAwsvpc, {});
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->ipv4, ip(2));
  EXPECT_TRUE(narrow->detach("w5"));
}

TEST_F(NetworkManagerTest, ConcurrentManagersNeverShareAnAddress) {
  // Two managers on one state dir stand for two processes: only the file lock keeps them apart.
  auto left = makeManager();
  auto right = makeManager();
  ASSERT_TRUE(left && right);
  constexpr int kPerThread = 4;
  std::vector<std::string> results(2 * kPerThread);
  auto run = [&](NetworkManager* manager, int offset) {
    for (int i = 0; i < kPerThread; ++i) {
      auto attached = manager->attach(fmt::format("c{}", offset + i), NetworkMode::kAwsvpc, {});
      results[offset + i] = attached ? attached->ipv4 : attached.error().message;
    }
  };
  std::thread a(run, left.get(), 0);
  std::thread b(run, right.get(), kPerThread);
  a.join();
  b.join();
  std::set<std::string> distinct(results.begin(), results.end());
  EXPECT_EQ(distinct.size(), results.size());
  for (const std::string& address : results) EXPECT_EQ(address.rfind(subnetPrefix_ + ".", 0), 0u) << address;
}

}  // namespace
}  // namespace wharf::agent
