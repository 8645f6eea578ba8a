#include "sfn/jsonata/json_convert.h"

#include <cmath>

namespace wharf::jsonata {

Value fromJson(const boost::json::value& json) {
  switch (json.kind()) {
    case boost::json::kind::null:
      return Value::null();
    case boost::json::kind::bool_:
      return Value::boolean(json.get_bool());
    case boost::json::kind::int64:
      return Value::number(static_cast<double>(json.get_int64()));
    case boost::json::kind::uint64:
      return Value::number(static_cast<double>(json.get_uint64()));
    case boost::json::kind::double_:
      return Value::number(json.get_double());
    case boost::json::kind::string:
      return Value::string(std::string(json.get_string()));
    case boost::json::kind::array: {
      Array out;
      out.reserve(json.get_array().size());
      for (const auto& v : json.get_array()) out.push_back(fromJson(v));
      return Value::array(std::move(out));
    }
    case boost::json::kind::object: {
      auto o = std::make_shared<Object>();
      o->entries.reserve(json.get_object().size());
      for (const auto& kv : json.get_object()) o->set(std::string(kv.key()), fromJson(kv.value()));
      return Value::object(o);
    }
  }
  return Value();
}

boost::json::value toJson(const Value& value) {
  switch (value.kind()) {
    case Kind::kUndefined:
    case Kind::kNull:
      return nullptr;
    case Kind::kBool:
      return value.asBool();
    case Kind::kNumber: {
      double d = value.asNumber();
      if (!std::isfinite(d)) return nullptr;
      if (std::floor(d) == d && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
      return d;
    }
    case Kind::kString:
      return boost::json::string(value.str());
    case Kind::kFunction:
      return boost::json::string("");
    case Kind::kArray: {
      boost::json::array out;
      out.reserve(value.arr().size());
      for (const Value& v : value.arr()) out.push_back(v.isFunction() ? boost::json::value(nullptr) : toJson(v));
      return out;
    }
    case Kind::kObject: {
      boost::json::object out;
      for (const auto& [k, v] : value.obj().entries) {
        if (v.isUndefined() || v.isFunction()) continue;
        out[k] = toJson(v);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace wharf::jsonata
