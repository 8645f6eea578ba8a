// Fuzzes the JSONPath parser, then evaluates and assigns every accepted path on a fixed document.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sfn/asl/json_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const boost::json::value kDocument = boost::json::parse(
      R"({"a":{"b":[1,2.5,"x",null,true,{"c":[{"d":1},{"d":"2"}]}]},"e":[],"f":{"g":{"h":"i"}},"k y":1})");
  auto path = wharf::asl::JsonPath::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!path) return 0;
  (void)path->evaluate(kDocument);
  if (path->isAssignable()) {
    boost::json::value target = kDocument;
    (void)path->assign(target, boost::json::value(1));
  }
  return 0;
}
