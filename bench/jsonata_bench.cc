// jsonata_bench: evaluations per second of compiled JSONata expressions, Wharf's engine against
// jsonata 2.0.6 on Node measured in the same run (bench/jsonata_bench.js), and their ratio.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sfn/jsonata/json_convert.h"
#include "sfn/jsonata/jsonata.h"

namespace {

namespace json = boost::json;

struct Workload {
  std::string name;
  std::string expr;
  json::value data;
};

// 1,000 orders shaped like a Step Functions state input.
json::value orders() {
  static const char* kRegions[] = {"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"};
  static const char* kStatus[] = {"pending", "shipped", "delivered"};
  json::array list;
  for (int i = 0; i < 1000; ++i) {
    json::array items;
    for (int k = 0; k < 3; ++k)
      items.push_back(json::object{{"sku", "SKU-" + std::to_string((i * 7 + k) % 97)},
                                   {"qty", (i + k) % 5 + 1},
                                   {"price", ((i * 13 + k * 7) % 200) + 0.99}});
    list.push_back(json::object{{"id", "order-" + std::to_string(i)},
                                {"customer", json::object{{"name", "Customer " + std::to_string(i % 50)},
                                                          {"tier", i % 3 == 0 ? "gold" : "standard"}}},
                                {"region", kRegions[i % 4]},
                                {"status", kStatus[i % 3]},
                                {"amount", (i * 37) % 1000 + 0.5},
                                {"items", std::move(items)}});
  }
  return json::object{{"orders", std::move(list)}};
}

std::vector<Workload> workloads(const std::string& casesDir) {
  std::vector<Workload> w;
  auto suiteData = [&](const std::string& id) {
    std::ifstream in(casesDir + "/" + id + ".json");
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str()).as_object().at("data");
  };
  json::value account = suiteData("function-sum/case001");
  w.push_back({"suite: path + arithmetic", "Account.Order.Product.(Price * Quantity)", account});
  w.push_back({"suite: $sum per order", "Account.Order.$sum(Product.(Price * Quantity))", account});
  w.push_back({"suite: object constructor", "Account.Order{OrderID: $sum(Product.(Price*Quantity))}", account});
  w.push_back({"suite: string functions",
               "$uppercase($substring(Account.`Account Name`, 0, 4)) & '-' & $join(Account.Order.OrderID, ',')",
               account});
  w.push_back({"suite: predicate + sort", "Account.Order.Product[Price > 30]^(>Price).`Product Name`", account});
  json::value big = orders();
  w.push_back({"1k: map", "orders.{'id': id, 'total': amount * 1.2, 'customer': customer.name}", big});
  w.push_back({"1k: filter", "orders[status = 'shipped' and amount > 500].id", big});
  w.push_back({"1k: group", "orders{region: {'count': $count(id), 'total': $sum(amount)}}", big});
  w.push_back({"1k: sort", "orders^(>amount, id)[[0..9]].id", big});
  w.push_back({"1k: map/filter/group/sort",
               "(orders[status != 'pending']^(region, >amount)){region: $sum(items.(qty * price))}", big});
  return w;
}

double measureWharf(const Workload& w, double seconds) {
  auto expr = wharf::jsonata::Expression::compile(w.expr);
  if (!expr) {
    std::cerr << w.name << ": " << expr.error().message << "\n";
    return 0;
  }
  wharf::jsonata::Value input = wharf::jsonata::fromJson(w.data);
  std::vector<std::pair<std::string, wharf::jsonata::Value>> bindings;
  for (int i = 0; i < 20; ++i) (void)expr->evaluate(input, bindings);
  auto start = std::chrono::steady_clock::now();
  long n = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 10; ++i) {
      auto r = expr->evaluate(input, bindings);
      if (!r) {
        std::cerr << w.name << ": " << r.error().code << " " << r.error().message << "\n";
        return 0;
      }
    }
    n += 10;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return static_cast<double>(n) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"JSONata evaluation benchmark against jsonata-js on Node"};
  std::string benchDir = WHARF_BENCH_DIR;
  std::string casesDir = WHARF_JSONATA_CASES_DIR;
  double seconds = 0.5;
  app.add_option("--bench-dir", benchDir, "directory holding jsonata_bench.js and node_modules");
  app.add_option("--cases", casesDir, "JSONata conformance cases (for the suite workloads)");
  app.add_option("--seconds", seconds, "measuring time per workload and side");
  CLI11_PARSE(app, argc, argv);

  std::vector<Workload> list = workloads(casesDir);
  json::array spec;
  for (const Workload& w : list) spec.push_back(json::object{{"name", w.name}, {"expr", w.expr}, {"data", w.data}});
  std::filesystem::path specFile =
      std::filesystem::temp_directory_path() / ("jsonata_bench_" + std::to_string(::getpid()) + ".json");
  std::ofstream(specFile) << json::serialize(spec);

  json::object node;
  if (!std::filesystem::exists(benchDir + "/node_modules/jsonata")) {
    std::cerr << "jsonata-js is not installed; run: npm install --prefix " << benchDir << "\n";
  } else {
    std::string cmd = "node " + benchDir + "/jsonata_bench.js " + specFile.string() + " " + std::to_string(seconds);
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string output;
    char buf[4096];
    while (pipe && fgets(buf, sizeof buf, pipe)) output += buf;
    if (pipe) pclose(pipe);
    boost::system::error_code ec;
    json::value parsed = json::parse(output, ec);
    if (!ec && parsed.is_object())
      node = parsed.as_object();
    else
      std::cerr << "node side failed: " << output << "\n";
  }
  std::filesystem::remove(specFile);

  std::printf("%-32s %14s %14s %8s\n", "workload", "wharf eval/s", "jsonata-js/s", "ratio");
  double logSum = 0;
  int counted = 0;
  for (const Workload& w : list) {
    double ours = measureWharf(w, seconds);
    double theirs = node.contains(w.name) ? json::value_to<double>(node.at(w.name)) : 0;
    double ratio = theirs > 0 ? ours / theirs : 0;
    if (ratio > 0) {
      logSum += std::log(ratio);
      ++counted;
    }
    std::printf("%-32s %14.0f %14.0f %7.2fx\n", w.name.c_str(), ours, theirs, ratio);
  }
  if (counted) std::printf("geometric mean ratio: %.2fx\n", std::exp(logSum / counted));
  return 0;
}
