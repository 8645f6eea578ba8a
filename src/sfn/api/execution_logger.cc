#include "sfn/api/execution_logger.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <ctime>
#include <memory>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace wharf::sfn {
namespace json = boost::json;

namespace {

std::unexpected<Error> invalidLogging(std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "InvalidLoggingConfiguration",
              fmt::format("Invalid Logging Configuration: {}", why));
}

std::optional<LogLevel> parseLevel(std::string_view name) {
  constexpr std::array<std::pair<std::string_view, LogLevel>, 4> kLevels{
      {{"OFF", LogLevel::kOff}, {"FATAL", LogLevel::kFatal}, {"ERROR", LogLevel::kError}, {"ALL", LogLevel::kAll}}};
  for (auto [n, level] : kLevels) {
    if (n == name) return level;
  }
  return std::nullopt;
}

// The logGroupArn of the one destination, "" when it has none.
std::string destinationArn(const json::value& destination) {
  const auto* d = destination.if_object();
  const auto* group = d ? d->if_contains("cloudWatchLogsLogGroup") : nullptr;
  const auto* arn = group && group->is_object() ? group->get_object().if_contains("logGroupArn") : nullptr;
  return arn && arn->is_string() ? std::string(arn->get_string()) : std::string();
}

}  // namespace

Result<std::optional<LoggingTarget>> parseLoggingConfiguration(const json::value& config,
                                                               const logs::Partition& partition) {
  const json::object* o = config.if_object();
  if (!o) return std::optional<LoggingTarget>();
  LoggingTarget target;
  if (const auto* level = o->if_contains("level"); level && level->is_string()) {
    auto parsed = parseLevel(level->get_string());
    if (!parsed) return invalidLogging(fmt::format("Unknown log level '{}'.", std::string_view(level->get_string())));
    target.level = *parsed;
  }
  const auto* destinations = o->if_contains("destinations");
  size_t count = destinations && destinations->is_array() ? destinations->get_array().size() : 0;
  if (count > 1 || (target.level != LogLevel::kOff && count != 1))
    return invalidLogging("Must specify exactly one Log Destination.");
  if (const auto* include = o->if_contains("includeExecutionData"); include && include->is_bool())
    target.includeExecutionData = include->get_bool();
  if (count == 1) {
    std::string arn = destinationArn(destinations->get_array()[0]);
    auto group = logs::groupNameFromArn(partition, arn);
    if (!group) return invalidLogging(fmt::format("Invalid Log Group ARN: '{}'.", arn));
    target.logGroup = std::move(*group);
  }
  if (target.level == LogLevel::kOff) return std::optional<LoggingTarget>();
  return std::optional<LoggingTarget>(std::move(target));
}

Result<void> checkLoggingConfiguration(const json::value& config, const logs::Partition& partition,
                                       logs::LogStore* store) {
  auto target = parseLoggingConfiguration(config, partition);
  if (!target) return std::unexpected(target.error());
  if (!*target) return {};
  const std::string& group = (*target)->logGroup;
  if (!store || !store->group(group)) return invalidLogging("Log Destination not found.");
  auto created = store->createStream(group, kValidationStream);
  // Fails only when the group went away since the check above.
  if (!created && created.error().type != "ResourceAlreadyExistsException")
    return invalidLogging("Log Destination not found.");
  return {};
}

bool isLogged(LogLevel level, std::string_view type) {
  bool fatal = type == "ExecutionFailed" || type == "ExecutionAborted" || type == "ExecutionTimedOut";
  switch (level) {
    case LogLevel::kAll:
      return true;
    case LogLevel::kError:
      return fatal || type == "FailStateEntered" || type.ends_with("Failed") || type.ends_with("TimedOut") ||
             type.ends_with("Aborted");
    case LogLevel::kFatal:
      return fatal;
    case LogLevel::kOff:
      return false;
  }
  return false;
}

std::string logMessage(const asl::HistoryEvent& event, const ExecutionRecord& execution, bool includeExecutionData) {
  json::object details = event.detailsJson();
  if (!includeExecutionData) {
    for (std::string_view key : {"input", "inputDetails", "output", "outputDetails"}) details.erase(key);
  }
  int64_t millis = epochMillis(event.timestamp);
  json::object message;
  message["id"] = std::to_string(event.id);
  message["type"] = event.type;
  message["details"] = std::move(details);
  message["previous_event_id"] = std::to_string(event.previousEventId);
  message["event_timestamp"] = std::to_string(millis);
  message["execution_arn"] = execution.executionArn;
  message["redrive_count"] = std::to_string(execution.redriveCount);
  return json::serialize(message);
}

std::string logStreamName(std::string_view stateMachineName, int64_t timestampMs, std::string_view writerId) {
  std::time_t seconds = static_cast<std::time_t>(timestampMs / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("states/{}/{:04}-{:02}-{:02}-{:02}-{:02}/{}", stateMachineName, utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, writerId);
}

ExecutionLogger::ExecutionLogger(logs::LogStore& store, logs::Partition partition, std::string writerId)
    : store_(store), partition_(std::move(partition)), writerId_(std::move(writerId)), writer_([this] { run(); }) {}

ExecutionLogger::~ExecutionLogger() {
  {
    std::lock_guard lock(queueMu_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

void ExecutionLogger::configure(const std::string& stateMachineArn, const json::value& config) {
  auto target = parseLoggingConfiguration(config, partition_);
  std::unique_lock lock(targetsMu_);
  if (target && *target) {
    targets_[stateMachineArn] = std::move(**target);
  } else {
    targets_.erase(stateMachineArn);
  }
  targetCount_ = targets_.size();
}

void ExecutionLogger::forget(const std::string& stateMachineArn) {
  std::unique_lock lock(targetsMu_);
  targets_.erase(stateMachineArn);
  targetCount_ = targets_.size();
}

ExecutionEventSink::Publish ExecutionLogger::prepare(const ExecutionRecord& execution,
                                                     std::span<const asl::HistoryEvent> events) {
  if (targetCount_ == 0 || events.empty()) return {};
  LoggingTarget target;
  {
    std::shared_lock lock(targetsMu_);
    auto it = targets_.find(execution.stateMachineArn);
    if (it == targets_.end()) return {};
    target = it->second;
  }
  std::deque<Entry> entries;
  for (const auto& event : events) {
    if (!isLogged(target.level, event.type)) continue;
    int64_t millis = epochMillis(event.timestamp);
    entries.push_back(Entry{target.logGroup, logStreamName(execution.stateMachineName, millis, writerId_),
                            logs::NewEvent{millis, logMessage(event, execution, target.includeExecutionData)}});
  }
  if (entries.empty()) return {};
  return [this, entries = std::make_shared<std::deque<Entry>>(std::move(entries))] { enqueue(std::move(*entries)); };
}

void ExecutionLogger::enqueue(std::deque<Entry> entries) {
  {
    std::lock_guard lock(queueMu_);
    for (auto& entry : entries) {
      if (queue_.size() >= kMaxQueued) {
        ++dropped_;
        continue;
      }
      queue_.push_back(std::move(entry));
    }
  }
  wake_.notify_one();
}

void ExecutionLogger::flush() {
  std::unique_lock lock(queueMu_);
  idle_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

void ExecutionLogger::run() {
  std::unique_lock lock(queueMu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, with nothing left to write
    std::deque<Entry> batch;
    batch.swap(queue_);
    size_t dropped = std::exchange(dropped_, 0);
    writing_ = true;
    lock.unlock();
    if (dropped > 0) spdlog::warn("sfn logging: dropped {} events, the log writer is behind", dropped);
    write(batch);
    lock.lock();
    writing_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

// One append per stream, in the order the events were published.
void ExecutionLogger::write(std::deque<Entry>& batch) {
  std::map<std::pair<std::string, std::string>, std::vector<logs::NewEvent>> streams;
  for (auto& entry : batch) streams[{entry.group, entry.stream}].push_back(std::move(entry.event));
  for (const auto& [key, events] : streams) {
    const auto& [group, stream] = key;
    auto appended = store_.append(group, stream, events);
    if (!appended && store_.group(group)) {
      auto created = store_.createStream(group, stream);
      if (created || created.error().type == "ResourceAlreadyExistsException")
        appended = store_.append(group, stream, events);
    }
    // A deleted group drops the events, as AWS's delivery does; the execution is unaffected.
    if (!appended)
      spdlog::debug("sfn logging: {} events to {} dropped: {}", events.size(), group, appended.error().message);
  }
}

}  // namespace wharf::sfn
