// Adapter that gives the ASL interpreter its JsonataEvaluator seam on top of this engine.
#pragma once

#include <memory>
#include <string_view>

#include "sfn/asl/jsonata_evaluator.h"

namespace wharf::jsonata {

class AslJsonataEvaluator : public asl::JsonataEvaluator {
 public:
  // Syntax errors come back as States.QueryEvaluationError with the parser's code and message;
  // evaluation takes $now/$millis and the seed of $random/$uuid/$shuffle from the environment.
  Result<std::shared_ptr<const asl::JsonataExpression>> compile(std::string_view expression) override;
};

}  // namespace wharf::jsonata
