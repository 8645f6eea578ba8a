// Calls Wharf's own AWS APIs in-process for the service integrations: the same handlers the HTTP
// server runs, after the same model validation, without a network hop.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "api/model_validator.h"
#include "api/router.h"
#include "common/ids.h"
#include "common/result.h"
#include "sfn/integrations/integration.h"

namespace wharf::sfn {

inline constexpr char kEcsPrefix[] = "AmazonEC2ContainerServiceV20141113";
inline constexpr char kLogsPrefix[] = "Logs_20140328";
inline constexpr char kSfnPrefix[] = "AWSStepFunctions";

class ServiceCaller {
 public:
  // `router` and `ids` must outlive the caller; the router must not change while calls run.
  ServiceCaller(const api::Router& router, IdGenerator& ids,
                const api::ModelValidator& models = api::ModelValidator::builtin())
      : router_(router), ids_(ids), models_(models) {}

  // Runs `prefix.operation` on behalf of the execution in `context` (its account and region).
  // Fails as the HTTP edge would: UnknownOperationException when no handler is registered, the
  // model's validation errors, then whatever the handler returns. Thread-safe.
  Result<boost::json::value> call(const TaskContext& context, std::string_view prefix, std::string_view operation,
                                  const boost::json::object& input) const;

  const api::ModelValidator& models() const { return models_; }

 private:
  const api::Router& router_;
  IdGenerator& ids_;
  const api::ModelValidator& models_;
};

}  // namespace wharf::sfn
