#include "ecs/task_sizes.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace wharf::ecs {
namespace {

// Splits "1.5 GB" into 1.5 and "gb"; nullopt when the number is malformed.
std::optional<std::pair<double, std::string>> numberAndUnit(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  double value = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(value) || value <= 0) return std::nullopt;
  std::string unit;
  for (const char* p = end; *p; ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p))) unit += static_cast<char>(std::tolower(*p));
  }
  return std::pair{value, unit};
}

std::optional<int> wholeNumber(double value) {
  if (value != std::floor(value) || value > 1e9) return std::nullopt;
  return static_cast<int>(value);
}

struct FargateRow {
  int cpu, minMemory, maxMemory, step;
};
constexpr std::array<FargateRow, 7> kFargateSizes{{
    {256, 512, 2048, 512},  // 512, 1024, 2048 (1536 is excluded below)
    {512, 1024, 4096, 1024},
    {1024, 2048, 8192, 1024},
    {2048, 4096, 16384, 1024},
    {4096, 8192, 30720, 1024},
    {8192, 16384, 61440, 4096},
    {16384, 32768, 122880, 8192},
}};

}  // namespace

std::optional<int> parseCpuUnits(std::string_view text) {
  auto parsed = numberAndUnit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  if (unit.empty()) return wholeNumber(value);
  if (unit == "vcpu") return wholeNumber(value * 1024);
  return std::nullopt;
}

std::optional<int> parseMemoryMiB(std::string_view text) {
  auto parsed = numberAndUnit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  if (unit.empty() || unit == "mb" || unit == "mib") return wholeNumber(value);
  if (unit == "gb" || unit == "gib") return wholeNumber(value * 1024);
  return std::nullopt;
}

bool isFargateSize(int cpuUnits, int memoryMiB) {
  for (const FargateRow& row : kFargateSizes) {
    if (row.cpu != cpuUnits) continue;
    if (cpuUnits == 256 && memoryMiB == 1536) return false;
    return memoryMiB >= row.minMemory && memoryMiB <= row.maxMemory && (memoryMiB - row.minMemory) % row.step == 0;
  }
  return false;
}

}  // namespace wharf::ecs
