// The capture file a container supervisor writes: every line the container printed, in order,
// one record per line:
//
//   <epoch-milliseconds> <o|e> <text>\n
//
// `o` is stdout, `e` stderr. A text line longer than kMaxCaptureLine bytes is split into several
// records; a final line without a newline is recorded when the stream closes. Records are only
// ever appended, so a byte offset into the file is a stable resume point.
#pragma once

#include <cstddef>

namespace wharf::agent {

inline constexpr size_t kMaxCaptureLine = 256 * 1024 - 26;  // CloudWatch Logs' event limit minus overhead

}  // namespace wharf::agent
