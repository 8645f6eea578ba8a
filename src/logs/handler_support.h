// Helpers shared by the CloudWatch Logs request handlers: reading members of an input the API
// layer already validated against the botocore model, and resolving the log group a request names.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/router.h"
#include "common/result.h"
#include "logs/log_model.h"

namespace wharf::logs {

inline constexpr std::string_view kTargetPrefix = "Logs_20140328";

struct LogsConfig {
  std::string accountId;
  std::string region;
};

// The account and region ARNs are built with: the caller's, else the server's.
Partition partitionOf(const api::RequestContext& ctx, const LogsConfig& config);

std::optional<std::string> optString(const boost::json::object& in, std::string_view key);
std::string reqString(const boost::json::object& in, std::string_view key);  // "" when absent
std::optional<int64_t> optInt(const boost::json::object& in, std::string_view key);
bool optBool(const boost::json::object& in, std::string_view key, bool fallback);

// The group named by exactly one of logGroupName / logGroupIdentifier (a name or a group ARN).
Result<std::string> resolveGroupName(const boost::json::object& in, const Partition& partition);

// The `{}` answer of operations without output, or the error of `r`.
Result<boost::json::value> emptyOr(const Result<void>& r);

// Opaque pagination tokens (hex of the text), and back; InvalidParameterException when malformed.
std::string encodeToken(std::string_view text);
Result<std::string> decodeToken(std::string_view token);

}  // namespace wharf::logs
