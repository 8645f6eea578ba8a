// A sealed in-memory copy of an executable. runc and crun guard against CVE-2019-5736 (a container
// overwriting the host's runtime through /proc/self/exe) by copying themselves into a sealed memfd
// and re-executing on every invocation; started from such a copy they skip that step, which is
// about a third of crun's CPU per container, with the same protection.
#pragma once

#include <string>

#include "agent/network/unique_fd.h"
#include "common/result.h"

namespace wharf::agent {

// The full path `name` runs as: itself when it holds a '/', else the first executable match on
// PATH. An error when there is none.
Result<std::string> findExecutable(const std::string& name);

// A close-on-exec memfd holding the ELF executable at `path`, sealed against every change
// (F_SEAL_SEAL, SHRINK, GROW, WRITE: the set runc and crun check for). Run it with fexecve().
// Scripts are refused: their interpreter could not open a close-on-exec descriptor.
Result<UniqueFd> sealedCopy(const std::string& path);

}  // namespace wharf::agent
