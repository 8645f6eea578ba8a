#include "sfn/integrations/service_caller.h"

#include <fmt/format.h>

namespace wharf::sfn {

Result<boost::json::value> ServiceCaller::call(const TaskContext& context, std::string_view prefix,
                                               std::string_view operation, const boost::json::object& input) const {
  std::string target = fmt::format("{}.{}", prefix, operation);
  const api::Handler* handler = router_.find(target);
  if (!handler) {
    return fail(ErrorCode::kInvalidArgument, "UnknownOperationException",
                fmt::format("Operation {} is not supported by this endpoint", target));
  }
  if (auto valid = models_.validate(prefix, operation, input); !valid) return std::unexpected(valid.error());
  api::RequestContext request{.requestId = ids_.uuid(),
                              .accessKeyId = {},
                              .accountId = context.accountId,
                              .region = context.region,
                              .service = std::string(prefix),
                              .operation = std::string(operation)};
  return (*handler)(request, input);
}

}  // namespace wharf::sfn
