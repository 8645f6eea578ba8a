// Identifier generation (UUIDs, hex ids) behind an interface so interpreters stay deterministic.
#pragma once

#include <memory>
#include <string>

namespace wharf {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A random RFC 4122 version-4 UUID in lower-case canonical form; thread-safe.
  virtual std::string uuid() = 0;
  // `bytes` random bytes as lower-case hex (ECS task ids are 32 hex digits).
  virtual std::string hex(size_t bytes) = 0;
};

// Cryptographically random ids (OpenSSL RAND_bytes).
std::unique_ptr<IdGenerator> makeRandomIdGenerator();

// Deterministic ids for tests: uuids and hex ids derived from a counter and a seed.
std::unique_ptr<IdGenerator> makeSequentialIdGenerator(uint64_t seed = 0);

}  // namespace wharf
