#include "agent/runtime/container_process.h"

#include <algorithm>

namespace wharf::agent {
namespace {

std::string keyOf(const std::string& entry) { return entry.substr(0, entry.find('=')); }

void setEnv(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  auto it = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return keyOf(e) == key; });
  if (it != env.end())
    *it = key + "=" + value;
  else
    env.push_back(key + "=" + value);
}

}  // namespace

void setEnvDefault(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  if (std::none_of(env.begin(), env.end(), [&](const std::string& e) { return keyOf(e) == key; }))
    env.push_back(key + "=" + value);
}

Result<ProcessSpec> containerProcess(const ContainerSpec& spec, const ImageConfig& image) {
  ProcessSpec p;
  if (spec.entryPoint) {
    p.args = *spec.entryPoint;
    if (spec.command) p.args.insert(p.args.end(), spec.command->begin(), spec.command->end());
  } else {
    p.args = image.entrypoint;
    const auto& cmd = spec.command ? *spec.command : image.cmd;
    p.args.insert(p.args.end(), cmd.begin(), cmd.end());
  }
  if (p.args.empty() || p.args[0].empty())
    return invalidParameter("container " + spec.name + ": no command specified (neither the image nor the task " +
                                "definition has an entry point or command)",
                            "CannotStartContainerError");
  for (const auto& e : image.env)
    setEnv(p.env, keyOf(e), e.find('=') == std::string::npos ? "" : e.substr(e.find('=') + 1));
  for (const auto& [k, v] : spec.environment) setEnv(p.env, k, v);
  setEnvDefault(p.env, "PATH", kDefaultPath);
  p.cwd = spec.workingDirectory.value_or(image.workingDir.empty() ? "/" : image.workingDir);
  return p;
}

}  // namespace wharf::agent
