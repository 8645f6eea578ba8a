#include "ecs/fakes.h"

namespace wharf::ecs::testing {
namespace {

using Clusters = EcsHarness;

TEST_F(Clusters, CreateDescribeListDelete) {
  auto created = ok("CreateCluster", R"({"clusterName":"prod","tags":[{"key":"env","value":"prod"}]})");
  EXPECT_EQ(str(created.at("cluster").at("clusterArn")), "arn:aws:ecs:eu-west-1:123456789012:cluster/prod");
  EXPECT_EQ(str(created.at("cluster").at("status")), "ACTIVE");
  ok("CreateCluster", R"({"clusterName":"prod"})");  // idempotent while ACTIVE
  ok("CreateCluster", "{}");
  EXPECT_EQ(err("CreateCluster", R"({"clusterName":"bad name"})").type, "InvalidParameterException");

  auto described = ok("DescribeClusters", R"({"clusters":["prod","arn:aws:ecs:eu-west-1:123456789012:cluster/nope"],
    "include":["TAGS","STATISTICS"]})");
  auto prod = described.at("clusters").as_array()[0].as_object();
  EXPECT_EQ(prod.at("tags"), json::parse(R"([{"key":"env","value":"prod"}])"));
  EXPECT_EQ(prod.at("statistics").as_array().size(), 8u);
  EXPECT_EQ(prod.at("runningTasksCount"), 0);
  EXPECT_EQ(described.at("failures"),
            json::parse(R"([{"arn":"arn:aws:ecs:eu-west-1:123456789012:cluster/nope","reason":"MISSING"}])"));
  EXPECT_TRUE(ok("DescribeClusters", R"({"clusters":["prod"]})").at("clusters").at(0).at("tags").as_array().empty());

  auto page = ok("ListClusters", R"({"maxResults":1})");
  EXPECT_EQ(page.at("clusterArns"), json::parse(R"(["arn:aws:ecs:eu-west-1:123456789012:cluster/default"])"));
  auto rest = ok("ListClusters", R"({"nextToken":")" + str(page.at("nextToken")) + "\"}");
  EXPECT_EQ(rest.at("clusterArns"), json::parse(R"(["arn:aws:ecs:eu-west-1:123456789012:cluster/prod"])"));

  ok("UpdateCluster", R"({"cluster":"prod","settings":[{"name":"containerInsights","value":"enabled"}]})");
  auto updated = ok("DescribeClusters", R"({"clusters":["prod"]})").at("clusters").at(0);
  EXPECT_EQ(str(updated.at("settings").at(0).at("value")), "enabled");

  auto deleted = ok("DeleteCluster", R"({"cluster":"prod"})");
  EXPECT_EQ(str(deleted.at("cluster").at("status")), "INACTIVE");
  EXPECT_EQ(ok("ListClusters", "{}").at("clusterArns").as_array().size(), 1u);
  EXPECT_EQ(str(ok("DescribeClusters", R"({"clusters":["prod"]})").at("clusters").at(0).at("status")), "INACTIVE");
  Error e = err("DeleteCluster", R"({"cluster":"prod"})");
  EXPECT_EQ(e.type, "ClusterNotFoundException");
  EXPECT_EQ(e.message, "Cluster not found.");
}

TEST_F(Clusters, ClusterWithActiveTasksCannotBeDeleted) {
  ok("CreateCluster", R"({"clusterName":"c"})");
  ok("RegisterTaskDefinition", R"({"family":"j","containerDefinitions":[{"name":"m","image":"i","memory":8}]})");
  std::string id = idOf(ok("RunTask", R"({"cluster":"c","taskDefinition":"j"})").at("tasks").at(0));
  EXPECT_EQ(err("DeleteCluster", R"({"cluster":"c"})").type, "ClusterContainsTasksException");
  auto e = event(agent::TaskEvent::Kind::kContainerExited, id, "m");
  e.exitCode = 0;
  agent_.emit(e);
  agent_.emit(event(agent::TaskEvent::Kind::kCleanedUp, id));
  ok("DeleteCluster", R"({"cluster":"c"})");
}

TEST_F(Clusters, DescribeAndListTasks) {
  ok("CreateCluster", R"({"clusterName":"c"})");
  ok("RegisterTaskDefinition", R"({"family":"j","containerDefinitions":[{"name":"m","image":"i","memory":8}]})");
  ok("RegisterTaskDefinition", R"({"family":"k","containerDefinitions":[{"name":"m","image":"i","memory":8}]})");
  ok("RunTask", R"({"cluster":"c","taskDefinition":"j","count":3,"startedBy":"sfn"})");
  auto k = ok("RunTask", R"({"cluster":"c","taskDefinition":"k","tags":[{"key":"a","value":"b"}]})").at("tasks").at(0);
  ok("RunTask", R"({"taskDefinition":"j"})");  // default cluster

  EXPECT_EQ(ok("ListTasks", R"({"cluster":"c"})").at("taskArns").as_array().size(), 4u);
  EXPECT_EQ(ok("ListTasks", R"({"cluster":"c","family":"j"})").at("taskArns").as_array().size(), 3u);
  EXPECT_EQ(ok("ListTasks", R"({"cluster":"c","startedBy":"sfn"})").at("taskArns").as_array().size(), 3u);
  EXPECT_EQ(ok("ListTasks", R"({"cluster":"c","launchType":"FARGATE"})").at("taskArns").as_array().size(), 0u);
  EXPECT_EQ(ok("ListTasks", "{}").at("taskArns").as_array().size(), 1u);
  auto first = ok("ListTasks", R"({"cluster":"c","maxResults":3})");
  EXPECT_EQ(first.at("taskArns").as_array().size(), 3u);
  auto second = ok("ListTasks", R"({"cluster":"c","maxResults":3,"nextToken":")" + str(first.at("nextToken")) + "\"}");
  EXPECT_EQ(second.at("taskArns").as_array().size(), 1u);
  EXPECT_EQ(err("ListTasks", R"({"cluster":"nope"})").type, "ClusterNotFoundException");

  std::string kArn = str(k.at("taskArn"));
  auto described = ok("DescribeTasks", R"({"cluster":"c","include":["TAGS"],"tasks":[")" + kArn +
                                           R"(","ffffffffffffffffffffffffffffffff"]})");
  EXPECT_EQ(described.at("tasks").at(0).at("tags"), json::parse(R"([{"key":"a","value":"b"}])"));
  EXPECT_EQ(described.at("failures"), json::parse(R"([{"arn":"arn:aws:ecs:eu-west-1:123456789012:task/c/)"
                                                  R"(ffffffffffffffffffffffffffffffff","reason":"MISSING"}])"));
  EXPECT_FALSE(ok("DescribeTasks", R"({"cluster":"c","tasks":[")" + kArn + R"("]})")
                   .at("tasks")
                   .at(0)
                   .as_object()
                   .contains("tags"));
  // A task of another cluster is missing here.
  EXPECT_EQ(ok("DescribeTasks", R"({"tasks":[")" + kArn + R"("]})").at("failures").as_array().size(), 1u);
}

TEST_F(Clusters, TagsOnEveryResourceKind) {
  ok("CreateCluster", R"({"clusterName":"c"})");
  ok("RegisterTaskDefinition", R"({"family":"j","containerDefinitions":[{"name":"m","image":"i","memory":8}]})");
  std::string task = str(ok("RunTask", R"({"cluster":"c","taskDefinition":"j"})").at("tasks").at(0).at("taskArn"));
  for (std::string arn : {std::string("arn:aws:ecs:eu-west-1:123456789012:cluster/c"),
                          std::string("arn:aws:ecs:eu-west-1:123456789012:task-definition/j:1"), task}) {
    ok("TagResource", R"({"resourceArn":")" + arn + R"(","tags":[{"key":"x","value":"1"},{"key":"y","value":"2"}]})");
    ok("TagResource", R"({"resourceArn":")" + arn + R"(","tags":[{"key":"x","value":"3"}]})");
    ok("UntagResource", R"({"resourceArn":")" + arn + R"(","tagKeys":["y"]})");
    EXPECT_EQ(ok("ListTagsForResource", R"({"resourceArn":")" + arn + "\"}").at("tags"),
              json::parse(R"([{"key":"x","value":"3"}])"))
        << arn;
  }
  EXPECT_EQ(err("ListTagsForResource", R"({"resourceArn":"arn:aws:ecs:eu-west-1:123456789012:cluster/none"})").type,
            "ClusterNotFoundException");
  EXPECT_EQ(err("ListTagsForResource", R"({"resourceArn":"arn:aws:ecs:eu-west-1:123456789012:task/c/abc"})").type,
            "ResourceNotFoundException");
  EXPECT_EQ(err("TagResource", R"({"resourceArn":")" + task + R"(","tags":[{"key":"aws:x","value":"1"}]})").type,
            "InvalidParameterException");
}

}  // namespace
}  // namespace wharf::ecs::testing
