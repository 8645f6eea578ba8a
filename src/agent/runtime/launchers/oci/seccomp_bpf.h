// Compiles a seccomp profile to the BPF program the kernel loads, as an OCI runtime does with
// libseccomp, so that crun can be handed the program (annotation run.oci.seccomp_bpf_data)
// instead of compiling the same profile again for every container.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "common/result.h"

namespace wharf::agent {

// The annotation crun reads a precompiled filter from (base64 of the BPF instructions).
inline constexpr const char* kCrunSeccompBpfAnnotation = "run.oci.seccomp_bpf_data";

// `profile` is a linux.seccomp object of config.json. The result is the base64 text of its BPF
// program, built the way crun builds it: rules with the default action are left out, syscall
// names this libseccomp does not know are skipped.
Result<std::string> compileSeccompBpf(const boost::json::object& profile);

}  // namespace wharf::agent
