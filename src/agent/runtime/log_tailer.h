// Follows one container's capture file and delivers its records, in order and in batches, to a
// LogSink. Resumes from an offset (the sink's resumeOffset after a restart), so lines are neither
// lost nor delivered twice.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "agent/log_sink.h"

namespace wharf::agent {

class LogTailer {
 public:
  // `header` names the task, container and log spec every batch carries.
  LogTailer(std::string capturePath, LogBatch header, LogSink& sink, uint64_t offset);
  ~LogTailer();
  LogTailer(const LogTailer&) = delete;
  LogTailer& operator=(const LogTailer&) = delete;

  // Delivers every complete record written since the last call. A failed delivery is retried on
  // the next call. Thread-safe.
  Result<void> pump();

  uint64_t offset() const;

 private:
  std::string path_;
  LogBatch header_;
  LogSink& sink_;
  mutable std::mutex mutex_;
  uint64_t offset_;
  int fd_ = -1;
};

}  // namespace wharf::agent
