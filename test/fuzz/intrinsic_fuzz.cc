// Fuzzes the intrinsic-function parser, then evaluates every accepted call against fixed data.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ids.h"
#include "sfn/asl/intrinsic_function.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const boost::json::value kInput =
      boost::json::parse(R"({"a":[1,2,3],"s":"a,b,c","n":5,"o":{"x":{"y":1}},"j":"{\"k\":[1]}","b":"YWJj"})");
  static const boost::json::value kContext = boost::json::parse(R"({"Execution":{"Id":"arn"}})");
  static const boost::json::object kVariables = boost::json::parse(R"({"v":[1,"2"],"w":"text"})").as_object();
  auto call = wharf::asl::IntrinsicFunction::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!call) return 0;
  auto ids = wharf::makeSequentialIdGenerator(1);
  wharf::asl::EvalScope scope{&kInput, &kContext, &kVariables, ids.get()};
  (void)call->evaluate(scope);
  return 0;
}
