// In-process ASL interpretation: executions/s of a 10-state Pass chain, ms for
// Pass -> Choice -> Map(1,000 items) -> Succeed, and memory per running execution, compared in the
// same invocation with the npm interpreter aws-local-stepfunctions (run by Node, see package.json).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/clock.h"
#include "common/ids.h"
#include "sfn/asl/definition.h"
#include "sfn/asl/execution.h"
#include "sfn/asl/json_text.h"

namespace {

using namespace wharf;
using namespace wharf::asl;
using Seconds = std::chrono::duration<double>;

std::string passChainDefinition() {
  std::string states;
  for (int i = 0; i < 10; ++i) {
    states += fmt::format(R"({}"S{}":{{"Type":"Pass",{}}})", i ? "," : "", i,
                          i == 9 ? R"("End":true)" : fmt::format(R"("Next":"S{}")", i + 1));
  }
  return fmt::format(R"({{"StartAt":"S0","States":{{{}}}}})", states);
}

const char* kMapDefinition = R"({"StartAt":"Prepare","States":{
  "Prepare":{"Type":"Pass","Next":"Route"},
  "Route":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"Each"}],"Default":"Done"},
  "Each":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Item","States":{"Item":{"Type":"Pass","End":true}}},
          "Next":"Done"},
  "Done":{"Type":"Succeed"}}})";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

ExecutionInfo info() {
  return {"arn:aws:states:us-east-1:111111111111:execution:sm:e",
          "e",
          "arn:aws:states:us-east-1:111111111111:stateMachine:sm",
          "sm",
          "arn:aws:iam::111111111111:role/r",
          "us-east-1"};
}

double passChainPerSecond(const DefinitionPtr& def, int runs) {
  ManualClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  auto ids = makeSequentialIdGenerator(1);
  boost::json::value input = {{"i", 1}};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) {
    Execution exec(def, info(), clock, *ids);
    exec.start(input);
    if (exec.status() != ExecutionStatus::kSucceeded) throw std::runtime_error("pass chain did not succeed");
  }
  return runs / Seconds(std::chrono::steady_clock::now() - start).count();
}

double mapMilliseconds(const DefinitionPtr& def, const boost::json::value& input) {
  ManualClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  auto ids = makeSequentialIdGenerator(1);
  auto start = std::chrono::steady_clock::now();
  Execution exec(def, info(), clock, *ids);
  exec.start(input);
  if (exec.status() != ExecutionStatus::kSucceeded || exec.output().as_array().size() != 1000)
    throw std::runtime_error("map did not succeed");
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Executions blocked in a Wait state after a few Pass states: the resident memory each one holds.
double bytesPerRunningExecution(int count) {
  auto def = parseDefinition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"k":"v"},"Next":"B"},
    "B":{"Type":"Pass","Next":"W"},"W":{"Type":"Wait","Seconds":3600,"End":true}}})");
  ManualClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  auto ids = makeSequentialIdGenerator(1);
  boost::json::value input = {{"order", 42}, {"customer", "c-1"}};
  std::vector<std::unique_ptr<Execution>> running;
  running.reserve(static_cast<size_t>(count));
  size_t before = residentBytes();
  for (int i = 0; i < count; ++i) {
    running.push_back(std::make_unique<Execution>(*def, info(), clock, *ids));
    running.back()->start(input);
  }
  return static_cast<double>(residentBytes() - before) / count;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ASL interpreter benchmark against aws-local-stepfunctions"};
  int passRuns = 20000, mapRuns = 7, peerPassRuns = 2000;
  std::string benchDir = std::filesystem::path(__FILE__).parent_path().string();
  app.add_option("--pass-runs", passRuns, "Pass-chain executions per measurement");
  app.add_option("--map-runs", mapRuns, "Map executions (median reported)");
  app.add_option("--peer-pass-runs", peerPassRuns, "Pass-chain executions per measurement for the peer");
  app.add_option("--bench-dir", benchDir, "directory holding asl_bench_peer.mjs and node_modules");
  std::string only;
  app.add_option("--only", only, "run one workload alone, without warm-up or peer (for a profiler)")
      ->check(CLI::IsMember({"pass", "map"}));
  CLI11_PARSE(app, argc, argv);

  auto passDef = parseDefinition(passChainDefinition());
  auto mapDef = parseDefinition(kMapDefinition);
  if (!passDef || !mapDef) return 1;
  boost::json::array items;
  for (int i = 0; i < 1000; ++i) items.push_back(boost::json::object{{"id", i}});
  boost::json::value mapInput = {{"go", true}, {"items", items}};
  if (only == "pass") {
    fmt::print("wharf asl   pass chain (10 states): {:>10.0f} executions/s\n", passChainPerSecond(*passDef, passRuns));
    return 0;
  }
  if (only == "map") {
    for (int r = 0; r < mapRuns; ++r)
      fmt::print("wharf asl   Map(1000): {:.2f} ms\n", mapMilliseconds(*mapDef, mapInput));
    return 0;
  }

  passChainPerSecond(*passDef, passRuns / 10);  // warm-up
  std::vector<double> passRates, mapTimes;
  for (int r = 0; r < 5; ++r) passRates.push_back(passChainPerSecond(*passDef, passRuns));
  for (int r = 0; r < mapRuns; ++r) mapTimes.push_back(mapMilliseconds(*mapDef, mapInput));
  double bytes = bytesPerRunningExecution(10000);
  fmt::print("wharf asl   pass chain (10 states): {:>10.0f} executions/s (median of 5)\n", median(passRates));
  fmt::print("wharf asl   Pass->Choice->Map(1000)->Succeed: {:>8.2f} ms (median of {})\n", median(mapTimes), mapRuns);
  fmt::print("wharf asl   memory per running execution: {:.0f} bytes (10,000 executions waiting)\n", bytes);

  auto tmp = std::filesystem::temp_directory_path() / fmt::format("asl_bench_{}", getpid());
  std::filesystem::create_directories(tmp);
  std::ofstream(tmp / "pass.json") << passChainDefinition();
  std::ofstream(tmp / "map.json") << kMapDefinition;
  std::string cmd = fmt::format("cd '{}' && node asl_bench_peer.mjs '{}' '{}' {} {} 2>/dev/null", benchDir,
                                (tmp / "pass.json").string(), (tmp / "map.json").string(), peerPassRuns, mapRuns);
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
  }
  std::filesystem::remove_all(tmp);
  auto peer = parseJsonText(out.substr(0, out.find_last_not_of('\n') + 1));
  if (!peer || !peer->is_object()) {
    fmt::print("peer aws-local-stepfunctions: not run (npm install --prefix {} first); output: {}\n", benchDir, out);
    return 0;
  }
  auto values = [&](const char* key) {
    std::vector<double> v;
    for (const auto& x : peer->at(key).as_array()) v.push_back(x.to_number<double>());
    return median(v);
  };
  double peerPass = values("passRates"), peerMap = values("mapTimes");
  fmt::print("aws-local-stepfunctions pass chain: {:>10.0f} executions/s; Map(1000): {:>8.2f} ms\n", peerPass, peerMap);
  fmt::print("ratio (wharf / peer): pass chain {:.1f}x faster; Map {:.1f}x faster\n", median(passRates) / peerPass,
             peerMap / median(mapTimes));
  return 0;
}
