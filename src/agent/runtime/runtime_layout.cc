#include "agent/runtime/runtime_layout.h"

#include <filesystem>
#include <system_error>

namespace wharf::agent {

Result<void> RuntimeLayout::prepare() const {
  std::error_code ec;
  for (const auto& dir : {root_ + "/tasks", exitsDir(), runtimeStateDir()}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::kUnavailable, "", "cannot create " + dir + ": " + ec.message());
  }
  return {};
}

std::optional<ContainerRef> RuntimeLayout::parseStatusName(const std::string& name) {
  constexpr std::string_view kSuffix = ".json";
  size_t dot = name.find('.');
  if (name.starts_with(".") || dot == std::string::npos || !name.ends_with(kSuffix) ||
      dot + 1 + kSuffix.size() > name.size())
    return std::nullopt;
  return ContainerRef{name.substr(0, dot), name.substr(dot + 1, name.size() - dot - 1 - kSuffix.size())};
}

}  // namespace wharf::agent
