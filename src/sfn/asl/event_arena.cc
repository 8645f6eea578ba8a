#include "sfn/asl/event_arena.h"

#include <algorithm>

namespace wharf::asl {

EventArena::~EventArena() {
  while (last_) {
    char* previous = nullptr;
    std::memcpy(&previous, last_, sizeof previous);
    delete[] last_;
    last_ = previous;
  }
}

// Later blocks double, up to 1,024 times the first.
void EventArena::grow(size_t size) {
  size_t block = std::max(size, firstBlock_ << std::min<size_t>(blocks_, 10));
  char* start = new char[sizeof(char*) + block];
  std::memcpy(start, &last_, sizeof last_);
  last_ = start;
  ++blocks_;
  next_ = start + sizeof(char*);
  left_ = block;
}

}  // namespace wharf::asl
