// Where the agent delivers container output for log drivers (awslogs → CloudWatch Logs).
// The supervisor writes each container's stdout/stderr to a capture file; the agent tails it and
// hands lines to the sink in order. Delivery is exactly-once by capture-file offset: the sink
// stores `endOffset` with the events in one commit and ignores a batch whose `endOffset` it already
// has for that stream, so the agent may resend after a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/task_spec.h"
#include "common/result.h"

namespace wharf::agent {

struct LogLine {
  int64_t timestampMs = 0;
  std::string message;  // one line, without its newline
};

struct LogBatch {
  std::string taskId;
  std::string container;
  LogSpec log;               // driver and options from the task definition
  uint64_t startOffset = 0;  // capture-file byte range this batch covers
  uint64_t endOffset = 0;
  std::vector<LogLine> lines;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Durably stores the batch (or recognises it as already stored) and returns the highest
  // endOffset stored for that container, which the agent resumes from. Thread-safe.
  virtual Result<uint64_t> deliver(const LogBatch& batch) = 0;
  // The offset delivery should resume from for a container (0 when none yet). Thread-safe.
  virtual Result<uint64_t> resumeOffset(const std::string& taskId, const std::string& container,
                                        const LogSpec& log) = 0;
};

}  // namespace wharf::agent
