// The log group and log stream records Wharf keeps in memory and persists as JSON in the store
// (collections kGroupsCollection, keyed by group name, and kStreamsCollection, keyed
// "<group>\x1f<stream>"), plus the ARN forms CloudWatch Logs uses for them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace wharf::logs {

inline constexpr std::string_view kGroupsCollection = "logs.groups";
inline constexpr std::string_view kStreamsCollection = "logs.streams";

struct LogGroup {
  std::string name;
  int64_t creationTime = 0;  // epoch ms
  std::optional<int> retentionInDays;
  std::string kmsKeyId;
  std::string logGroupClass = "STANDARD";
  bool deletionProtectionEnabled = false;
  std::map<std::string, std::string> tags;
};

struct LogStream {
  std::string name;
  uint64_t uid = 0;  // names the stream's events in the store; never reused by a live stream
  int64_t creationTime = 0;
  std::optional<int64_t> firstEventTimestamp;
  std::optional<int64_t> lastEventTimestamp;
  std::optional<int64_t> lastIngestionTime;
  int64_t storedBytes = 0;  // sum of message sizes; reported for the group (AWS reports 0 per stream)
  uint64_t nextSeq = 1;
};

std::string encodeGroup(const LogGroup& group);
Result<LogGroup> decodeGroup(std::string_view name, std::string_view json);
std::string encodeStream(const LogStream& stream);
Result<LogStream> decodeStream(std::string_view name, std::string_view json);

std::string streamRecordKey(std::string_view group, std::string_view stream);
// Splits a kStreamsCollection key into (group, stream).
std::optional<std::pair<std::string, std::string>> splitStreamRecordKey(std::string_view key);

// The retention periods CloudWatch Logs accepts (the `Days` shape's documentation).
bool isValidRetention(int days);

struct Partition {
  std::string region;
  std::string accountId;
};
// arn:aws:logs:REGION:ACCOUNT:log-group:NAME (logGroupArn; tagging APIs).
std::string groupArn(const Partition& p, std::string_view group);
// The same followed by ":*" (the `arn` field of DescribeLogGroups).
std::string groupArnWildcard(const Partition& p, std::string_view group);
std::string streamArn(const Partition& p, std::string_view group, std::string_view stream);
// The group name in a log group ARN of this partition (with or without ":*"); nullopt otherwise.
std::optional<std::string> groupNameFromArn(const Partition& p, std::string_view arn);

}  // namespace wharf::logs
