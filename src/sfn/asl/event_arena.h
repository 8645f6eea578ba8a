// Memory for the history events of one execution. Events live as long as their execution, so
// their text is bump-allocated and released all at once when the execution (the owner) goes.
#pragma once

#include <cstring>
#include <string_view>

namespace wharf::asl {

class EventArena {
 public:
  EventArena() = default;
  ~EventArena();
  EventArena(const EventArena&) = delete;
  EventArena& operator=(const EventArena&) = delete;

  // Sizes the first block (by default 1 KiB), before anything is stored.
  void reserve(size_t bytes) { firstBlock_ = bytes; }

  // A copy of `text` that stays valid as long as the arena.
  std::string_view store(std::string_view text) { return concat(text); }

  // A copy of the concatenated `parts` (string views, strings or literals): an event's details
  // written straight into the arena. Inline, so that the copies of literals are inlined too.
  template <typename... Parts>
  std::string_view concat(const Parts&... parts) {
    size_t size = (std::string_view(parts).size() + ...);
    if (size == 0) return {};
    if (size > left_) grow(size);
    char* start = next_;
    ((next_ = copy(next_, std::string_view(parts))), ...);
    left_ -= size;
    return {start, size};
  }

 private:
  static char* copy(char* to, std::string_view part) {
    std::memcpy(to, part.data(), part.size());
    return to + part.size();
  }
  // Starts a block with room for at least `size` bytes.
  void grow(size_t size);

  // Each block begins with a pointer to the block before it.
  char* last_ = nullptr;
  size_t blocks_ = 0;
  size_t firstBlock_ = 1024;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace wharf::asl
