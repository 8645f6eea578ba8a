// Checks request bodies against the botocore input shapes of ECS, Step Functions and CloudWatch
// Logs, which scripts/gen_models.py embeds at build time, and answers which operations exist.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace wharf::api {

struct ServiceInfo {
  std::string targetPrefix;  // X-Amz-Target prefix, e.g. AWSStepFunctions
  std::string jsonVersion;   // "1.0" or "1.1": the Content-Type is application/x-amz-json-<version>
  std::string signingName;   // SigV4 service name, e.g. states
  std::string genericError;  // AWS's name for a request that fails validation in this service
};

class ModelValidator {
 public:
  // The models embedded at build time; parsed once on first use, immutable, thread-safe.
  static const ModelValidator& builtin();
  // From JSON in gen_models.py's format; errors when the models are malformed.
  static Result<std::unique_ptr<ModelValidator>> fromJson(std::string_view models);

  ~ModelValidator();

  // nullptr when no service has this target prefix.
  const ServiceInfo* service(std::string_view targetPrefix) const;
  // The service's operation names, sorted; empty for an unknown prefix.
  std::vector<std::string> operations(std::string_view targetPrefix) const;
  bool hasOperation(std::string_view targetPrefix, std::string_view operation) const;

  // Checks `input` against the operation's input shape, as AWS's front end does before the
  // service sees a request: wrong JSON types fail with SerializationException; missing required
  // members, unknown enum values and length/range violations are reported together in one
  // "N validation errors detected: ..." error named after the service's genericError. Unknown
  // members are ignored, as AWS ignores them. Operations not in the model pass unchecked.
  Result<void> validate(std::string_view targetPrefix, std::string_view operation,
                        const boost::json::object& input) const;

  // Step Functions' SDK integrations name request members in PascalCase: returns `input` with each
  // structure member renamed, at any depth, to the operation's input member it matches
  // case-insensitively. Map keys and members the model lacks are kept as given.
  boost::json::object matchInputMembers(std::string_view targetPrefix, std::string_view operation,
                                        const boost::json::object& input) const;
  // A response as Step Functions' service integrations return it (the AWS SDK for Java's form):
  // structure members in PascalCase and timestamps as epoch milliseconds, along the operation's
  // output shape; map keys and members the model lacks are kept as given.
  boost::json::value toSdkOutput(std::string_view targetPrefix, std::string_view operation,
                                 const boost::json::value& output) const;

 private:
  struct Service;
  ModelValidator() = default;
  const Service* find(std::string_view targetPrefix) const;

  std::vector<std::unique_ptr<Service>> services_;
};

}  // namespace wharf::api
