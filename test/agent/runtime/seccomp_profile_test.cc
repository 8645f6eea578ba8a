#include "agent/runtime/launchers/oci/seccomp_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cerrno>

namespace wharf::agent {
namespace {

namespace json = boost::json;
using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::Not;

const std::set<std::string> kDockerDefaults = {"CAP_CHOWN",      "CAP_DAC_OVERRIDE",    "CAP_FSETID", "CAP_FOWNER",
                                               "CAP_MKNOD",      "CAP_NET_RAW",         "CAP_SETGID", "CAP_SETUID",
                                               "CAP_SETFCAP",    "CAP_SETPCAP",         "CAP_KILL",   "CAP_AUDIT_WRITE",
                                               "CAP_SYS_CHROOT", "CAP_NET_BIND_SERVICE"};

std::set<std::string> with(std::set<std::string> caps, const std::string& extra) {
  caps.insert(extra);
  return caps;
}

// The names of the rules with `action` (and `errnoRet`, when given) that carry no argument filter.
std::set<std::string> unconditional(const json::object& profile, std::string_view action, int errnoRet = 0) {
  std::set<std::string> out;
  for (const auto& r : profile.at("syscalls").as_array()) {
    const json::object& rule = r.as_object();
    if (rule.at("action").as_string() != action || rule.contains("args")) continue;
    if (errnoRet && (!rule.contains("errnoRet") || rule.at("errnoRet").as_int64() != errnoRet)) continue;
    for (const auto& n : rule.at("names").as_array()) out.insert(std::string(n.as_string()));
  }
  return out;
}

std::vector<json::object> rulesFor(const json::object& profile, std::string_view name) {
  std::vector<json::object> out;
  for (const auto& r : profile.at("syscalls").as_array())
    for (const auto& n : r.at("names").as_array())
      if (n.as_string() == name) out.push_back(r.as_object());
  return out;
}

TEST(SeccompProfileTest, DeniesUnknownSyscallsWithEnosysForTheHostsArchitectures) {
  json::object p = defaultSeccompProfile(kDockerDefaults);
  EXPECT_EQ(p.at("defaultAction"), "SCMP_ACT_ERRNO");
  EXPECT_EQ(p.at("defaultErrnoRet"), ENOSYS);
#if defined(__x86_64__)
  EXPECT_EQ(p.at("architectures"), (json::array{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
#endif
}

TEST(SeccompProfileTest, AllowsWhatOrdinaryProgramsUse) {
  json::object p = defaultSeccompProfile(kDockerDefaults);
  auto allowed = unconditional(p, "SCMP_ACT_ALLOW");
  EXPECT_THAT(allowed,
              IsSupersetOf({"read",      "write", "openat",       "execve",    "fork",    "vfork",      "wait4",
                            "mmap",      "futex", "rt_sigaction", "connect",   "accept4", "epoll_wait", "clock_gettime",
                            "getrandom", "chown", "setuid",       "setgroups", "prctl",   "chroot"}));
  EXPECT_GT(allowed.size(), 300u);
}

TEST(SeccompProfileTest, DeniesDangerousSyscallsWithEperm) {
  json::object p = defaultSeccompProfile(kDockerDefaults);
  auto allowed = unconditional(p, "SCMP_ACT_ALLOW");
  auto denied = unconditional(p, "SCMP_ACT_ERRNO", EPERM);
  for (const char* s : {"kexec_load",   "open_by_handle_at", "init_module", "finit_module",  "delete_module",
                        "bpf",          "perf_event_open",   "add_key",     "keyctl",        "request_key",
                        "mount",        "umount2",           "pivot_root",  "reboot",        "swapon",
                        "swapoff",      "unshare",           "setns",       "ptrace",        "process_vm_readv",
                        "settimeofday", "clock_settime",     "mbind",       "io_uring_setup"}) {
    EXPECT_THAT(allowed, Not(Contains(s))) << s;
    EXPECT_THAT(denied, Contains(s)) << s;
  }
  for (const auto& s : allowed) EXPECT_FALSE(denied.contains(s)) << s << " both allowed and denied";
}

TEST(SeccompProfileTest, CloneMayNotCreateNamespacesWithoutSysAdmin) {
  json::object p = defaultSeccompProfile(kDockerDefaults);
  int permittedRules = 0, deniedFlags = 0;
  for (const json::object& r : rulesFor(p, "clone")) {
    ASSERT_TRUE(r.contains("args"));
    const json::object& a = r.at("args").as_array().at(0).as_object();
    EXPECT_EQ(a.at("op"), "SCMP_CMP_MASKED_EQ");
    if (r.at("action") == "SCMP_ACT_ALLOW") {
      ++permittedRules;
      EXPECT_EQ(a.at("value").to_number<uint64_t>(), 0x7E020000u);
      EXPECT_EQ(a.at("valueTwo").to_number<uint64_t>(), 0u);
    } else {
      ++deniedFlags;
      EXPECT_EQ(r.at("errnoRet"), EPERM);
      EXPECT_EQ(a.at("value"), a.at("valueTwo"));
    }
  }
  EXPECT_EQ(permittedRules, 1);
  EXPECT_EQ(deniedFlags, 7);
  auto clone3 = rulesFor(p, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0].at("errnoRet"), ENOSYS);  // so that libc falls back to clone
}

TEST(SeccompProfileTest, SysAdminAllowsMountsAndNamespaces) {
  json::object p = defaultSeccompProfile(with(kDockerDefaults, "CAP_SYS_ADMIN"));
  auto allowed = unconditional(p, "SCMP_ACT_ALLOW");
  EXPECT_THAT(allowed, IsSupersetOf({"mount", "umount2", "pivot_root", "unshare", "setns", "clone", "clone3", "bpf",
                                     "perf_event_open"}));
  EXPECT_EQ(rulesFor(p, "clone").size(), 1u);  // the unconditional one
  EXPECT_THAT(unconditional(p, "SCMP_ACT_ERRNO", EPERM), Not(Contains("mount")));
  // Still denied: not namespaced whatever the capabilities.
  EXPECT_THAT(allowed, Not(Contains("keyctl")));
  EXPECT_THAT(allowed, Not(Contains("init_module")));
}

TEST(SeccompProfileTest, EachCapabilityAddsTheSyscallsItGates) {
  struct Case {
    const char* capability;
    std::vector<std::string> syscalls;
  };
  for (const Case& c : {Case{"CAP_SYS_PTRACE", {"ptrace", "process_vm_readv", "process_vm_writev", "kcmp"}},
                        Case{"CAP_SYS_TIME", {"settimeofday", "clock_settime"}},
                        Case{"CAP_SYS_MODULE", {"init_module", "finit_module", "delete_module"}},
                        Case{"CAP_SYS_BOOT", {"reboot", "kexec_load"}},
                        Case{"CAP_SYS_NICE", {"mbind", "set_mempolicy", "get_mempolicy"}},
                        Case{"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}}, Case{"CAP_BPF", {"bpf"}}}) {
    auto before = unconditional(defaultSeccompProfile(kDockerDefaults), "SCMP_ACT_ALLOW");
    auto after = unconditional(defaultSeccompProfile(with(kDockerDefaults, c.capability)), "SCMP_ACT_ALLOW");
    for (const auto& s : c.syscalls) {
      EXPECT_FALSE(before.contains(s)) << s;
      EXPECT_TRUE(after.contains(s)) << c.capability << " " << s;
    }
    EXPECT_FALSE(after.contains("mount")) << c.capability;
  }
}

TEST(SeccompProfileTest, DroppingSysChrootDeniesChroot) {
  std::set<std::string> caps = kDockerDefaults;
  caps.erase("CAP_SYS_CHROOT");
  EXPECT_THAT(unconditional(defaultSeccompProfile(caps), "SCMP_ACT_ERRNO", EPERM), Contains("chroot"));
}

TEST(SeccompProfileTest, SocketMayNotOpenVsock) {
  auto rules = rulesFor(defaultSeccompProfile(kDockerDefaults), "socket");
  ASSERT_EQ(rules.size(), 2u);
  for (const json::object& r : rules) {
    const json::object& a = r.at("args").as_array().at(0).as_object();
    EXPECT_EQ(a.at("value"), 40);
    EXPECT_EQ(a.at("op"), r.at("action") == "SCMP_ACT_ALLOW" ? "SCMP_CMP_NE" : "SCMP_CMP_EQ");
  }
}

}  // namespace
}  // namespace wharf::agent
