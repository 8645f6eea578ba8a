// Runs the recorded AWS Step Functions executions (shared/conformance/sfn) through the ASL
// interpreter in process, or, with --endpoint/--server, through a Wharf server over HTTP (cases
// whose integrations Wharf lacks stay in process), and compares them with the recordings.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "sfn/asl/json_text.h"
#include "sfn_http_runner.h"
#include "sfn_replay_runner.h"
#include "wharf_process.h"

namespace fs = std::filesystem;
using namespace wharf;
using namespace wharf::conformance;

namespace {

enum class Mode { kReplay, kHttp };

struct Case {
  std::string id;
  boost::json::object doc;
  Mode mode = Mode::kReplay;
  CaseResult result;
};

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
  void add(CaseResult::Kind k) {
    (k == CaseResult::Kind::kPassed ? passed : k == CaseResult::Kind::kFailed ? failed : skipped)++;
  }
  std::string text() const { return fmt::format("{} passed, {} failed, {} skipped", passed, failed, skipped); }
};

void loadKnownFailures(const std::string& path, std::map<std::string, std::string>& out) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    std::exit(2);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string id;
    ss >> id;
    std::string reason;
    std::getline(ss, reason);
    out[id] = reason;
  }
}

std::string envOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Runs `cases` over HTTP on `jobs` threads, one client (connection) each; returns the seconds taken.
double runAllOverHttp(std::vector<Case*>& cases, const Endpoint& endpoint, const api::Credential& credential,
                      const std::string& region, int jobs) {
  auto begin = std::chrono::steady_clock::now();
  // Names must be new even on a server that ran this suite before.
  auto runTag = fmt::format("conf{:x}", std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int j = 0; j < jobs; ++j) {
    workers.emplace_back([&] {
      SfnHttpClient client(endpoint, credential, region);
      for (size_t i; (i = next++) < cases.size();)
        cases[i]->result = runOverHttp(client, cases[i]->doc, fmt::format("{}-{}", runTag, i));
    });
  }
  for (auto& w : workers) w.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs recorded Step Functions executions through the ASL interpreter or a Wharf server"};
  std::string casesDir, filter, endpointUrl, serverBinary;
  std::vector<std::string> knownFiles;
  bool verbose = false;
  int jobs = 16;
  app.add_option("--cases", casesDir, "directory of cases (searched recursively)")->required();
  app.add_option("--known-failures", knownFiles, "file(s) of 'case-id  reason' lines");
  app.add_option("--filter", filter, "only cases whose id contains this text");
  app.add_flag("--verbose", verbose, "also print skipped cases, and which cases stay in replay mode and why");
  auto* endpointOpt = app.add_option("--endpoint", endpointUrl,
                                     "run cases over HTTP against this Wharf (http://HOST:PORT; credentials from "
                                     "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_DEFAULT_REGION; account "
                                     "111111111111 matches the recordings)");
  app.add_option("--server", serverBinary, "run cases over HTTP against a `wharf server` started from this binary")
      ->excludes(endpointOpt);
  app.add_option("--jobs", jobs, "executions in flight at once in HTTP mode")->check(CLI::Range(1, 256));
  CLI11_PARSE(app, argc, argv);

  std::map<std::string, std::string> known;
  for (const auto& f : knownFiles) loadKnownFailures(f, known);
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(casesDir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  int unexpected = 0, invalid = 0;
  std::vector<Case> cases;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream buf;
    buf << in.rdbuf();
    auto doc = asl::parseJsonText(buf.str());
    if (!doc || !doc->is_object()) {
      std::cout << "FAIL " << file.string() << ": not valid JSON\n";
      ++invalid;
      continue;
    }
    Case c{std::string(doc->at("id").as_string()), std::move(doc->as_object()), Mode::kReplay, {}};
    if (filter.empty() || c.id.find(filter) != std::string::npos) cases.push_back(std::move(c));
  }

  const bool http = !endpointUrl.empty() || !serverBinary.empty();
  std::unique_ptr<WharfProcess> server;
  Endpoint endpoint;
  api::Credential credential;
  std::string region = envOr("AWS_DEFAULT_REGION", envOr("AWS_REGION", "us-east-1"));
  if (!serverBinary.empty()) {
    auto started = WharfProcess::start(serverBinary, region);
    if (!started) {
      std::cerr << "cannot start the server: " << started.error().message << "\n";
      return 2;
    }
    server = std::move(*started);
    endpoint = server->endpoint();
    credential = server->credential();
  } else if (http) {
    auto parsed = parseEndpoint(endpointUrl);
    if (!parsed) {
      std::cerr << parsed.error().message << "\n";
      return 2;
    }
    endpoint = *parsed;
    credential = {envOr("AWS_ACCESS_KEY_ID", ""), envOr("AWS_SECRET_ACCESS_KEY", ""), ""};
    if (credential.accessKeyId.empty() || credential.secretAccessKey.empty()) {
      std::cerr << "--endpoint needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (see `wharf credentials`)\n";
      return 2;
    }
  }

  std::vector<Case*> overHttp;
  std::map<std::string, int> replayReasons;
  for (auto& c : cases) {
    if (!http) continue;
    if (auto why = replayOnlyReason(c.doc)) {
      ++replayReasons[*why];
      if (verbose) std::cout << "REPLAY " << c.id << ": " << *why << "\n";
    } else {
      c.mode = Mode::kHttp;
      overHttp.push_back(&c);
    }
  }
  double httpSeconds = 0;
  std::thread httpRun([&] {
    if (!overHttp.empty()) httpSeconds = runAllOverHttp(overHttp, endpoint, credential, region, jobs);
  });
  auto begin = std::chrono::steady_clock::now();
  for (auto& c : cases) {
    if (c.mode == Mode::kReplay) c.result = runInProcess(c.doc);
  }
  double replaySeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  httpRun.join();

  Tally all, jsonata, byMode[2];
  int jsonPathTotal = 0, jsonPathPassed = 0, unexpectedOverHttp = 0;
  for (const auto& c : cases) {
    const CaseResult& r = c.result;
    bool jsonPath = c.doc.at("query_language") == "JSONPath";
    const char* tag = c.mode == Mode::kHttp ? "[http] " : http ? "[replay] " : "";
    all.add(r.kind);
    byMode[c.mode == Mode::kHttp].add(r.kind);
    if (jsonPath) {
      ++jsonPathTotal;
      jsonPathPassed += r.kind == CaseResult::Kind::kPassed;
    } else {
      jsonata.add(r.kind);
    }
    if (r.kind == CaseResult::Kind::kSkipped && verbose)
      std::cout << "SKIP " << tag << c.id << ": " << r.detail << "\n";
    if (r.kind != CaseResult::Kind::kFailed) continue;
    bool isKnown = known.contains(c.id);
    unexpected += !isKnown;
    unexpectedOverHttp += !isKnown && c.mode == Mode::kHttp;
    std::cout << (isKnown ? "KNOWN " : "FAIL ") << tag << c.id << ": " << r.detail.substr(0, 600) << "\n";
  }
  all.failed += invalid;
  if (server && (verbose || unexpectedOverHttp > 0)) std::cout << "server output:\n" << server->log();
  server.reset();
  std::cout << fmt::format("JSONPath cases: {}/{} passed\n", jsonPathPassed, jsonPathTotal);
  std::cout << fmt::format("JSONata cases: {}\n", jsonata.text());
  if (http) {
    std::cout << fmt::format("over HTTP ({} at once, {:.1f} s): {} cases, {}\n", jobs, httpSeconds, overHttp.size(),
                             byMode[1].text());
    std::cout << fmt::format("in replay mode ({:.1f} s): {} cases, {}\n", replaySeconds, cases.size() - overHttp.size(),
                             byMode[0].text());
    std::vector<std::pair<int, std::string>> reasons;
    for (const auto& [why, n] : replayReasons) reasons.emplace_back(n, why);
    std::sort(reasons.rbegin(), reasons.rend());
    for (const auto& [n, why] : reasons) std::cout << fmt::format("  replay: {:3} {}\n", n, why);
  }
  std::cout << all.text() << "\n";
  return unexpected + invalid == 0 ? 0 : 1;
}
