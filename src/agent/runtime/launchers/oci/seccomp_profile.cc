#include "agent/runtime/launchers/oci/seccomp_profile.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace wharf::agent {
namespace {

namespace json = boost::json;

// What ordinary programs use: files, memory, processes, credentials, signals, time, sockets, IPC.
// The kernel still checks its own permissions on each (chown needs CAP_CHOWN, adjtimex only reads
// without CAP_SYS_TIME, setpriority only lowers priority without CAP_SYS_NICE, ...).
// clang-format off
constexpr std::string_view kAllowed[] = {
    // files and descriptors
    "access", "faccessat", "faccessat2", "open", "openat", "openat2", "creat", "close", "close_range", "read",
    "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2", "lseek",
    "_llseek", "dup", "dup2", "dup3", "fcntl", "fcntl64", "ioctl", "flock", "fsync", "fdatasync", "sync", "syncfs",
    "sync_file_range", "truncate", "truncate64", "ftruncate", "ftruncate64", "fallocate", "fadvise64",
    "fadvise64_64", "readahead", "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range",
    "cachestat", "stat", "stat64", "lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat", "statx",
    "statfs", "statfs64", "fstatfs", "fstatfs64", "getdents", "getdents64", "getcwd", "chdir", "fchdir", "mkdir",
    "mkdirat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink",
    "unlinkat", "readlink", "readlinkat", "mknod", "mknodat", "umask", "chmod", "fchmod", "fchmodat", "fchmodat2",
    "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32", "utime", "utimes", "utimensat",
    "utimensat_time64", "futimesat", "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
    "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "inotify_init",
    "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark", "pipe", "pipe2", "memfd_create",
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
    // waiting on descriptors
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old", "epoll_pwait", "epoll_pwait2",
    "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_settime64",
    "timerfd_gettime", "timerfd_gettime64",
    // memory
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mlock", "mlock2",
    "mlockall", "munlock", "munlockall", "remap_file_pages", "membarrier", "memfd_secret", "pkey_alloc", "pkey_free",
    "pkey_mprotect",
    // processes and threads
    "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid", "kill", "tkill",
    "tgkill", "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "set_tid_address",
    "set_robust_list", "get_robust_list", "futex", "futex_time64", "futex_waitv", "futex_wait", "futex_wake",
    "futex_requeue", "rseq", "restart_syscall", "pause", "prctl", "capget", "capset", "seccomp", "pidfd_open",
    "pidfd_send_signal", "process_mrelease", "sched_yield", "sched_getaffinity", "sched_setaffinity",
    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler", "sched_getattr", "sched_setattr",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "getpriority", "setpriority", "ioprio_get", "ioprio_set", "getcpu", "landlock_create_ruleset",
    "landlock_add_rule", "landlock_restrict_self",
    // credentials
    "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32", "getresuid",
    "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32", "setuid", "setuid32", "setgid",
    "setgid32", "setreuid", "setreuid32", "setregid", "setregid32", "setresuid", "setresuid32", "setresgid",
    "setresgid32", "setgroups", "setgroups32", "setfsuid", "setfsuid32", "setfsgid", "setfsgid32",
    // signals
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaction", "signal", "sigprocmask",
    "sigreturn", "sigpending", "sigsuspend", "sigaltstack",
    // time
    "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
    "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "alarm", "getitimer", "setitimer", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
    "times", "adjtimex", "clock_adjtime", "clock_adjtime64",
    // resources and system information
    "getrlimit", "ugetrlimit", "setrlimit", "prlimit64", "getrusage", "sysinfo", "uname", "getrandom",
    // sockets (socket itself is filtered below)
    "socketcall", "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername",
    "getsockopt", "setsockopt", "shutdown", "send", "sendto", "sendmsg", "sendmmsg", "recv", "recvfrom", "recvmsg",
    "recvmmsg", "recvmmsg_time64",
    // System V and POSIX IPC (namespaced)
    "ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semtimedop_time64", "semctl",
    "shmget", "shmat", "shmdt", "shmctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64",
    "mq_timedreceive", "mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
#if defined(__x86_64__) || defined(__i386__)
    "arch_prctl", "modify_ldt", "set_thread_area", "get_thread_area",
#elif defined(__aarch64__) || defined(__arm__)
    "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls",
#endif
};
// clang-format on

// Syscalls that reach outside the container's namespaces, so that only a holder of the capability
// the kernel itself checks for them may make them (clone and clone3 are handled apart).
struct Gate {
  std::string_view capability;
  std::vector<std::string_view> syscalls;
};

const std::vector<Gate> kGates = {
    {"CAP_SYS_ADMIN",
     {"mount",          "umount",      "umount2",         "pivot_root", "mount_setattr", "move_mount",
      "open_tree",      "fsopen",      "fsconfig",        "fsmount",    "fspick",        "unshare",
      "setns",          "sethostname", "setdomainname",   "quotactl",   "quotactl_fd",   "fanotify_init",
      "lookup_dcookie", "bpf",         "perf_event_open", "syslog"}},
    {"CAP_BPF", {"bpf"}},
    {"CAP_PERFMON", {"perf_event_open"}},
    {"CAP_SYSLOG", {"syslog"}},
    {"CAP_SYS_BOOT", {"reboot", "kexec_load", "kexec_file_load"}},
    {"CAP_SYS_MODULE", {"init_module", "finit_module", "delete_module"}},
    {"CAP_SYS_PTRACE",
     {"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise", "userfaultfd"}},
    {"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
    {"CAP_SYS_NICE",
     {"mbind", "get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages", "move_pages"}},
    {"CAP_SYS_PACCT", {"acct"}},
    {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
    {"CAP_SYS_CHROOT", {"chroot"}},
    {"CAP_DAC_READ_SEARCH", {"open_by_handle_at", "name_to_handle_at"}},
};

// Denied whatever the capabilities: the kernel keyring and swap are not namespaced, io_uring has
// been a steady source of kernel exploits (Docker blocks it too), the rest are obsolete.
constexpr std::string_view kNeverAllowed[] = {
    "add_key",        "keyctl",          "request_key",       "swapon", "swapoff",
    "io_uring_setup", "io_uring_enter",  "io_uring_register", "uselib", "ustat",
    "sysfs",          "_sysctl",         "nfsservctl",        "vm86",   "vm86old",
    "create_module",  "get_kernel_syms", "query_module"};

// The namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
constexpr uint64_t kCloneNamespaceFlags[] = {0x00020000, 0x02000000, 0x04000000, 0x08000000,
                                             0x10000000, 0x20000000, 0x40000000};
constexpr uint64_t kAfVsock = 40;
// personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26 with either, and the query.
constexpr uint64_t kPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

json::object rule(const auto& names, std::string_view action, std::optional<int> errnoRet = std::nullopt,
                  json::array args = {}) {
  json::array list;
  for (std::string_view n : names) list.emplace_back(n);
  json::object r{{"names", std::move(list)}, {"action", action}};
  if (errnoRet) r["errnoRet"] = *errnoRet;
  if (!args.empty()) r["args"] = std::move(args);
  return r;
}

json::object arg0(std::string_view op, uint64_t value, uint64_t valueTwo = 0) {
  json::object a{{"index", 0}, {"value", value}, {"op", op}};
  if (op == "SCMP_CMP_MASKED_EQ") a["valueTwo"] = valueTwo;
  return a;
}

json::array architectures() {
#if defined(__aarch64__) || defined(__arm__)
  return {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
#else
  return {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
#endif
}

}  // namespace

json::object defaultSeccompProfile(const std::set<std::string>& capabilities) {
  auto holds = [&](std::string_view cap) { return capabilities.contains(std::string(cap)); };
  std::set<std::string_view> allowed(std::begin(kAllowed), std::end(kAllowed));
  std::set<std::string_view> denied(std::begin(kNeverAllowed), std::end(kNeverAllowed));
  for (const Gate& gate : kGates)
    (holds(gate.capability) ? allowed : denied).insert(gate.syscalls.begin(), gate.syscalls.end());
  for (std::string_view s : allowed) denied.erase(s);

  json::array rules;
  if (holds("CAP_SYS_ADMIN")) allowed.insert({"clone", "clone3"});
  rules.push_back(rule(allowed, "SCMP_ACT_ALLOW"));
  if (!holds("CAP_SYS_ADMIN")) {
    uint64_t mask = 0;
    for (uint64_t flag : kCloneNamespaceFlags) {
      mask |= flag;
      rules.push_back(
          rule(std::array{"clone"}, "SCMP_ACT_ERRNO", EPERM, json::array{arg0("SCMP_CMP_MASKED_EQ", flag, flag)}));
    }
    rules.push_back(
        rule(std::array{"clone"}, "SCMP_ACT_ALLOW", std::nullopt, json::array{arg0("SCMP_CMP_MASKED_EQ", mask, 0)}));
    rules.push_back(rule(std::array{"clone3"}, "SCMP_ACT_ERRNO", ENOSYS));
  }
  rules.push_back(
      rule(std::array{"socket"}, "SCMP_ACT_ALLOW", std::nullopt, json::array{arg0("SCMP_CMP_NE", kAfVsock)}));
  rules.push_back(rule(std::array{"socket"}, "SCMP_ACT_ERRNO", EPERM, json::array{arg0("SCMP_CMP_EQ", kAfVsock)}));
  for (uint64_t p : kPersonalities)
    rules.push_back(
        rule(std::array{"personality"}, "SCMP_ACT_ALLOW", std::nullopt, json::array{arg0("SCMP_CMP_EQ", p)}));
  rules.push_back(rule(denied, "SCMP_ACT_ERRNO", EPERM));
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"defaultErrnoRet", ENOSYS},
          {"architectures", architectures()},
          {"syscalls", std::move(rules)}};
}

}  // namespace wharf::agent
