// The JSONata error raised inside the evaluator: a code such as T2001, a message and a position.
#pragma once

#include <string>

namespace wharf::jsonata {

struct JsonataError {
  std::string code;
  std::string message;
  int position = -1;
  std::string token;
};

// Throws a JsonataError; the evaluator catches it at its public boundary.
[[noreturn]] void raise(std::string code, std::string message = {}, int position = -1);

}  // namespace wharf::jsonata
