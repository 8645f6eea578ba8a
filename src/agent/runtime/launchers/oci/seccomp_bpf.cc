#include "agent/runtime/launchers/oci/seccomp_bpf.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "agent/network/unique_fd.h"

namespace wharf::agent {
namespace {

namespace json = boost::json;

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

Result<uint32_t> action(const json::object& o, std::string_view key, std::string_view errnoKey) {
  std::string_view name = o.at(key).as_string();
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") {
    auto it = o.find(errnoKey);
    return SCMP_ACT_ERRNO(it == o.end() ? EPERM : uint32_t(it->value().to_number<int64_t>()));
  }
  return internalError("seccomp action not compiled here: " + std::string(name));
}

Result<scmp_compare> comparison(std::string_view op) {
  constexpr std::pair<std::string_view, scmp_compare> kOps[] = {{"SCMP_CMP_NE", SCMP_CMP_NE},
                                                                {"SCMP_CMP_LT", SCMP_CMP_LT},
                                                                {"SCMP_CMP_LE", SCMP_CMP_LE},
                                                                {"SCMP_CMP_EQ", SCMP_CMP_EQ},
                                                                {"SCMP_CMP_GE", SCMP_CMP_GE},
                                                                {"SCMP_CMP_GT", SCMP_CMP_GT},
                                                                {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  for (auto [name, value] : kOps)
    if (name == op) return value;
  return internalError("unknown seccomp operator: " + std::string(op));
}

Result<void> addArchitectures(void* ctx, const json::array& architectures) {
  for (const auto& a : architectures) {
    std::string name(a.as_string());
    if (name.starts_with("SCMP_ARCH_")) name = name.substr(10);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    uint32_t token = seccomp_arch_resolve_name(name.c_str());
    if (token == 0) return internalError("unknown seccomp architecture: " + name);
    if (int rc = seccomp_arch_add(ctx, token); rc < 0 && rc != -EEXIST)
      return internalError("seccomp_arch_add: " + std::string(strerror(-rc)));
  }
  return {};
}

Result<void> addRule(void* ctx, const json::object& rule, uint32_t defaultAction) {
  auto act = action(rule, "action", "errnoRet");
  if (!act) return std::unexpected(act.error());
  if (*act == defaultAction) return {};
  std::vector<scmp_arg_cmp> args;
  if (auto it = rule.find("args"); it != rule.end()) {
    for (const auto& a : it->value().as_array()) {
      const json::object& arg = a.as_object();
      auto op = comparison(arg.at("op").as_string());
      if (!op) return std::unexpected(op.error());
      auto number = [&](std::string_view k) { return arg.contains(k) ? arg.at(k).to_number<uint64_t>() : 0; };
      args.push_back({unsigned(number("index")), *op, number("value"), number("valueTwo")});
    }
  }
  for (const auto& n : rule.at("names").as_array()) {
    int nr = seccomp_syscall_resolve_name(std::string(n.as_string()).c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    if (int rc = seccomp_rule_add_array(ctx, *act, nr, unsigned(args.size()), args.data()); rc < 0)
      return internalError("seccomp_rule_add " + std::string(n.as_string()) + ": " + strerror(-rc));
  }
  return {};
}

Result<std::string> exportProgram(void* ctx) {
  UniqueFd fd(memfd_create("wharf-seccomp", MFD_CLOEXEC));
  if (!fd.valid()) return internalError("memfd_create: " + std::string(strerror(errno)));
  if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0)
    return internalError("seccomp_export_bpf: " + std::string(strerror(-rc)));
  off_t size = lseek(fd.get(), 0, SEEK_END);
  std::string program(size_t(std::max<off_t>(size, 0)), '\0');
  if (size <= 0 || pread(fd.get(), program.data(), program.size(), 0) != size)
    return internalError("cannot read the exported seccomp program");
  namespace base64 = boost::beast::detail::base64;
  std::string text(base64::encoded_size(program.size()), '\0');
  text.resize(base64::encode(text.data(), program.data(), program.size()));
  return text;
}

}  // namespace

Result<std::string> compileSeccompBpf(const json::object& profile) {
  auto defaultAction = action(profile, "defaultAction", "defaultErrnoRet");
  if (!defaultAction) return std::unexpected(defaultAction.error());
  Context ctx(seccomp_init(*defaultAction));
  if (!ctx) return internalError("seccomp_init failed");
  if (auto r = addArchitectures(ctx.get(), profile.at("architectures").as_array()); !r)
    return std::unexpected(r.error());
  for (const auto& rule : profile.at("syscalls").as_array())
    if (auto r = addRule(ctx.get(), rule.as_object(), *defaultAction); !r) return std::unexpected(r.error());
  return exportProgram(ctx.get());
}

}  // namespace wharf::agent
