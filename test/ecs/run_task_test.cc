#include "ecs/fakes.h"

namespace wharf::ecs::testing {
namespace {

class RunTask : public EcsHarness {
 protected:
  void SetUp() override {
    EcsHarness::SetUp();
    ok("RegisterTaskDefinition", R"({"family":"job","containerDefinitions":[{"name":"main","image":"busybox",
      "memory":512,"command":["sh","-c","echo hi"],"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
      "mountPoints":[{"sourceVolume":"data","containerPath":"/data","readOnly":true}],"stopTimeout":5,
      "ulimits":[{"name":"nofile","softLimit":1024,"hardLimit":2048}],"linuxParameters":{"initProcessEnabled":true},
      "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"jobs"}}},
      {"name":"side","image":"busybox","memory":128,"essential":false}],
      "volumes":[{"name":"data","host":{"sourcePath":"/srv/data"}},{"name":"scratch"}]})");
    ok("RegisterTaskDefinition", R"({"family":"api","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],
      "cpu":"256","memory":"512","containerDefinitions":[{"name":"app","image":"busybox"}]})");
  }
};

TEST_F(RunTask, CreatesDefaultClusterAndCommitsBeforeAnswering) {
  auto out = ok("RunTask", R"({"taskDefinition":"job","count":3,"startedBy":"me"})");
  auto tasks = out.at("tasks").as_array();
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_TRUE(out.at("failures").as_array().empty());
  auto task = tasks[0].as_object();
  std::string id = idOf(task);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(str(task.at("taskArn")), "arn:aws:ecs:eu-west-1:123456789012:task/default/" + id);
  EXPECT_EQ(str(task.at("clusterArn")), "arn:aws:ecs:eu-west-1:123456789012:cluster/default");
  EXPECT_EQ(str(task.at("lastStatus")), "PENDING");
  EXPECT_EQ(str(task.at("desiredStatus")), "RUNNING");
  EXPECT_EQ(str(task.at("group")), "family:job");
  EXPECT_EQ(str(task.at("launchType")), "EC2");
  EXPECT_EQ(str(task.at("startedBy")), "me");
  EXPECT_EQ(task.at("containers").as_array().size(), 2u);
  EXPECT_EQ(store_.size("ecs.tasks"), 3u);
  EXPECT_EQ(str(store_.record("ecs.tasks", id).at("taskArn")), str(task.at("taskArn")));
  EXPECT_EQ(agent_.launched.size(), 3u);
  auto clusters = ok("DescribeClusters", "{}").at("clusters").as_array();
  EXPECT_EQ(clusters[0].at("pendingTasksCount"), 3);
}

TEST_F(RunTask, ResolvesDefinitionAndOverridesIntoTheSpec) {
  ok("RunTask", R"({"taskDefinition":"job:1","overrides":{"containerOverrides":[{"name":"main",
    "command":["echo","override"],"environment":[{"name":"B","value":"x"},{"name":"C","value":"3"}],
    "memory":256}]}})");
  ASSERT_EQ(agent_.launched.size(), 1u);
  const agent::TaskSpec& spec = agent_.launched[0];
  EXPECT_EQ(spec.networkMode, agent::NetworkMode::kBridge);
  const agent::ContainerSpec& main = spec.containers[0];
  EXPECT_EQ(main.command, (std::vector<std::string>{"echo", "override"}));
  EXPECT_EQ(main.environment, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "x"}, {"C", "3"}}));
  EXPECT_EQ(main.memoryMiB, 256);
  EXPECT_TRUE(main.essential);
  EXPECT_FALSE(spec.containers[1].essential);
  EXPECT_EQ(main.stopTimeout, std::chrono::seconds(5));
  EXPECT_EQ(spec.containers[1].stopTimeout, std::chrono::seconds(30));
  EXPECT_TRUE(main.initProcessEnabled);
  ASSERT_EQ(main.mounts.size(), 1u);
  EXPECT_EQ(main.mounts[0].hostPath, "/srv/data");
  EXPECT_TRUE(main.mounts[0].readOnly);
  EXPECT_EQ(main.ulimits[0].hard, 2048);
  EXPECT_EQ(main.log.driver, "awslogs");
  EXPECT_EQ(main.log.options.at("awslogs-group"), "jobs");

  Error e = err("RunTask", R"({"taskDefinition":"job","overrides":{"containerOverrides":[{"name":"nope"}]}})");
  EXPECT_EQ(e.type, "InvalidParameterException");
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"job","overrides":{"containerOverrides":[{"name":"main",
    "environmentFiles":[{"type":"s3","value":"arn:aws:s3:::b/k"}]}]}})")
                .type,
            "UnsupportedFeatureException");
}

TEST_F(RunTask, FargateAwsvpcTasks) {
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"api","launchType":"FARGATE"})").message,
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"job","launchType":"FARGATE"})").message,
            "Task definition does not support launch_type FARGATE.");
  auto task = ok("RunTask", R"({"taskDefinition":"api","launchType":"FARGATE","networkConfiguration":
    {"awsvpcConfiguration":{"subnets":["subnet-1"]}}})")
                  .at("tasks")
                  .as_array()[0]
                  .as_object();
  EXPECT_EQ(str(task.at("lastStatus")), "PROVISIONING");
  EXPECT_EQ(str(task.at("platformVersion")), "1.4.0");
  EXPECT_EQ(str(task.at("platformFamily")), "Linux");
  EXPECT_FALSE(task.contains("containerInstanceArn"));
  auto eni = task.at("attachments").as_array()[0].as_object();
  EXPECT_EQ(str(eni.at("type")), "ElasticNetworkInterface");
  EXPECT_EQ(str(eni.at("status")), "PRECREATED");
  EXPECT_EQ(eni.at("details"), json::parse(R"([{"name":"subnetId","value":"subnet-1"}])"));
  EXPECT_EQ(str(task.at("cpu")), "256");
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"api","launchType":"FARGATE","platformVersion":"0.9",
    "networkConfiguration":{"awsvpcConfiguration":{"subnets":["s"]}}})")
                .type,
            "PlatformUnknownException");
}

TEST_F(RunTask, TasksThatDoNotFitBecomeFailures) {
  agent_.nodeResources = {4096, 1400};  // room for two tasks of 640 MiB
  auto out = ok("RunTask", R"({"taskDefinition":"job","count":3})");
  EXPECT_EQ(out.at("tasks").as_array().size(), 2u);
  auto failures = out.at("failures").as_array();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(str(failures[0].at("reason")), "RESOURCE:MEMORY");
  EXPECT_EQ(str(failures[0].at("arn")), "arn:aws:ecs:eu-west-1:123456789012:container-instance/default/local");
  EXPECT_EQ(ok("RunTask", R"({"taskDefinition":"job"})").at("tasks").as_array().size(), 0u);

  agent_.nodeResources = {100, 100000};
  // Fargate capacity is time-shared: only memory limits where a Fargate task can go.
  EXPECT_EQ(ok("RunTask", R"({"taskDefinition":"api","launchType":"FARGATE","networkConfiguration":
    {"awsvpcConfiguration":{"subnets":["s"]}}})")
                .at("tasks")
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(str(ok("RunTask", R"({"taskDefinition":"job","overrides":{"cpu":"512"}})")
                    .at("failures")
                    .as_array()[0]
                    .at("reason")),
            "RESOURCE:CPU");
}

TEST_F(RunTask, RunningFargateTasksLeaveTheNodesCpuToEc2Tasks) {
  agent_.nodeResources = {1024, 100000};
  for (int i = 0; i < 2; ++i) {
    ok("RunTask", R"({"taskDefinition":"api","launchType":"FARGATE","networkConfiguration":
      {"awsvpcConfiguration":{"subnets":["s"]}}})");
  }
  auto ec2 = ok("RunTask", R"({"taskDefinition":"job","overrides":{"cpu":"1024"}})");
  EXPECT_EQ(ec2.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(str(ok("RunTask", R"({"taskDefinition":"job","overrides":{"cpu":"1"}})")
                    .at("failures")
                    .as_array()[0]
                    .at("reason")),
            "RESOURCE:CPU");
}

TEST_F(RunTask, ClientTokenMakesRunTaskIdempotent) {
  auto first = ok("RunTask", R"({"taskDefinition":"job","count":2,"clientToken":"t-1"})");
  auto again = ok("RunTask", R"({"taskDefinition":"job","count":2,"clientToken":"t-1"})");
  EXPECT_EQ(first.at("tasks").as_array()[1].at("taskArn"), again.at("tasks").as_array()[1].at("taskArn"));
  EXPECT_EQ(agent_.launched.size(), 2u);
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"job","count":1,"clientToken":"t-1"})").type, "ConflictException");
  clock_.advance(std::chrono::hours(25));
  EXPECT_EQ(ok("RunTask", R"({"taskDefinition":"job","count":1,"clientToken":"t-1"})").at("tasks").as_array().size(),
            1u);
}

TEST_F(RunTask, TagsGroupAndValidation) {
  ok("TagResource", R"({"resourceArn":"arn:aws:ecs:eu-west-1:123456789012:task-definition/job:1",
    "tags":[{"key":"from","value":"td"},{"key":"k","value":"td"}]})");
  auto task = ok("RunTask", R"({"taskDefinition":"job","group":"batch","propagateTags":"TASK_DEFINITION",
    "enableExecuteCommand":true,"tags":[{"key":"k","value":"run"}]})")
                  .at("tasks")
                  .as_array()[0];
  EXPECT_EQ(task.at("tags"), json::parse(R"([{"key":"from","value":"td"},{"key":"k","value":"run"}])"));
  EXPECT_EQ(str(task.at("group")), "batch");
  EXPECT_TRUE(task.at("enableExecuteCommand").as_bool());
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"job","count":11})").type, "InvalidParameterException");
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"job","cluster":"nope"})").type, "ClusterNotFoundException");
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"missing"})").message, "Unable to describe task definition.");
  ok("DeregisterTaskDefinition", R"({"taskDefinition":"job:1"})");
  EXPECT_EQ(err("RunTask", R"({"taskDefinition":"job:1"})").type, "ClientException");
}

TEST_F(RunTask, StoreFailureAcceptsNothing) {
  ok("RunTask", R"({"taskDefinition":"job"})");  // creates the default cluster
  store_.failNext = true;
  EXPECT_FALSE(call("RunTask", json::parse(R"({"taskDefinition":"job"})").as_object()));
  EXPECT_EQ(agent_.launched.size(), 1u);
  EXPECT_EQ(ok("ListTasks", "{}").at("taskArns").as_array().size(), 1u);
}

TEST_F(RunTask, StartTaskTargetsThisNode) {
  ok("CreateCluster", R"({"clusterName":"c1"})");
  auto out = ok("StartTask", R"({"cluster":"c1","taskDefinition":"job","containerInstances":["local",
    "arn:aws:ecs:eu-west-1:123456789012:container-instance/c1/other"]})");
  EXPECT_EQ(out.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(str(out.at("failures").as_array()[0].at("reason")), "MISSING");
}

}  // namespace
}  // namespace wharf::ecs::testing
