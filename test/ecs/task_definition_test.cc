#include "ecs/fakes.h"

namespace wharf::ecs::testing {
namespace {

constexpr char kWeb[] = R"({"family":"web","containerDefinitions":[{"name":"app","image":"busybox","memory":128,
  "portMappings":[{"containerPort":8080}]}]})";
constexpr char kFargate[] = R"({"family":"api","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],
  "cpu":"0.25 vCPU","memory":"0.5 GB","executionRoleArn":"arn:aws:iam::123456789012:role/exec",
  "containerDefinitions":[{"name":"app","image":"busybox","logConfiguration":{"logDriver":"awslogs",
  "options":{"awslogs-group":"g"}}}]})";

using TaskDefinitions = EcsHarness;

TEST_F(TaskDefinitions, RevisionsCountUpPerFamilyWithLongArns) {
  auto first = ok("RegisterTaskDefinition", kWeb).at("taskDefinition").as_object();
  auto second = ok("RegisterTaskDefinition", kWeb).at("taskDefinition").as_object();
  ok("RegisterTaskDefinition", kFargate);
  EXPECT_EQ(str(first.at("taskDefinitionArn")), "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1");
  EXPECT_EQ(second.at("revision").as_int64(), 2);
  EXPECT_EQ(str(second.at("status")), "ACTIVE");
  EXPECT_EQ(str(second.at("registeredBy")), "arn:aws:iam::123456789012:root");
  EXPECT_DOUBLE_EQ(second.at("registeredAt").to_number<double>(), 1700000000.0);
  auto app = second.at("containerDefinitions").as_array()[0].as_object();
  EXPECT_TRUE(app.at("essential").as_bool());
  EXPECT_EQ(app.at("cpu").as_int64(), 0);
  EXPECT_EQ(str(app.at("portMappings").as_array()[0].at("protocol")), "tcp");
  EXPECT_EQ(second.at("compatibilities"), json::parse(R"(["EC2"])"));
}

TEST_F(TaskDefinitions, FargateDefinitionIsNormalizedAndCompatible) {
  auto td = ok("RegisterTaskDefinition", kFargate).at("taskDefinition").as_object();
  EXPECT_EQ(str(td.at("cpu")), "256");
  EXPECT_EQ(str(td.at("memory")), "512");
  EXPECT_EQ(td.at("compatibilities"), json::parse(R"(["EC2","FARGATE"])"));
  std::string attrs = json::serialize(td.at("requiresAttributes"));
  EXPECT_NE(attrs.find("ecs.capability.task-eni"), std::string::npos);
  EXPECT_NE(attrs.find("ecs.capability.execution-role-awslogs"), std::string::npos);
  EXPECT_NE(attrs.find("com.amazonaws.ecs.capability.logging-driver.awslogs"), std::string::npos);
}

TEST_F(TaskDefinitions, FargateRulesAreEnforced) {
  auto e = err("RegisterTaskDefinition", R"({"family":"f","requiresCompatibilities":["FARGATE"],"cpu":"256",
    "memory":"512","containerDefinitions":[{"name":"a","image":"i"}]})");
  EXPECT_EQ(e.type, "ClientException");
  EXPECT_EQ(e.message, "Fargate only supports network mode 'awsvpc'.");
  e = err("RegisterTaskDefinition", R"({"family":"f","requiresCompatibilities":["FARGATE"],"networkMode":"awsvpc",
    "memory":"512","containerDefinitions":[{"name":"a","image":"i"}]})");
  EXPECT_EQ(e.message, "Fargate requires that 'cpu' be defined at the task level.");
  e = err("RegisterTaskDefinition", R"({"family":"f","requiresCompatibilities":["FARGATE"],"networkMode":"awsvpc",
    "cpu":"256","memory":"4096","containerDefinitions":[{"name":"a","image":"i"}]})");
  EXPECT_EQ(e.message, "No Fargate configuration exists for given values.");
  e = err("RegisterTaskDefinition", R"({"family":"f","cpu":"lots","containerDefinitions":[{"name":"a","image":"i"}]})");
  EXPECT_EQ(e.message, "Invalid 'cpu' setting for task.");
}

TEST_F(TaskDefinitions, ContainerRules) {
  EXPECT_EQ(
      err("RegisterTaskDefinition", R"({"family":"f","containerDefinitions":[{"name":"a","image":"i"}]})").message,
      "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified.");
  EXPECT_EQ(err("RegisterTaskDefinition", R"({"family":"f","memory":"512","containerDefinitions":[
    {"name":"a","image":"i","essential":false}]})")
                .message,
            "A task definition must have at least one essential container.");
  EXPECT_EQ(err("RegisterTaskDefinition", R"({"family":"f","networkMode":"awsvpc","memory":"512",
    "containerDefinitions":[{"name":"a","image":"i","portMappings":[{"containerPort":80,"hostPort":81}]}]})")
                .type,
            "ClientException");
  EXPECT_EQ(err("RegisterTaskDefinition", R"({"family":"bad name","memory":"512",
    "containerDefinitions":[{"name":"a","image":"i"}]})")
                .type,
            "ClientException");
}

TEST_F(TaskDefinitions, DescribeByFamilyRevisionAndArnWithTags) {
  ok("RegisterTaskDefinition", R"({"family":"web","tags":[{"key":"team","value":"core"}],
    "containerDefinitions":[{"name":"app","image":"busybox","memory":128}]})");
  ok("RegisterTaskDefinition", kWeb);
  EXPECT_EQ(ok("DescribeTaskDefinition", R"({"taskDefinition":"web"})").at("taskDefinition").at("revision"), 2);
  auto one = ok("DescribeTaskDefinition", R"({"taskDefinition":"web:1","include":["TAGS"]})");
  EXPECT_EQ(one.at("taskDefinition").at("revision"), 1);
  EXPECT_EQ(one.at("tags"), json::parse(R"([{"key":"team","value":"core"}])"));
  EXPECT_FALSE(ok("DescribeTaskDefinition", R"({"taskDefinition":"web:1"})").contains("tags"));
  auto byArn =
      ok("DescribeTaskDefinition", R"({"taskDefinition":"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2"})");
  EXPECT_EQ(byArn.at("taskDefinition").at("revision"), 2);
  Error e = err("DescribeTaskDefinition", R"({"taskDefinition":"nope"})");
  EXPECT_EQ(e.type, "ClientException");
  EXPECT_EQ(e.message, "Unable to describe task definition.");
}

TEST_F(TaskDefinitions, DeregisterThenDelete) {
  ok("RegisterTaskDefinition", kWeb);
  ok("RegisterTaskDefinition", kWeb);
  auto del = ok("DeleteTaskDefinitions", R"({"taskDefinitions":["web:1"]})");
  EXPECT_TRUE(del.at("taskDefinitions").as_array().empty());
  EXPECT_NE(str(del.at("failures").as_array()[0].at("reason")).find("ACTIVE"), std::string::npos);

  auto gone = ok("DeregisterTaskDefinition", R"({"taskDefinition":"web:2"})").at("taskDefinition").as_object();
  EXPECT_EQ(str(gone.at("status")), "INACTIVE");
  EXPECT_TRUE(gone.contains("deregisteredAt"));
  EXPECT_EQ(ok("DescribeTaskDefinition", R"({"taskDefinition":"web"})").at("taskDefinition").at("revision"), 1);
  EXPECT_EQ(str(ok("DescribeTaskDefinition", R"({"taskDefinition":"web:2"})").at("taskDefinition").at("status")),
            "INACTIVE");

  del = ok("DeleteTaskDefinitions", R"({"taskDefinitions":["web:2"]})");
  EXPECT_EQ(str(del.at("taskDefinitions").as_array()[0].at("status")), "DELETE_IN_PROGRESS");
  auto deleted = ok("ListTaskDefinitions", R"({"status":"DELETE_IN_PROGRESS"})");
  EXPECT_EQ(deleted.at("taskDefinitionArns").as_array().size(), 1u);
}

TEST_F(TaskDefinitions, ListsSortAndPaginate) {
  for (int i = 0; i < 3; ++i) ok("RegisterTaskDefinition", kWeb);
  ok("RegisterTaskDefinition", kFargate);
  auto all = ok("ListTaskDefinitions", "{}").at("taskDefinitionArns").as_array();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_NE(str(all[0]).find("task-definition/api:1"), std::string::npos);

  auto page1 = ok("ListTaskDefinitions", R"({"familyPrefix":"web","sort":"DESC","maxResults":2})");
  EXPECT_EQ(page1.at("taskDefinitionArns"), json::parse(R"(["arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
                            "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2"])"));
  std::string token = str(page1.at("nextToken"));
  auto page2 =
      ok("ListTaskDefinitions", R"({"familyPrefix":"web","sort":"DESC","maxResults":2,"nextToken":")" + token + "\"}");
  EXPECT_EQ(page2.at("taskDefinitionArns").as_array().size(), 1u);
  EXPECT_FALSE(page2.contains("nextToken"));
  EXPECT_EQ(err("ListTaskDefinitions", R"({"maxResults":101})").type, "InvalidParameterException");
  EXPECT_EQ(err("ListTaskDefinitions", R"({"nextToken":"zz"})").type, "InvalidParameterException");

  ok("DeregisterTaskDefinition", R"({"taskDefinition":"api:1"})");
  EXPECT_EQ(ok("ListTaskDefinitionFamilies", "{}").at("families"), json::parse(R"(["web"])"));
  EXPECT_EQ(ok("ListTaskDefinitionFamilies", R"({"status":"INACTIVE"})").at("families"), json::parse(R"(["api"])"));
  EXPECT_EQ(ok("ListTaskDefinitionFamilies", R"({"status":"ALL","familyPrefix":"w"})").at("families"),
            json::parse(R"(["web"])"));
}

}  // namespace
}  // namespace wharf::ecs::testing
