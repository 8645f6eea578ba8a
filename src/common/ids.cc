#include "common/ids.h"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <stdexcept>

namespace wharf {
namespace {

std::string toHex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string formatUuid(std::array<unsigned char, 16> b) {
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  std::string h = toHex(b.data(), b.size());
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

class RandomIdGenerator final : public IdGenerator {
 public:
  std::string uuid() override {
    std::array<unsigned char, 16> b{};
    fill(b.data(), b.size());
    return formatUuid(b);
  }
  std::string hex(size_t bytes) override {
    std::string raw(bytes, '\0');
    fill(reinterpret_cast<unsigned char*>(raw.data()), bytes);
    return toHex(reinterpret_cast<const unsigned char*>(raw.data()), bytes);
  }

 private:
  static void fill(unsigned char* p, size_t n) {
    // RAND_bytes only fails when the OS entropy source is broken: an invariant, not an input error.
    if (RAND_bytes(p, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  }
};

class SequentialIdGenerator final : public IdGenerator {
 public:
  explicit SequentialIdGenerator(uint64_t seed) : seed_(seed) {}
  std::string uuid() override {
    std::array<unsigned char, 16> b{};
    fillFromCounter(b.data(), b.size());
    return formatUuid(b);
  }
  std::string hex(size_t bytes) override {
    std::string raw(bytes, '\0');
    fillFromCounter(reinterpret_cast<unsigned char*>(raw.data()), bytes);
    return toHex(reinterpret_cast<const unsigned char*>(raw.data()), bytes);
  }

 private:
  void fillFromCounter(unsigned char* p, size_t n) {
    uint64_t v = seed_ * 0x9E3779B97F4A7C15ull + ++counter_;
    for (size_t i = 0; i < n; ++i) p[n - 1 - i] = i < 8 ? static_cast<unsigned char>(v >> (8 * i)) : 0;
  }
  uint64_t seed_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace

std::unique_ptr<IdGenerator> makeRandomIdGenerator() { return std::make_unique<RandomIdGenerator>(); }
std::unique_ptr<IdGenerator> makeSequentialIdGenerator(uint64_t seed) {
  return std::make_unique<SequentialIdGenerator>(seed);
}

}  // namespace wharf
