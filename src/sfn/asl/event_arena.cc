#include "sfn/asl/event_arena.h"

#include <algorithm>
#include <cstring>

namespace wharf::asl {
namespace {

// The first block holds the events of a short execution; later blocks double, up to 1 MiB.
constexpr size_t kFirstBlock = 1024;

}  // namespace

std::string_view EventArena::store(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > left_) {
    size_t size = std::max(text.size(), kFirstBlock << std::min<size_t>(blocks_.size(), 10));
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    next_ = blocks_.back().get();
    left_ = size;
  }
  char* copy = next_;
  std::memcpy(copy, text.data(), text.size());
  next_ += text.size();
  left_ -= text.size();
  return {copy, text.size()};
}

}  // namespace wharf::asl
