#include "api/model_validator.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace wharf::api {
namespace {

constexpr std::string_view kEcs = "AmazonEC2ContainerServiceV20141113";
constexpr std::string_view kSfn = "AWSStepFunctions";
constexpr std::string_view kLogs = "Logs_20140328";

boost::json::object obj(std::string_view json) { return boost::json::parse(json).as_object(); }

Error validationError(std::string_view prefix, std::string_view op, std::string_view json) {
  auto r = ModelValidator::builtin().validate(prefix, op, obj(json));
  EXPECT_FALSE(r) << json;
  return r ? Error{} : r.error();
}

TEST(ModelValidator, KnowsTheThreeServices) {
  const auto& m = ModelValidator::builtin();
  ASSERT_NE(m.service(kEcs), nullptr);
  EXPECT_EQ(m.service(kEcs)->jsonVersion, "1.1");
  EXPECT_EQ(m.service(kSfn)->jsonVersion, "1.0");
  EXPECT_EQ(m.service(kSfn)->signingName, "states");
  EXPECT_EQ(m.service(kLogs)->signingName, "logs");
  EXPECT_EQ(m.service("Nope"), nullptr);
  auto ops = m.operations(kEcs);
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_NE(std::find(ops.begin(), ops.end(), "RunTask"), ops.end());
  EXPECT_TRUE(m.hasOperation(kSfn, "StartExecution"));
  EXPECT_FALSE(m.hasOperation(kSfn, "RunTask"));
  EXPECT_TRUE(m.operations("Nope").empty());
}

TEST(ModelValidator, AcceptsAValidInputAndIgnoresUnknownMembers) {
  const auto& m = ModelValidator::builtin();
  EXPECT_TRUE(m.validate(kEcs, "DescribeTasks", obj(R"({"cluster":"c","tasks":["t"],"whatever":1})")));
  EXPECT_TRUE(m.validate(kEcs, "ListClusters", obj("{}")));
  EXPECT_TRUE(m.validate(kEcs, "NotAnOperation", obj(R"({"x":1})")));
}

TEST(ModelValidator, ReportsAMissingRequiredMemberWithTheServicesErrorName) {
  Error sfn = validationError(kSfn, "StartExecution", "{}");
  EXPECT_EQ(sfn.type, "ValidationException");
  EXPECT_EQ(sfn.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sfn.message,
            "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must "
            "not be null");
  EXPECT_EQ(validationError(kEcs, "DescribeTasks", R"({"tasks":null})").type, "InvalidParameterException");
  EXPECT_EQ(validationError(kLogs, "CreateLogGroup", "{}").type, "InvalidParameterException");
}

TEST(ModelValidator, CountsEveryViolation) {
  Error e = validationError(kSfn, "CreateStateMachine", R"({"name":""})");
  EXPECT_TRUE(e.message.starts_with("3 validation errors detected: ")) << e.message;
  EXPECT_NE(e.message.find("Value '' at 'name' failed to satisfy constraint: Member must have length greater than or "
                           "equal to 1"),
            std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("; Value null at 'roleArn'"), std::string::npos) << e.message;
}

TEST(ModelValidator, ChecksEnumsInsideNestedStructures) {
  Error e = validationError(kEcs, "RunTask", R"({"taskDefinition":"td","launchType":"MOON"})");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value 'MOON' at 'launchType' failed to satisfy constraint: Member must "
            "satisfy enum value set: [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES]");
  Error nested = validationError(
      kEcs, "RunTask",
      R"({"taskDefinition":"td","overrides":{"containerOverrides":[{"name":"a"},{"environmentFiles":[{"value":"v","type":"zip"}]}]}})");
  EXPECT_NE(nested.message.find("at 'overrides.containerOverrides.2.member.environmentFiles.1.member.type'"),
            std::string::npos)
      << nested.message;
}

TEST(ModelValidator, ChecksRanges) {
  Error e = validationError(kLogs, "DescribeLogGroups", R"({"limit":0})");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1");
  EXPECT_TRUE(ModelValidator::builtin().validate(kLogs, "DescribeLogGroups", obj(R"({"limit":50})")));
}

TEST(ModelValidator, RedactsSensitiveValues) {
  std::string longInput = R"({"stateMachineArn":"arn","input":")" + std::string(300000, 'x') + R"("})";
  Error e = validationError(kSfn, "StartExecution", longInput);
  EXPECT_NE(e.message.find("Value '*** Sensitive Data Redacted ***' at 'input'"), std::string::npos);
}

TEST(ModelValidator, RejectsWrongTypesAsSerializationErrors) {
  Error e = validationError(kEcs, "DescribeTasks", R"({"tasks":"t1"})");
  EXPECT_EQ(e.type, "SerializationException");
  EXPECT_EQ(e.message, "Value at 'tasks' must be a list");
  EXPECT_EQ(validationError(kEcs, "RunTask", R"({"taskDefinition":"td","count":"1"})").type, "SerializationException");
  EXPECT_EQ(validationError(kEcs, "RunTask", R"({"taskDefinition":"td","count":1.5})").type, "SerializationException");
  EXPECT_EQ(validationError(kEcs, "RunTask", R"({"taskDefinition":"td","enableExecuteCommand":"yes"})").type,
            "SerializationException");
  EXPECT_EQ(validationError(kEcs, "RunTask", R"({"taskDefinition":7})").type, "SerializationException");
  EXPECT_EQ(validationError(kEcs, "RunTask", R"({"taskDefinition":"td","overrides":[]})").type,
            "SerializationException");
  EXPECT_EQ(validationError(kEcs, "TagResource", R"({"resourceArn":"a","tags":[{"key":1}]})").type,
            "SerializationException");
}

TEST(ModelValidator, AcceptsTimestampsAsNumbersOrIsoStrings) {
  const auto& m = ModelValidator::builtin();
  EXPECT_TRUE(m.validate(kLogs, "GetLogEvents", obj(R"({"logGroupName":"g","logStreamName":"s","startTime":1})")));
  EXPECT_TRUE(
      m.validate(kEcs, "ListServiceDeployments", obj(R"({"service":"s","createdAt":{"before":1700000000.5}})")));
  EXPECT_TRUE(m.validate(kEcs, "ListServiceDeployments",
                         obj(R"({"service":"s","createdAt":{"after":"2024-01-01T00:00:00Z"}})")));
  EXPECT_EQ(
      validationError(kEcs, "ListServiceDeployments", R"({"service":"s","createdAt":{"after":"yesterday"}})").type,
      "SerializationException");
}

TEST(ModelValidator, RejectsMalformedModels) {
  EXPECT_FALSE(ModelValidator::fromJson("[]"));
  EXPECT_FALSE(ModelValidator::fromJson(R"({"s":{"targetPrefix":"P","operations":{"Op":"Missing"},"shapes":{}}})"));
  auto ok = ModelValidator::fromJson(
      R"({"s":{"targetPrefix":"P","jsonVersion":"1.0","operations":{"Op":"In"},"shapes":{"In":{"type":"structure","members":{"m":"S"},"required":["m"]},"S":{"type":"string","max":2}}}})");
  ASSERT_TRUE(ok);
  EXPECT_TRUE((*ok)->validate("P", "Op", obj(R"({"m":"ab"})")));
  EXPECT_FALSE((*ok)->validate("P", "Op", obj(R"({"m":"abc"})")));
}

}  // namespace
}  // namespace wharf::api
