// Fuzzes definition parsing and validation: any input must give a definition or diagnostics.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sfn/asl/definition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto definition = wharf::asl::parseDefinition(text);
  if (!definition && definition.error().message.empty()) __builtin_trap();
  return 0;
}
