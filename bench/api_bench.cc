// API throughput: authenticated requests per second over keep-alive connections, against moto's
// server answering DescribeClusters in the same run; prints medians and the ratio. By default the
// target is an in-process HttpServer with a DescribeClusters handler (the API edge alone); with
// --port it is a running `wharf server` and any call (bench/ecs_api_bench.py uses DescribeTasks); with
// --no-peer it only drives that call and reports the count, for scripts that bring their own peer
// (bench/sfn_bench.py drives StartExecution at wharf and at moto that way).
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "api/sigv4.h"
#include "common/time_format.h"

extern char** environ;

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

wharf::api::Credential kKey{"AKIAWHARFBENCH000001", "YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNo", "123456789012"};
constexpr std::string_view kClustersTarget = "AmazonEC2ContainerServiceV20141113.DescribeClusters";
constexpr std::string_view kClustersBody = R"({"clusters":["default"]})";

// One signed request, serialized once: the client's cost stays out of the measurement while the
// server still verifies every request in full.
std::string signedRequest(uint16_t port, std::string_view target, std::string_view body,
                          std::string_view service = "ecs") {
  std::string amzDate = wharf::toAmzDate(std::chrono::system_clock::now());
  http::request<http::string_body> req(http::verb::post, "/", 11);
  req.set(http::field::host, fmt::format("127.0.0.1:{}", port));
  req.set(http::field::content_type, "application/x-amz-json-1.1");
  req.set("X-Amz-Date", amzDate);
  req.set("X-Amz-Target", target);
  req.body() = std::string(body);
  req.prepare_payload();
  wharf::api::SignedRequest s{"POST", "/", {}, req.body()};
  for (const auto& f : req) s.headers.emplace_back(f.name_string(), f.value());
  req.set(http::field::authorization,
          wharf::api::sigv4::authorizationHeader(s, kKey, amzDate, "us-east-1", service,
                                                 "content-type;host;x-amz-date;x-amz-target"));
  std::ostringstream out;
  out << req;
  return out.str();
}

struct LoadResult {
  long requests = 0;
  double seconds = 0;
  double rate() const { return static_cast<double>(requests) / seconds; }
};

// Drives `connections` keep-alive connections for `seconds`.
LoadResult load(uint16_t port, int connections, double seconds, const std::string& request) {
  net::io_context ioc;
  std::atomic<long> done{0}, failed{0};
  auto deadline = SteadyClock::now() + std::chrono::duration<double>(seconds);
  struct Conn {
    // A large buffer up front: reads then take a whole response per syscall instead of 512 bytes.
    explicit Conn(net::io_context& ioc) : stream(ioc) { buffer.reserve(256 * 1024); }
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
  };
  std::vector<std::unique_ptr<Conn>> conns;
  const tcp::endpoint server(net::ip::make_address("127.0.0.1"), port);
  std::function<void(Conn&)> next = [&](Conn& c) {
    if (SteadyClock::now() >= deadline) return;
    c.stream.expires_after(std::chrono::seconds(10));
    net::async_write(c.stream, net::buffer(request), [&](boost::beast::error_code ec, size_t) {
      if (ec) return void(++failed);
      c.res = {};
      http::async_read(c.stream, c.buffer, c.res, [&](boost::beast::error_code ec, size_t) {
        if (ec || c.res.result() != http::status::ok) return void(++failed);
        ++done;
        if (c.res.keep_alive()) return next(c);
        // moto answers "Connection: close": it pays a new connection per request.
        c.stream.close();
        c.buffer.clear();
        c.stream.async_connect(server, [&](boost::beast::error_code ec) {
          if (ec) return void(++failed);
          c.stream.socket().set_option(tcp::no_delay(true));
          next(c);
        });
      });
    });
  };
  for (int i = 0; i < connections; ++i) {
    conns.push_back(std::make_unique<Conn>(ioc));
    conns.back()->stream.connect(server);
    conns.back()->stream.socket().set_option(tcp::no_delay(true));
  }
  auto start = SteadyClock::now();
  for (auto& c : conns) next(*c);
  ioc.run();
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (failed) fmt::print(stderr, "api_bench: {} requests failed\n", failed.load());
  return {done.load(), elapsed};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

uint16_t freePort() {
  net::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// moto's standalone server, stopped by pid when this goes out of scope.
class Moto {
 public:
  explicit Moto(uint16_t port) : port_(port) {
    std::string p = std::to_string(port);
    const char* argv[] = {"python3", "-m", "moto.server", "-p", p.c_str(), nullptr};
    posix_spawn_file_actions_t quiet;  // moto logs every request
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid_, "python3", &quiet, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&quiet);
  }
  ~Moto() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  uint16_t port() const { return port_; }
  // Waits until moto answers, then creates the cluster DescribeClusters will report.
  bool ready() {
    for (int i = 0; pid_ > 0 && i < 200; ++i) {
      try {
        net::io_context ioc;
        tcp::socket s(ioc);
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
        net::write(s, net::buffer(signedRequest(port_, "AmazonEC2ContainerServiceV20141113.CreateCluster",
                                                R"({"clusterName":"default"})")));
        boost::beast::flat_buffer b;
        http::response<http::string_body> res;
        http::read(s, b, res);
        return res.result() == http::status::ok;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    return false;
  }

 private:
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  int runs = 5, connections = 16, ioThreads = 2;
  std::string endpointPort, operation = "DescribeClusters", body(kClustersBody), target, service = "ecs";
  bool noPeer = false;
  CLI::App app{"API throughput vs moto"};
  app.add_option("--seconds", seconds, "length of each run");
  app.add_option("--runs", runs, "runs per server; medians are reported");
  app.add_option("--connections", connections, "keep-alive connections");
  app.add_option("--io-threads", ioThreads, "in-process HttpServer I/O threads");
  app.add_option("--port", endpointPort, "port of a running wharf server on 127.0.0.1 (default: in-process)");
  app.add_option("--access-key", kKey.accessKeyId, "with --port: the server's access key");
  app.add_option("--secret-key", kKey.secretAccessKey, "with --port: the server's secret key");
  app.add_option("--operation", operation, "with --port: ECS operation to call");
  app.add_option("--body", body, "with --port: JSON body of the call");
  app.add_option("--target", target, "with --port: X-Amz-Target of the call (default: the ECS --operation)");
  app.add_option("--service", service, "with --port: service name the request is signed for");
  app.add_flag("--no-peer", noPeer, "with --port: do not run moto; print the requests completed");
  CLI11_PARSE(app, argc, argv);

  wharf::SystemClock clock;
  wharf::api::StaticCredentialStore credentials({kKey});
  wharf::api::Router router;
  router.add("AmazonEC2ContainerServiceV20141113", "DescribeClusters",
             [](const wharf::api::RequestContext& ctx, const boost::json::object&) {
               boost::json::object cluster{
                   {"clusterArn", "arn:aws:ecs:" + ctx.region + ":" + ctx.accountId + ":cluster/default"},
                   {"clusterName", "default"},
                   {"status", "ACTIVE"},
                   {"registeredContainerInstancesCount", 0},
                   {"runningTasksCount", 0},
                   {"pendingTasksCount", 0},
                   {"activeServicesCount", 0}};
               return wharf::Result<boost::json::value>(
                   boost::json::object{{"clusters", boost::json::array{cluster}}, {"failures", boost::json::array{}}});
             });
  wharf::api::HttpServerConfig config;
  config.port = 0;
  config.ioThreads = ioThreads;
  wharf::api::HttpServer server(config, router, credentials, clock);
  uint16_t wharfPort = 0;
  if (endpointPort.empty()) {
    auto endpoint = server.start();
    if (!endpoint) {
      fmt::print(stderr, "api_bench: {}\n", endpoint.error().message);
      return 1;
    }
    wharfPort = endpoint->port();
  } else {
    wharfPort = static_cast<uint16_t>(std::stoi(endpointPort));
  }
  if (target.empty()) target = "AmazonEC2ContainerServiceV20141113." + operation;
  const std::string request = signedRequest(wharfPort, target, body, service);
  if (noPeer) {
    LoadResult r = load(wharfPort, connections, seconds, request);
    fmt::print("{} requests in {:.3f}s: {:.0f} req/s\n", r.requests, r.seconds, r.rate());
    return 0;
  }
  Moto moto(freePort());
  bool motoUp = moto.ready();
  if (!motoUp) fmt::print(stderr, "api_bench: moto server did not start; reporting wharf only\n");
  const std::string motoRequest = signedRequest(moto.port(), kClustersTarget, kClustersBody);

  std::vector<double> wharfRates, motoRates;
  try {
    for (int i = 0; i < runs; ++i) {
      wharfRates.push_back(load(wharfPort, connections, seconds, request).rate());
      if (motoUp) motoRates.push_back(load(moto.port(), connections, seconds, motoRequest).rate());
    }
  } catch (const std::exception& e) {  // returning (not aborting) lets ~Moto stop the moto server
    fmt::print(stderr, "api_bench: {}\n", e.what());
    return 1;
  }
  double w = median(wharfRates);
  fmt::print("api {} on {} (SigV4, {} connections, {} runs of {}s, medians)\n", operation,
             endpointPort.empty() ? "in-process HttpServer" : "wharf server", connections, runs, seconds);
  fmt::print("  wharf:                  {:>10.0f} req/s\n", w);
  if (motoUp) {
    double m = median(motoRates);
    fmt::print("  moto DescribeClusters:  {:>10.0f} req/s\n  ratio:                  {:>10.1f}x\n", m, w / m);
  }
  server.stop();
  return 0;
}
