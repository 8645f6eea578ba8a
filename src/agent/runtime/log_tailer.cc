#include "agent/runtime/log_tailer.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string_view>

namespace wharf::agent {
namespace {

// CloudWatch Logs' PutLogEvents limits: 10,000 events and 1 MiB per batch.
constexpr size_t kMaxBatchLines = 10000;
constexpr size_t kMaxBatchBytes = 1 << 20;
constexpr size_t kReadChunk = 1 << 20;

// "<epoch-ms> <o|e> <text>" (see capture_format.h).
LogLine parseRecord(std::string_view record) {
  LogLine line;
  auto [end, ec] = std::from_chars(record.data(), record.data() + record.size(), line.timestampMs);
  size_t textAt = size_t(end - record.data()) + 3;
  if (ec != std::errc() || textAt > record.size()) {
    line.message = std::string(record);  // not ours; pass it on rather than lose it
  } else {
    line.message = std::string(record.substr(textAt));
  }
  return line;
}

}  // namespace

LogTailer::LogTailer(std::string capturePath, LogBatch header, LogSink& sink, uint64_t offset)
    : path_(std::move(capturePath)), header_(std::move(header)), sink_(sink), offset_(offset) {}

LogTailer::~LogTailer() {
  if (fd_ >= 0) close(fd_);
}

uint64_t LogTailer::offset() const {
  std::lock_guard lock(mutex_);
  return offset_;
}

Result<void> LogTailer::pump() {
  std::lock_guard lock(mutex_);
  if (fd_ < 0 && (fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC)) < 0) return {};  // nothing written yet
  std::string buf;
  for (;;) {
    buf.resize(kReadChunk);
    ssize_t n = pread(fd_, buf.data(), buf.size(), off_t(offset_));
    if (n <= 0) return {};
    buf.resize(size_t(n));
    size_t complete = buf.rfind('\n');
    if (complete == std::string::npos) return {};  // a record still being written
    LogBatch batch = header_;
    batch.startOffset = offset_;
    size_t pos = 0, bytes = 0;
    while (pos <= complete && batch.lines.size() < kMaxBatchLines && bytes < kMaxBatchBytes) {
      size_t eol = buf.find('\n', pos);
      batch.lines.push_back(parseRecord(std::string_view(buf).substr(pos, eol - pos)));
      bytes += batch.lines.back().message.size() + 26;
      pos = eol + 1;
    }
    batch.endOffset = offset_ + pos;
    auto stored = sink_.deliver(batch);
    if (!stored) return std::unexpected(stored.error());
    offset_ = batch.endOffset;
  }
}

}  // namespace wharf::agent
