// Adapter that gives the ASL interpreter its JsonataEvaluator seam on top of this engine.
#pragma once

#include <memory>
#include <string_view>

#include "sfn/asl/jsonata_evaluator.h"

namespace wharf::jsonata {

class AslJsonataEvaluator : public asl::JsonataEvaluator {
 public:
  // Syntax errors come back as States.QueryEvaluationError with the parser's code and message.
  Result<std::shared_ptr<const asl::JsonataExpression>> compile(std::string_view expression) override;

  // An undefined result cannot be a JSON value, so evaluate() reports it as an Error with code
  // ErrorCode::kNotFound and type kUndefinedResult; evaluation failures use
  // ErrorCode::kInvalidArgument and type "States.QueryEvaluationError".
  static constexpr const char* kUndefinedResult = "Jsonata.UndefinedResult";
  static bool isUndefinedResult(const Error& error) {
    return error.code == ErrorCode::kNotFound && error.type == kUndefinedResult;
  }
};

}  // namespace wharf::jsonata
