// The agent's LogSink for the awslogs driver: container output becomes events of the stream
// PREFIX/CONTAINER/TASKID in the group named by awslogs-group, delivered exactly once per
// capture-file offset.
#pragma once

#include <string>

#include "agent/log_sink.h"
#include "logs/log_store.h"

namespace wharf::logs {

// The stream ECS names for a container: awslogs-stream-prefix/CONTAINER/TASKID. Without a prefix
// ECS on EC2 uses the Docker container id, which Wharf does not have; it uses CONTAINER/TASKID.
std::string awslogsStreamName(const std::string& taskId, const std::string& container, const agent::LogSpec& log);

class AwslogsSink final : public agent::LogSink {
 public:
  explicit AwslogsSink(LogStore& store) : store_(store) {}

  // Errors: InvalidParameterException for a driver other than awslogs or a missing awslogs-group;
  // ResourceNotFoundException when the group does not exist and awslogs-create-group is not
  // "true". Lines outside CloudWatch's accepted time window, and empty lines, are dropped.
  Result<uint64_t> deliver(const agent::LogBatch& batch) override;
  Result<uint64_t> resumeOffset(const std::string& taskId, const std::string& container,
                                const agent::LogSpec& log) override;

 private:
  LogStore& store_;
};

}  // namespace wharf::logs
