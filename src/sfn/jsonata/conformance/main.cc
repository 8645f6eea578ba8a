// jsonata-conformance: runs the JSONata test-suite corpus (one case per JSON file) against the
// engine and prints one line per failing case and a closing "N passed, N failed, N skipped".
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sfn/jsonata/jsonata.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct Options {
  std::string cases;
  std::string knownFailures;
  std::string filter;
  bool includeAwsExcluded = false;
  bool verbose = false;
};

bool numberOf(const json::value& v, double& out) {
  if (v.is_int64())
    out = static_cast<double>(v.get_int64());
  else if (v.is_uint64())
    out = static_cast<double>(v.get_uint64());
  else if (v.is_double())
    out = v.get_double();
  else
    return false;
  return true;
}

bool equal(const json::value& a, const json::value& b, bool unordered) {
  double x, y;
  if (numberOf(a, x) && numberOf(b, y)) return x == y;
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& l = a.get_array();
    const auto& r = b.get_array();
    if (l.size() != r.size()) return false;
    if (!unordered) {
      for (size_t i = 0; i < l.size(); ++i) {
        if (!equal(l[i], r[i], false)) return false;
      }
      return true;
    }
    std::vector<bool> used(r.size());
    for (const auto& item : l) {
      bool found = false;
      for (size_t j = 0; j < r.size() && !found; ++j) {
        if (!used[j] && equal(item, r[j], true)) used[j] = found = true;
      }
      if (!found) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto& l = a.get_object();
    const auto& r = b.get_object();
    if (l.size() != r.size()) return false;
    for (const auto& kv : l) {
      const json::value* other = r.if_contains(kv.key());
      if (!other || !equal(kv.value(), *other, unordered)) return false;
    }
    return true;
  }
  return a == b;
}

std::map<std::string, std::string> readKnownFailures(const std::string& path) {
  std::map<std::string, std::string> known;
  if (path.empty()) return known;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string id, reason;
    ss >> id;
    std::getline(ss, reason);
    known[id] = reason;
  }
  return known;
}

// Returns an empty string when the case passes, else a description of the difference.
std::string runCase(const json::object& c) {
  std::string expr(c.at("expr").as_string());
  const json::object& expected = c.at("expected").as_object();
  auto compiled = wharf::jsonata::Expression::compile(expr);
  std::optional<json::value> result;
  std::string errorCode;
  if (!compiled) {
    errorCode = compiled.error().code;
  } else {
    json::object bindings;
    if (const json::value* b = c.if_contains("bindings")) bindings = b->as_object();
    const json::value* data = c.if_contains("data");
    auto r = compiled->evaluate(data, bindings);
    if (!r)
      errorCode = r.error().code + " (" + r.error().message + ")";
    else
      result = *r;
  }
  auto got = [&] {
    if (!errorCode.empty()) return "error " + errorCode;
    if (!result) return std::string("undefined");
    return json::serialize(*result);
  };
  if (const json::value* code = expected.if_contains("error")) {
    std::string want(code->as_string());
    if (errorCode.substr(0, want.size()) == want) return "";
    return "expected error " + want + ", got " + got();
  }
  if (expected.contains("undefined")) {
    if (errorCode.empty() && !result) return "";
    return "expected undefined, got " + got();
  }
  const json::value& want = expected.at("result");
  bool unordered = c.contains("unordered");
  if (errorCode.empty() && result && equal(*result, want, unordered)) return "";
  return "expected " + json::serialize(want) + ", got " + got();
}

struct Run {
  Options opts;
  int exitCode = 0;
};

void* runAll(void* arg) {
  Run& run = *static_cast<Run*>(arg);
  const Options& opts = run.opts;
  auto known = readKnownFailures(opts.knownFailures);
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(opts.cases)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  int passed = 0, failed = 0, skipped = 0, unexpected = 0;
  std::set<std::string> failedIds;
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    json::object c = json::parse(ss.str()).as_object();
    std::string id(c.at("id").as_string());
    if (!opts.filter.empty() && id.find(opts.filter) == std::string::npos) continue;
    if (c.contains("aws_excluded") && !opts.includeAwsExcluded) {
      ++skipped;
      continue;
    }
    std::string diff;
    try {
      diff = runCase(c);
    } catch (const std::exception& e) {
      diff = std::string("exception: ") + e.what();
    }
    if (diff.empty()) {
      ++passed;
      if (known.contains(id)) std::cout << "PASS (listed as known failure) " << id << "\n";
      continue;
    }
    ++failed;
    failedIds.insert(id);
    bool isKnown = known.contains(id);
    if (!isKnown) ++unexpected;
    std::cout << (isKnown ? "KNOWN " : "FAIL ") << id << ": " << diff.substr(0, opts.verbose ? std::string::npos : 300)
              << "\n";
  }
  std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  run.exitCode = unexpected > 0 ? 1 : 0;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"JSONata conformance runner"};
  Run run;
  app.add_option("--cases", run.opts.cases, "directory of case files")->required();
  app.add_option("--known-failures", run.opts.knownFailures, "file listing known failures with reasons");
  app.add_option("--filter", run.opts.filter, "run only cases whose id contains this text");
  app.add_flag("--include-aws-excluded", run.opts.includeAwsExcluded, "also run cases using $eval");
  app.add_flag("--verbose", run.opts.verbose, "print full differences");
  CLI11_PARSE(app, argc, argv);
  // Deeply recursive cases need more stack than the main thread's default.
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512UL << 20);
  pthread_t thread;
  pthread_create(&thread, &attr, runAll, &run);
  pthread_join(thread, nullptr);
  return run.exitCode;
}
