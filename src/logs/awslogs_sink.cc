#include "logs/awslogs_sink.h"

#include "logs/put_rules.h"

namespace wharf::logs {
namespace {

std::string option(const agent::LogSpec& log, const std::string& name) {
  auto it = log.options.find(name);
  return it == log.options.end() ? "" : it->second;
}

std::string offsetKey(const std::string& taskId, const std::string& container) { return taskId + '\x1f' + container; }

// The group a delivery goes to, created when missing if the task definition asks for that.
Result<LogGroup> targetGroup(LogStore& store, const agent::LogSpec& log) {
  if (log.driver != "awslogs") return invalidParameter("unsupported log driver '" + log.driver + "'");
  std::string name = option(log, "awslogs-group");
  if (name.empty()) return invalidParameter("awslogs-group is required by the awslogs log driver");
  auto group = store.group(name);
  if (group || option(log, "awslogs-create-group") != "true") return group;
  LogGroup fresh;
  fresh.name = name;
  auto created = store.createGroup(std::move(fresh));
  if (!created && created.error().type != "ResourceAlreadyExistsException") return std::unexpected(created.error());
  return store.group(name);
}

}  // namespace

std::string awslogsStreamName(const std::string& taskId, const std::string& container, const agent::LogSpec& log) {
  std::string prefix = option(log, "awslogs-stream-prefix");
  std::string name = container + "/" + taskId;
  return prefix.empty() ? name : prefix + "/" + name;
}

Result<uint64_t> AwslogsSink::deliver(const agent::LogBatch& batch) {
  std::string key = offsetKey(batch.taskId, batch.container);
  if (uint64_t stored = store_.offset(key); batch.endOffset <= stored) return stored;
  auto group = targetGroup(store_, batch.log);
  if (!group) return std::unexpected(group.error());
  int64_t now = store_.clock().nowMillis();
  auto cutoff = retentionCutoff(*group, now);
  std::vector<NewEvent> events;
  events.reserve(batch.lines.size());
  for (const auto& line : batch.lines) {
    if (line.message.empty() || !inAcceptedWindow(line.timestampMs, now, cutoff)) continue;
    events.push_back({line.timestampMs, line.message});
  }
  return store_.appendDelivery(group->name, awslogsStreamName(batch.taskId, batch.container, batch.log), events, key,
                               batch.endOffset);
}

Result<uint64_t> AwslogsSink::resumeOffset(const std::string& taskId, const std::string& container,
                                           const agent::LogSpec&) {
  return store_.offset(offsetKey(taskId, container));
}

}  // namespace wharf::logs
