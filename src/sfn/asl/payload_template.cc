#include "sfn/asl/payload_template.h"

#include <fmt/format.h>

#include <vector>

#include "sfn/asl/intrinsic_function.h"
#include "sfn/asl/json_path.h"
#include "sfn/asl/json_text.h"

namespace wharf::asl {

struct PayloadTemplate::Node {
  enum class Kind { kLiteral, kObject, kArray, kPath, kCall };
  Kind kind = Kind::kLiteral;
  boost::json::value literal;
  std::vector<std::pair<std::string, Node>> fields;  // kObject, keys without ".$"
  std::vector<Node> items;                           // kArray
  std::string sourceKey;                             // "key.$" for kPath / kCall
  std::shared_ptr<JsonPath> path;
  std::shared_ptr<IntrinsicFunction> call;
};

namespace {

using Node = PayloadTemplate::Node;

Result<Node> compileNode(const boost::json::value& v, const std::string& location, int depth) {
  if (depth > 256)
    return invalidParameter(fmt::format("Payload nested too deeply at {}", location), "SCHEMA_VALIDATION_FAILED");
  Node node;
  if (v.is_object()) {
    node.kind = Node::Kind::kObject;
    for (const auto& kv : v.get_object()) {
      std::string key(kv.key());
      std::string where = location + "/" + key;
      if (key.size() > 2 && key.ends_with(".$")) {
        if (!kv.value().is_string()) {
          return invalidParameter(fmt::format("The value for the field '{}' must be a STRING that contains a JSONPath "
                                              "or an intrinsic function at {}",
                                              key, where),
                                  "INVALID_JSON_PATH");
        }
        std::string_view text = kv.value().get_string();
        Node child;
        child.sourceKey = key;
        if (IntrinsicFunction::looksLikeCall(text)) {
          auto call = IntrinsicFunction::parse(text);
          if (!call) {
            return invalidParameter(fmt::format("{} at {}", call.error().message, where), "INVALID_INTRINSIC_FUNCTION");
          }
          child.kind = Node::Kind::kCall;
          child.call = std::make_shared<IntrinsicFunction>(std::move(*call));
        } else {
          auto path = JsonPath::parse(text);
          if (!path) {
            return invalidParameter(
                fmt::format("The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call "
                            "at {}",
                            key, where),
                "INVALID_JSON_PATH");
          }
          child.kind = Node::Kind::kPath;
          child.path = std::make_shared<JsonPath>(std::move(*path));
        }
        node.fields.emplace_back(key.substr(0, key.size() - 2), std::move(child));
      } else {
        auto child = compileNode(kv.value(), where, depth + 1);
        if (!child) return child;
        node.fields.emplace_back(key, std::move(*child));
      }
    }
  } else if (v.is_array()) {
    node.kind = Node::Kind::kArray;
    size_t i = 0;
    for (const auto& e : v.get_array()) {
      auto child = compileNode(e, fmt::format("{}[{}]", location, i++), depth + 1);
      if (!child) return child;
      node.items.push_back(std::move(*child));
    }
  } else {
    node.literal = v;
  }
  return node;
}

Result<boost::json::value> evalNode(const Node& node, const EvalScope& scope) {
  switch (node.kind) {
    case Node::Kind::kLiteral:
      return node.literal;
    case Node::Kind::kObject: {
      boost::json::object out;
      out.reserve(node.fields.size());
      for (const auto& [key, child] : node.fields) {
        auto v = evalNode(child, scope);
        if (!v) return v;
        out[key] = std::move(*v);
      }
      return out;
    }
    case Node::Kind::kArray: {
      boost::json::array out;
      for (const auto& child : node.items) {
        auto v = evalNode(child, scope);
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case Node::Kind::kPath: {
      auto v = resolvePath(*node.path, scope);
      if (!v) {
        static const boost::json::value kNull;
        const boost::json::value* root = scope.input;
        return fail(ErrorCode::kInvalidArgument, "States.Runtime",
                    fmt::format("The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                                node.path->text(), node.sourceKey, toJsonText(root ? *root : kNull)));
      }
      return v;
    }
    case Node::Kind::kCall:
      return node.call->evaluate(scope);
  }
  return internalError("unknown template node");
}

}  // namespace

Result<PayloadTemplate> PayloadTemplate::compile(const boost::json::value& tmpl, const std::string& location) {
  auto node = compileNode(tmpl, location, 0);
  if (!node) return std::unexpected(node.error());
  PayloadTemplate out;
  out.root_ = std::make_shared<const Node>(std::move(*node));
  return out;
}

Result<boost::json::value> PayloadTemplate::evaluate(const EvalScope& scope) const { return evalNode(*root_, scope); }

}  // namespace wharf::asl
