// Time source injected into everything that reads the clock, so tests control time.
#pragma once

#include <chrono>
#include <cstdint>

namespace wharf {

// Milliseconds since the Unix epoch, the unit the APIs' dates and the store's records use.
inline int64_t epochMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time; thread-safe.
  virtual std::chrono::system_clock::time_point now() const = 0;
  int64_t nowMillis() const { return epochMillis(now()); }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start) : now_(start) {}
  std::chrono::system_clock::time_point now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  void set(std::chrono::system_clock::time_point t) { now_ = t; }

 private:
  std::chrono::system_clock::time_point now_;
};

}  // namespace wharf
