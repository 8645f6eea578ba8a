#include "sfn/asl/event_arena.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

namespace wharf::asl {
namespace {

class EventArena final : public boost::json::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    // A spin lock: allocations are short and almost never contended.
    while (busy_.test_and_set(std::memory_order_acquire)) {
    }
    auto aligned = (next_ + (align - 1)) & ~(align - 1);
    if (aligned + bytes > end_) {
      size_t size = std::max(bytes + align, kFirstBlock << std::min<size_t>(blocks_.size(), 10));
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
      next_ = reinterpret_cast<uintptr_t>(blocks_.back().get());
      end_ = next_ + size;
      aligned = (next_ + (align - 1)) & ~(align - 1);
    }
    next_ = aligned + bytes;
    busy_.clear(std::memory_order_release);
    return reinterpret_cast<void*>(aligned);
  }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }

  // The first block holds the events of a short execution; later blocks double, up to 1 MiB.
  static constexpr size_t kFirstBlock = 1024;
  std::atomic_flag busy_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  uintptr_t next_ = 0, end_ = 0;
};

}  // namespace

boost::json::storage_ptr makeEventArena() { return boost::json::make_shared_resource<EventArena>(); }

}  // namespace wharf::asl
