// Gives libFuzzer coverage feedback from GCC-instrumented code. libFuzzer 14 reads clang's
// trace-pc-guard/inline-counter instrumentation and refuses GCC's -fsanitize-coverage=trace-pc,
// so this file's trace-pc callback (linked with --allow-multiple-definition, ahead of libFuzzer's)
// hashes each edge's return address into an 8-bit counter table registered with libFuzzer.
#include <cstddef>
#include <cstdint>

extern "C" void __sanitizer_cov_8bit_counters_init(uint8_t* start, uint8_t* stop);

namespace {

constexpr size_t kSlots = size_t{1} << 16;
alignas(64) uint8_t counters[kSlots];

struct Registration {
  Registration() { __sanitizer_cov_8bit_counters_init(counters, counters + kSlots); }
} registration;

}  // namespace

extern "C" void __sanitizer_cov_trace_pc() {
  auto pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  ++counters[(pc ^ (pc >> 16)) & (kSlots - 1)];
}

// GCC also traces floating-point comparisons, for which libFuzzer has no hooks.
extern "C" void __sanitizer_cov_trace_cmpf(float, float) {}
extern "C" void __sanitizer_cov_trace_cmpd(double, double) {}
