#include "api/model_validator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "common/clock.h"
#include "common/time_format.h"

namespace wharf::api {
namespace {

constexpr std::string_view kEmbeddedModels =
#include "api/service_models.inc"
    ;

enum class ShapeType {
  kString,
  kInteger,
  kLong,
  kBoolean,
  kDouble,
  kFloat,
  kTimestamp,
  kBlob,
  kList,
  kMap,
  kStructure
};

std::optional<ShapeType> parseType(std::string_view t) {
  static constexpr std::pair<std::string_view, ShapeType> kTypes[] = {
      {"string", ShapeType::kString},       {"integer", ShapeType::kInteger},
      {"long", ShapeType::kLong},           {"boolean", ShapeType::kBoolean},
      {"double", ShapeType::kDouble},       {"float", ShapeType::kFloat},
      {"timestamp", ShapeType::kTimestamp}, {"blob", ShapeType::kBlob},
      {"list", ShapeType::kList},           {"map", ShapeType::kMap},
      {"structure", ShapeType::kStructure}};
  for (auto [name, type] : kTypes) {
    if (name == t) return type;
  }
  return std::nullopt;
}

std::string_view typeDescription(ShapeType t) {
  switch (t) {
    case ShapeType::kString:
      return "a string";
    case ShapeType::kInteger:
      return "an integer";
    case ShapeType::kLong:
      return "a long";
    case ShapeType::kBoolean:
      return "a boolean";
    case ShapeType::kDouble:
      return "a double";
    case ShapeType::kFloat:
      return "a float";
    case ShapeType::kTimestamp:
      return "a timestamp (epoch seconds or ISO 8601)";
    case ShapeType::kBlob:
      return "a base64-encoded string";
    case ShapeType::kList:
      return "a list";
    case ShapeType::kMap:
      return "a map";
    case ShapeType::kStructure:
      return "a structure";
  }
  return "";
}

// AWS's generic validation error per service (for Step Functions it is ValidationException).
std::string genericErrorFor(std::string_view prefix) {
  return prefix == "AWSStepFunctions" ? "ValidationException" : "InvalidParameterException";
}

size_t utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; }));
}

struct Shape {
  ShapeType type = ShapeType::kString;
  struct Member {
    std::string name;
    int shape = -1;
    bool required = false;
  };
  std::vector<Member> members;
  std::vector<std::string> enumValues;
  std::optional<double> min, max;
  int member = -1, key = -1, value = -1;
  bool document = false;   // any JSON value
  bool sensitive = false;  // never echoed in messages
};

}  // namespace

struct ModelValidator::Service {
  ServiceInfo info;
  std::unordered_map<std::string, int> operations;  // name -> input shape, -1 when none
  std::unordered_map<std::string, int> outputs;     // name -> output shape, absent when none
  std::vector<Shape> shapes;
};

namespace {

// Walks one input against its shape, collecting AWS-style constraint messages.
class Checker {
 public:
  explicit Checker(const std::vector<Shape>& shapes) : shapes_(shapes) {}

  // False on a type mismatch (reported through typeError()).
  bool check(const Shape& shape, const boost::json::value& v, const std::string& path) {
    if (shape.document) return true;
    switch (shape.type) {
      case ShapeType::kString:
        if (!v.is_string()) return mismatch(shape, path);
        if (!shape.enumValues.empty() &&
            std::find(shape.enumValues.begin(), shape.enumValues.end(), v.get_string()) == shape.enumValues.end()) {
          constraint(shape, v, path,
                     fmt::format("Member must satisfy enum value set: [{}]", fmt::join(shape.enumValues, ", ")));
        }
        checkLength(shape, v, path, utf8Length(v.get_string()));
        return true;
      case ShapeType::kBlob:
        return v.is_string() || mismatch(shape, path);
      case ShapeType::kBoolean:
        return v.is_bool() || mismatch(shape, path);
      case ShapeType::kInteger:
      case ShapeType::kLong: {
        std::optional<double> n = integral(v);
        if (!n) return mismatch(shape, path);
        if (shape.type == ShapeType::kInteger &&
            (*n < std::numeric_limits<int32_t>::min() || *n > std::numeric_limits<int32_t>::max())) {
          return mismatch(shape, path);
        }
        checkRange(shape, v, path, *n);
        return true;
      }
      case ShapeType::kDouble:
      case ShapeType::kFloat:
        if (!v.is_number()) return mismatch(shape, path);
        checkRange(shape, v, path, v.to_number<double>());
        return true;
      case ShapeType::kTimestamp:
        return v.is_number() || (v.is_string() && parseIso8601(v.get_string())) || mismatch(shape, path);
      case ShapeType::kList: {
        if (!v.is_array()) return mismatch(shape, path);
        const auto& a = v.get_array();
        checkLength(shape, v, path, a.size());
        for (size_t i = 0; i < a.size(); ++i) {
          if (a[i].is_null()) continue;
          if (!check(shapes_[shape.member], a[i], fmt::format("{}.{}.member", path, i + 1))) return false;
        }
        return true;
      }
      case ShapeType::kMap: {
        if (!v.is_object()) return mismatch(shape, path);
        const auto& o = v.get_object();
        checkLength(shape, v, path, o.size());
        for (const auto& [k, item] : o) {
          std::string at = path + "." + std::string(k);
          if (!check(shapes_[shape.key], boost::json::value(k), at)) return false;
          if (!item.is_null() && !check(shapes_[shape.value], item, at)) return false;
        }
        return true;
      }
      case ShapeType::kStructure:
        if (!v.is_object()) return mismatch(shape, path);
        return checkStructure(shape, v.get_object(), path);
    }
    return true;
  }

  bool checkStructure(const Shape& shape, const boost::json::object& o, const std::string& path) {
    for (const Shape::Member& m : shape.members) {
      const boost::json::value* item = o.if_contains(m.name);
      std::string at = path.empty() ? m.name : path + "." + m.name;
      if (!item || item->is_null()) {
        if (m.required)
          errors_.push_back(
              fmt::format("Value null at '{}' failed to satisfy constraint: Member must not be null", at));
        continue;
      }
      if (!check(shapes_[m.shape], *item, at)) return false;
    }
    return true;
  }

  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& typeError() const { return type_error_; }

 private:
  static std::optional<double> integral(const boost::json::value& v) {
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    if (v.is_double() && std::trunc(v.get_double()) == v.get_double()) return v.get_double();
    return std::nullopt;
  }

  bool mismatch(const Shape& shape, const std::string& path) {
    type_error_ = fmt::format("Value at '{}' must be {}", path, typeDescription(shape.type));
    return false;
  }

  void checkLength(const Shape& shape, const boost::json::value& v, const std::string& path, size_t n) {
    if (shape.min && n < *shape.min) {
      constraint(shape, v, path, fmt::format("Member must have length greater than or equal to {}", *shape.min));
    }
    if (shape.max && n > *shape.max) {
      constraint(shape, v, path, fmt::format("Member must have length less than or equal to {}", *shape.max));
    }
  }

  void checkRange(const Shape& shape, const boost::json::value& v, const std::string& path, double n) {
    if (shape.min && n < *shape.min) {
      constraint(shape, v, path, fmt::format("Member must have value greater than or equal to {}", *shape.min));
    }
    if (shape.max && n > *shape.max) {
      constraint(shape, v, path, fmt::format("Member must have value less than or equal to {}", *shape.max));
    }
  }

  void constraint(const Shape& shape, const boost::json::value& v, const std::string& path, std::string rule) {
    errors_.push_back(fmt::format("Value '{}' at '{}' failed to satisfy constraint: {}", render(shape, v), path, rule));
  }

  std::string render(const Shape& shape, const boost::json::value& v) const {
    if (shape.sensitive) return "*** Sensitive Data Redacted ***";
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_array()) {
      std::vector<std::string> items;
      for (const auto& item : v.get_array()) {
        items.push_back(shape.member >= 0 ? render(shapes_[shape.member], item) : boost::json::serialize(item));
      }
      return fmt::format("[{}]", fmt::join(items, ", "));
    }
    return boost::json::serialize(v);
  }

  const std::vector<Shape>& shapes_;
  std::vector<std::string> errors_;
  std::string type_error_;
};

Result<Shape> parseShape(const boost::json::object& o, const std::unordered_map<std::string, int>& index) {
  auto ref = [&](const char* field) -> Result<int> {
    const boost::json::value* name = o.if_contains(field);
    if (!name) return -1;
    auto it = name->is_string() ? index.find(std::string(name->get_string())) : index.end();
    if (it == index.end()) return internalError(fmt::format("model refers to an unknown shape in '{}'", field));
    return it->second;
  };
  Shape s;
  const boost::json::value* type = o.if_contains("type");
  std::optional<ShapeType> t = type && type->is_string() ? parseType(type->get_string()) : std::nullopt;
  if (!t) return internalError("model shape has no valid type");
  s.type = *t;
  if (auto* v = o.if_contains("min"); v && v->is_number()) s.min = v->to_number<double>();
  if (auto* v = o.if_contains("max"); v && v->is_number()) s.max = v->to_number<double>();
  if (auto* v = o.if_contains("document"); v && v->is_bool()) s.document = v->get_bool();
  if (auto* v = o.if_contains("sensitive"); v && v->is_bool()) s.sensitive = v->get_bool();
  if (auto* v = o.if_contains("enum"); v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) s.enumValues.emplace_back(e.get_string());
    }
  }
  for (auto [field, target] : {std::pair{"member", &s.member}, {"key", &s.key}, {"value", &s.value}}) {
    Result<int> r = ref(field);
    if (!r) return std::unexpected(r.error());
    *target = *r;
  }
  if ((s.type == ShapeType::kList && s.member < 0) || (s.type == ShapeType::kMap && (s.key < 0 || s.value < 0))) {
    return internalError("model list or map shape lacks its member shapes");
  }
  if (auto* members = o.if_contains("members"); members && members->is_object()) {
    for (const auto& [name, shapeName] : members->get_object()) {
      auto it = shapeName.is_string() ? index.find(std::string(shapeName.get_string())) : index.end();
      if (it == index.end()) return internalError("model member refers to an unknown shape");
      s.members.push_back({std::string(name), it->second, false});
    }
  }
  if (auto* required = o.if_contains("required"); required && required->is_array()) {
    for (const auto& r : required->get_array()) {
      for (auto& m : s.members) {
        if (r.is_string() && m.name == r.get_string()) m.required = true;
      }
    }
  }
  return s;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Walks a value along its shape, renaming structure members and converting scalars on the way.
class Rewriter {
 public:
  using Rename = std::string (*)(const std::string& modelName);
  Rewriter(const std::vector<Shape>& shapes, Rename rename, bool millis)
      : shapes_(shapes), rename_(rename), millis_(millis) {}

  boost::json::value rewrite(const Shape& shape, const boost::json::value& v) const {
    if (shape.document) return v;
    if (shape.type == ShapeType::kTimestamp && millis_) return epochMillis(v);
    if (shape.type == ShapeType::kList && v.is_array()) {
      boost::json::array out;
      for (const auto& item : v.get_array()) out.push_back(rewrite(shapes_[shape.member], item));
      return out;
    }
    if (shape.type == ShapeType::kMap && v.is_object()) {
      boost::json::object out;
      for (const auto& [k, item] : v.get_object()) out[k] = rewrite(shapes_[shape.value], item);
      return out;
    }
    if (shape.type == ShapeType::kStructure && v.is_object()) return rewriteStructure(shape, v.get_object());
    return v;
  }

  boost::json::object rewriteStructure(const Shape& shape, const boost::json::object& o) const {
    boost::json::object out;
    for (const auto& [k, item] : o) {
      auto m = std::find_if(shape.members.begin(), shape.members.end(),
                            [&](const Shape::Member& m) { return equalsIgnoringCase(m.name, k); });
      if (m == shape.members.end()) {
        out[k] = item;
      } else {
        out[rename_(m->name)] = rewrite(shapes_[m->shape], item);
      }
    }
    return out;
  }

 private:
  static boost::json::value epochMillis(const boost::json::value& v) {
    if (v.is_number()) return static_cast<int64_t>(std::llround(v.to_number<double>() * 1000));
    if (v.is_string()) {
      if (auto t = parseIso8601(v.get_string())) {
        return wharf::epochMillis(*t);
      }
    }
    return v;
  }

  const std::vector<Shape>& shapes_;
  Rename rename_;
  bool millis_;
};

std::string modelName(const std::string& name) { return name; }

std::string pascalName(const std::string& modelName) {
  std::string name = modelName;
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

}  // namespace

ModelValidator::~ModelValidator() = default;

const ModelValidator& ModelValidator::builtin() {
  static const std::unique_ptr<ModelValidator> models = [] {
    auto parsed = fromJson(kEmbeddedModels);
    // The embedded models were generated by this build: failing to parse them is a build bug.
    if (!parsed) std::abort();
    return std::move(*parsed);
  }();
  return *models;
}

Result<std::unique_ptr<ModelValidator>> ModelValidator::fromJson(std::string_view models) {
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(models, ec);
  if (ec || !root.is_object()) return internalError("service models are not a JSON object");
  std::unique_ptr<ModelValidator> validator(new ModelValidator());
  for (const auto& [name, svc] : root.get_object()) {
    const boost::json::object* o = svc.if_object();
    const boost::json::object* shapes = o && o->contains("shapes") ? o->at("shapes").if_object() : nullptr;
    const boost::json::object* ops = o && o->contains("operations") ? o->at("operations").if_object() : nullptr;
    auto text = [&](const char* field) -> std::string {
      const boost::json::value* v = o ? o->if_contains(field) : nullptr;
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    if (!shapes || !ops || text("targetPrefix").empty()) {
      return internalError(
          fmt::format("service model '{}' lacks targetPrefix, operations or shapes", std::string(name)));
    }
    auto service = std::make_unique<Service>();
    service->info = {text("targetPrefix"), text("jsonVersion"), text("signingName"),
                     genericErrorFor(text("targetPrefix"))};
    std::unordered_map<std::string, int> index;
    for (const auto& [shapeName, _] : *shapes) index.emplace(std::string(shapeName), static_cast<int>(index.size()));
    service->shapes.resize(index.size());
    for (const auto& [shapeName, shape] : *shapes) {
      if (!shape.is_object()) return internalError("model shape is not an object");
      Result<Shape> parsed = parseShape(shape.get_object(), index);
      if (!parsed) return std::unexpected(parsed.error());
      service->shapes[index.at(std::string(shapeName))] = std::move(*parsed);
    }
    for (const auto& [op, input] : *ops) {
      auto it = input.is_string() ? index.find(std::string(input.get_string())) : index.end();
      if (input.is_string() && it == index.end()) return internalError("operation input refers to an unknown shape");
      service->operations.emplace(std::string(op), it == index.end() ? -1 : it->second);
    }
    if (const boost::json::object* outs = o->contains("outputs") ? o->at("outputs").if_object() : nullptr) {
      for (const auto& [op, output] : *outs) {
        auto it = output.is_string() ? index.find(std::string(output.get_string())) : index.end();
        if (it == index.end()) return internalError("operation output refers to an unknown shape");
        service->outputs.emplace(std::string(op), it->second);
      }
    }
    validator->services_.push_back(std::move(service));
  }
  return validator;
}

const ModelValidator::Service* ModelValidator::find(std::string_view targetPrefix) const {
  for (const auto& s : services_) {
    if (s->info.targetPrefix == targetPrefix) return s.get();
  }
  return nullptr;
}

const ServiceInfo* ModelValidator::service(std::string_view targetPrefix) const {
  const Service* s = find(targetPrefix);
  return s ? &s->info : nullptr;
}

std::vector<std::string> ModelValidator::operations(std::string_view targetPrefix) const {
  std::vector<std::string> names;
  if (const Service* s = find(targetPrefix)) {
    for (const auto& [name, _] : s->operations) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool ModelValidator::hasOperation(std::string_view targetPrefix, std::string_view operation) const {
  const Service* s = find(targetPrefix);
  return s && s->operations.contains(std::string(operation));
}

Result<void> ModelValidator::validate(std::string_view targetPrefix, std::string_view operation,
                                      const boost::json::object& input) const {
  const Service* s = find(targetPrefix);
  if (!s) return {};
  auto op = s->operations.find(std::string(operation));
  if (op == s->operations.end() || op->second < 0) return {};
  Checker checker(s->shapes);
  if (!checker.checkStructure(s->shapes[op->second], input, "")) {
    return fail(ErrorCode::kInvalidArgument, "SerializationException", checker.typeError());
  }
  const auto& errors = checker.errors();
  if (errors.empty()) return {};
  return fail(ErrorCode::kInvalidArgument, s->info.genericError,
              fmt::format("{} validation error{} detected: {}", errors.size(), errors.size() == 1 ? "" : "s",
                          fmt::join(errors, "; ")));
}

boost::json::object ModelValidator::matchInputMembers(std::string_view targetPrefix, std::string_view operation,
                                                      const boost::json::object& input) const {
  const Service* s = find(targetPrefix);
  if (!s) return input;
  auto op = s->operations.find(std::string(operation));
  if (op == s->operations.end() || op->second < 0) return input;
  return Rewriter(s->shapes, modelName, false).rewriteStructure(s->shapes[op->second], input);
}

boost::json::value ModelValidator::toSdkOutput(std::string_view targetPrefix, std::string_view operation,
                                               const boost::json::value& output) const {
  const Service* s = find(targetPrefix);
  if (!s) return output;
  auto op = s->outputs.find(std::string(operation));
  if (op == s->outputs.end()) return output;
  return Rewriter(s->shapes, pascalName, true).rewrite(s->shapes[op->second], output);
}

}  // namespace wharf::api
