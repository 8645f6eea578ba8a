// Result<T>: expected failures as values. An Error carries a category (which decides the HTTP
// status and how the engine maps it) and the AWS error name the API edge returns.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace wharf {

enum class ErrorCode {
  kInvalidArgument,   // client sent something invalid (400)
  kNotFound,          // a named resource does not exist (400, AWS style)
  kConflict,          // resource exists / in use / wrong state (400)
  kLimitExceeded,     // quota or size limit (400)
  kUnauthenticated,   // signature or key problem (403)
  kAccessDenied,      // authenticated but not allowed (403)
  kThrottled,         // back off and retry (400)
  kInternal,          // a real server fault (500)
  kUnavailable,       // a dependency (runtime, disk) is not usable right now (500)
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string type;     // AWS error name, e.g. "ClusterNotFoundException"; empty = generic name
  std::string message;  // human-readable, returned to the client as "message"
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string type, std::string message) {
  return std::unexpected(Error{code, std::move(type), std::move(message)});
}

// Shorthands for the error shapes every AWS service shares.
inline std::unexpected<Error> invalidParameter(std::string message, std::string type = "InvalidParameterException") {
  return fail(ErrorCode::kInvalidArgument, std::move(type), std::move(message));
}
inline std::unexpected<Error> internalError(std::string message) {
  return fail(ErrorCode::kInternal, "InternalFailure", std::move(message));
}

}  // namespace wharf
