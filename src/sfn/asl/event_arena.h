// Memory for the history events of one execution. Events live as long as their execution, so
// their text is bump-allocated and released all at once when the execution (the owner) goes.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

namespace wharf::asl {

class EventArena {
 public:
  // A copy of `text` that stays valid as long as the arena.
  std::string_view store(std::string_view text);

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace wharf::asl
