// awsvpc task network setup and teardown: NetworkManager (rtnetlink) against the same network
// built with batched iproute2 commands, measured in the same run. Needs root; cleans up after itself.
#include <fmt/format.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "agent/network/network_manager.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kIterations = 50;

struct Stats {
  double p50 = 0;
  double p90 = 0;
};

Stats summarize(std::vector<double> millis) {
  std::sort(millis.begin(), millis.end());
  return {millis[millis.size() / 2], millis[millis.size() * 9 / 10]};
}

double timeIt(const std::function<bool()>& body) {
  auto start = Clock::now();
  if (!body()) {
    fmt::print(stderr, "network_bench: an operation failed\n");
    std::exit(1);
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool shell(const std::string& command) { return std::system(command.c_str()) == 0; }

void report(const char* what, const Stats& wharf, const Stats& peer) {
  fmt::print(
      "{:<8} wharf p50 {:6.2f} ms p90 {:6.2f} ms | ip -batch p50 {:6.2f} ms p90 {:6.2f} ms | ratio p50 {:.2f}x\n", what,
      wharf.p50, wharf.p90, peer.p50, peer.p90, wharf.p50 / peer.p50);
}

}  // namespace

int main() {
  using namespace wharf::agent;
  if (::geteuid() != 0) {
    fmt::print(stderr, "network_bench needs root\n");
    return 1;
  }
  std::string bridge = fmt::format("wharfb{}", ::getpid());
  std::string prefix = fmt::format("10.124.{}", ::getpid() % 250);
  char pattern[] = "/tmp/wharf-netbench-XXXXXX";
  std::string stateDir = ::mkdtemp(pattern);

  auto manager = makeNetworkManager({bridge, prefix + ".0/24", stateDir});
  if (!manager) {
    fmt::print(stderr, "network_bench: {}\n", manager.error().message);
    return 1;
  }
  std::vector<double> attach, detach, peerAttach, peerDetach;
  for (int i = 0; i < kIterations; ++i) {
    std::string task = fmt::format("bench{}", i);
    attach.push_back(timeIt([&] { return (*manager)->attach(task, NetworkMode::kAwsvpc, {}).has_value(); }));
    detach.push_back(timeIt([&] { return (*manager)->detach(task).has_value(); }));
  }

  // The peer: what a script would do with iproute2, batched into one process per namespace.
  for (int i = 0; i < kIterations; ++i) {
    std::string netns = fmt::format("wharfbench{}", i);
    std::string veth = fmt::format("whb{}", i);
    peerAttach.push_back(timeIt([&] {
      return shell(
          fmt::format("printf 'netns add {0}\\nlink add {1} type veth peer name eth0 netns {0}\\n"
                      "link set {1} master {2} up\\n' | ip -batch - && "
                      "printf 'link set lo up\\nlink set eth0 up\\naddr add {3}.{4}/24 dev eth0\\n"
                      "route add default via {3}.1\\n' | ip -n {0} -batch -",
                      netns, veth, bridge, prefix, 100 + i));
    }));
    peerDetach.push_back(timeIt(
        [&] { return shell(fmt::format("printf 'link del {1}\\nnetns del {0}\\n' | ip -batch -", netns, veth)); }));
  }

  report("attach", summarize(attach), summarize(peerAttach));
  report("detach", summarize(detach), summarize(peerDetach));

  manager->reset();
  shell(fmt::format("ip link del {}", bridge));
  ::umount2((stateDir + "/netns").c_str(), MNT_DETACH);
  std::filesystem::remove_all(stateDir);
  return 0;
}
