#include "agent/images/image_config.h"

#include <boost/json.hpp>

namespace wharf::agent {
namespace {

namespace json = boost::json;

std::vector<std::string> stringList(const json::object& config, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* array = config.contains(key) ? config.at(key).if_array() : nullptr)
    for (const auto& item : *array)
      if (const auto* s = item.if_string()) out.emplace_back(*s);
  return out;
}

std::string stringField(const json::object& config, std::string_view key) {
  const auto* s = config.contains(key) ? config.at(key).if_string() : nullptr;
  return s ? std::string(*s) : std::string();
}

json::array toArray(const std::vector<std::string>& items) { return json::array(items.begin(), items.end()); }

}  // namespace

Result<ImageConfig> parseImageConfig(std::string_view text) {
  std::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return invalidParameter("malformed image config");
  ImageConfig config;
  const auto& top = doc.get_object();
  const auto* inner = top.contains("config") ? top.at("config").if_object() : nullptr;
  if (!inner) return config;
  config.env = stringList(*inner, "Env");
  config.entrypoint = stringList(*inner, "Entrypoint");
  config.cmd = stringList(*inner, "Cmd");
  config.workingDir = stringField(*inner, "WorkingDir");
  config.user = stringField(*inner, "User");
  return config;
}

std::string serializeImageConfig(const ImageConfig& config) {
  json::object inner{{"Env", toArray(config.env)},
                     {"Entrypoint", toArray(config.entrypoint)},
                     {"Cmd", toArray(config.cmd)},
                     {"WorkingDir", config.workingDir},
                     {"User", config.user}};
  return json::serialize(json::object{{"config", std::move(inner)}});
}

}  // namespace wharf::agent
