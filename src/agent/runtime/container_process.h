// The process a container runs, combined from the image config and the container definition the
// way Docker and ECS combine them. Shared by every launcher.
#pragma once

#include <string>
#include <vector>

#include "agent/images/image_store.h"
#include "agent/task_spec.h"
#include "common/result.h"

namespace wharf::agent {

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct ProcessSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;  // KEY=VALUE, each key once
  std::string cwd;
};

// args: an entryPoint override replaces the image's Entrypoint and drops its Cmd; `command`
// replaces Cmd. env: the image's Env, overridden key by key by the container's environment, PATH
// defaulted. cwd: workingDirectory, else the image's WorkingDir, else "/". Fails when no command
// results.
Result<ProcessSpec> containerProcess(const ContainerSpec& spec, const ImageConfig& image);

// Sets KEY=value in `env` unless the key is already there.
void setEnvDefault(std::vector<std::string>& env, const std::string& key, const std::string& value);

}  // namespace wharf::agent
