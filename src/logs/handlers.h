// Registration of the CloudWatch Logs operations, one function per family of operations.
#pragma once

#include "api/router.h"
#include "logs/handler_support.h"
#include "logs/log_store.h"

namespace wharf::logs {

void registerGroupHandlers(api::Router& router, LogStore& store, const LogsConfig& config);
void registerStreamHandlers(api::Router& router, LogStore& store, const LogsConfig& config);
void registerEventHandlers(api::Router& router, LogStore& store, const LogsConfig& config);
void registerTagHandlers(api::Router& router, LogStore& store, const LogsConfig& config);

// Tag rules shared by CreateLogGroup and the tagging operations: at most 50 tags in all
// (TooManyTagsException), no keys in the reserved aws: namespace.
Result<void> mergeTags(std::map<std::string, std::string>& tags, const boost::json::object& add);

}  // namespace wharf::logs
