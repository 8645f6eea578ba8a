// Tokenizer and Pratt parser for JSONata, plus the post-processing that turns the parse tree into
// the evaluator's AST (paths, stages, tuple bindings, parent slots, tail calls).
#pragma once

#include <string_view>

#include "sfn/jsonata/node.h"

namespace wharf::jsonata {

// Parses `source`; raises JsonataError (S0xxx) on a syntax error.
NodePtr parseExpression(std::string_view source);

}  // namespace wharf::jsonata
