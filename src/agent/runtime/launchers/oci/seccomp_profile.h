// Wharf's default seccomp filter for containers (linux.seccomp of config.json): an allowlist in
// the spirit of Docker's default profile, widened by the capabilities the container holds.
#pragma once

#include <boost/json/object.hpp>
#include <set>
#include <string>

namespace wharf::agent {

// The filter for a container holding `capabilities` (kernel names, "CAP_SYS_ADMIN", ...).
//
// Shape: syscalls a container needs are allowed; those a capability gates (mount and the namespace
// calls with CAP_SYS_ADMIN, ptrace with CAP_SYS_PTRACE, settimeofday with CAP_SYS_TIME, ...) are
// allowed only with it; the gated ones not held and the ones never allowed (kernel keyring, swap,
// obsolete and unnamespaced calls) fail with EPERM; anything else, including syscalls newer than
// the list, fails with ENOSYS so that programs take their fallbacks. Without CAP_SYS_ADMIN, clone
// may not create namespaces (EPERM) and clone3, whose flags a filter cannot read, fails with ENOSYS
// so that libc falls back to clone; socket may not open AF_VSOCK and personality is limited to the
// values Docker allows.
boost::json::object defaultSeccompProfile(const std::set<std::string>& capabilities);

}  // namespace wharf::agent
