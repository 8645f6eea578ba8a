#include <algorithm>
#include <thread>

#include "ecs/fakes.h"

namespace wharf::ecs::testing {
namespace {

using Kind = agent::TaskEvent::Kind;

class Lifecycle : public EcsHarness {
 protected:
  void SetUp() override {
    EcsHarness::SetUp();
    ok("RegisterTaskDefinition", R"({"family":"api","networkMode":"awsvpc","cpu":"256","memory":"512",
      "containerDefinitions":[{"name":"app","image":"busybox"},{"name":"side","image":"busybox","essential":false}]})");
    ok("RegisterTaskDefinition", R"({"family":"job","containerDefinitions":[{"name":"main","image":"busybox",
      "memory":64}]})");
  }

  std::string runApi() {
    return idOf(ok("RunTask", R"({"taskDefinition":"api","launchType":"FARGATE","networkConfiguration":
      {"awsvpcConfiguration":{"subnets":["subnet-1"]}}})")
                    .at("tasks")
                    .as_array()[0]);
  }
  std::string runJob() { return idOf(ok("RunTask", R"({"taskDefinition":"job"})").at("tasks").as_array()[0]); }

  json::object describe(const std::string& id) {
    auto out = ok("DescribeTasks", R"({"tasks":[")" + id + R"("]})");
    return out.at("tasks").as_array()[0].as_object();
  }
  json::object container(const std::string& id, size_t i) {
    return describe(id).at("containers").as_array()[i].as_object();
  }
  void exited(const std::string& id, const std::string& name, int code, const std::string& reason = "") {
    auto e = event(Kind::kContainerExited, id, name);
    e.exitCode = code;
    e.reason = reason;
    agent_.emit(e);
  }
};

TEST_F(Lifecycle, EssentialExitStopsTheTaskAsEcsReportsIt) {
  std::string id = runApi();
  agent_.emit(event(Kind::kPulled, id));
  EXPECT_EQ(str(describe(id).at("lastStatus")), "PROVISIONING");
  auto ready = event(Kind::kNetworkReady, id);
  ready.privateIpv4 = "10.0.0.5";
  ready.macAddress = "0a:00:00:00:00:05";
  agent_.emit(ready);
  auto task = describe(id);
  EXPECT_EQ(str(task.at("lastStatus")), "PENDING");
  EXPECT_EQ(str(task.at("connectivity")), "CONNECTED");
  auto eni = task.at("attachments").as_array()[0].as_object();
  EXPECT_EQ(str(eni.at("status")), "ATTACHED");
  std::string details = json::serialize(eni.at("details"));
  EXPECT_NE(details.find(R"({"name":"privateIPv4Address","value":"10.0.0.5"})"), std::string::npos);
  EXPECT_NE(details.find(R"({"name":"macAddress","value":"0a:00:00:00:00:05"})"), std::string::npos);
  EXPECT_EQ(str(container(id, 0).at("networkInterfaces").as_array()[0].at("privateIpv4Address")), "10.0.0.5");

  clock_.advance(std::chrono::seconds(2));
  agent_.emit(event(Kind::kContainerStarted, id, "app"));
  EXPECT_EQ(str(describe(id).at("lastStatus")), "PENDING");
  agent_.emit(event(Kind::kContainerStarted, id, "side"));
  task = describe(id);
  EXPECT_EQ(str(task.at("lastStatus")), "RUNNING");
  EXPECT_DOUBLE_EQ(task.at("startedAt").to_number<double>(), 1700000002.0);
  EXPECT_TRUE(task.contains("pullStartedAt"));
  EXPECT_TRUE(task.contains("pullStoppedAt"));
  EXPECT_EQ(str(container(id, 0).at("lastStatus")), "RUNNING");
  EXPECT_TRUE(container(id, 0).contains("runtimeId"));
  EXPECT_EQ(ok("DescribeClusters", "{}").at("clusters").as_array()[0].at("runningTasksCount"), 1);

  exited(id, "app", 3);
  task = describe(id);
  EXPECT_EQ(str(task.at("desiredStatus")), "STOPPED");
  EXPECT_EQ(str(task.at("lastStatus")), "RUNNING");
  EXPECT_EQ(str(task.at("stopCode")), "EssentialContainerExited");
  EXPECT_EQ(str(task.at("stoppedReason")), "Essential container in task exited");
  EXPECT_TRUE(task.contains("stoppingAt"));
  EXPECT_EQ(agent_.stopped, std::vector<std::string>{id});
  EXPECT_TRUE(agent_.cleaned.empty());

  exited(id, "side", 143);
  task = describe(id);
  EXPECT_EQ(str(task.at("lastStatus")), "DEPROVISIONING");
  EXPECT_TRUE(task.contains("executionStoppedAt"));
  EXPECT_EQ(agent_.cleaned, std::vector<std::string>{id});

  agent_.emit(event(Kind::kCleanedUp, id));
  task = describe(id);
  EXPECT_EQ(str(task.at("lastStatus")), "STOPPED");
  EXPECT_TRUE(task.contains("stoppedAt"));
  EXPECT_EQ(str(task.at("attachments").as_array()[0].at("status")), "DELETED");
  EXPECT_EQ(task.at("containers").as_array()[0].at("exitCode"), 3);
  EXPECT_EQ(task.at("containers").as_array()[1].at("exitCode"), 143);
  EXPECT_EQ(str(store_.record("ecs.tasks", id).at("lastStatus")), "STOPPED");
  EXPECT_EQ(ok("ListTasks", R"({"desiredStatus":"STOPPED"})").at("taskArns").as_array().size(), 1u);
  EXPECT_EQ(ok("ListTasks", "{}").at("taskArns").as_array().size(), 0u);

  agent_.emit(event(Kind::kContainerStarted, id, "app"));  // late events change nothing
  EXPECT_EQ(str(describe(id).at("lastStatus")), "STOPPED");
}

TEST_F(Lifecycle, StopTaskIsUserInitiated) {
  std::string id = runJob();
  agent_.emit(event(Kind::kContainerStarted, id, "main"));
  auto stopped = ok("StopTask", R"({"task":")" + id + R"("})").at("task").as_object();
  EXPECT_EQ(str(stopped.at("desiredStatus")), "STOPPED");
  EXPECT_EQ(str(stopped.at("stopCode")), "UserInitiated");
  EXPECT_EQ(str(stopped.at("stoppedReason")), "Task stopped by user");
  EXPECT_EQ(agent_.stopped, std::vector<std::string>{id});
  exited(id, "main", 137);
  EXPECT_EQ(str(describe(id).at("stopCode")), "UserInitiated");
  EXPECT_EQ(agent_.cleaned, std::vector<std::string>{id});
  agent_.emit(event(Kind::kCleanedUp, id));
  EXPECT_EQ(str(describe(id).at("lastStatus")), "STOPPED");

  std::string other = runJob();
  auto withReason = ok("StopTask", R"({"task":"arn:aws:ecs:eu-west-1:123456789012:task/default/)" + other +
                                       R"(","reason":"done here"})");
  EXPECT_EQ(str(withReason.at("task").at("stoppedReason")), "done here");
  EXPECT_EQ(err("StopTask", R"({"task":"0123"})").type, "InvalidParameterException");
}

TEST_F(Lifecycle, FailedToStartAndOomReasons) {
  std::string id = runJob();
  auto failed = event(Kind::kFailedToStart, id, "main");
  failed.reason = "CannotPullContainerError: pull access denied for nope";
  agent_.emit(failed);
  auto task = describe(id);
  EXPECT_EQ(str(task.at("stopCode")), "TaskFailedToStart");
  EXPECT_EQ(str(task.at("stoppedReason")), "CannotPullContainerError: pull access denied for nope");
  EXPECT_EQ(str(task.at("containers").as_array()[0].at("reason")),
            "CannotPullContainerError: pull access denied for nope");
  EXPECT_EQ(agent_.cleaned, std::vector<std::string>{id});

  std::string oom = runJob();
  agent_.emit(event(Kind::kContainerStarted, oom, "main"));
  exited(oom, "main", 137, "OutOfMemoryError: Container killed due to memory usage");
  auto c = container(oom, 0);
  EXPECT_EQ(str(c.at("reason")), "OutOfMemoryError: Container killed due to memory usage");
  EXPECT_EQ(c.at("exitCode"), 137);
  EXPECT_EQ(str(describe(oom).at("stopCode")), "EssentialContainerExited");
}

TEST_F(Lifecycle, RecoveryHandsUnfinishedTasksBackToTheAgent) {
  std::string running = runJob();
  agent_.emit(event(Kind::kContainerStarted, running, "main"));
  std::string done = runJob();
  exited(done, "main", 0);
  agent_.emit(event(Kind::kCleanedUp, done));
  std::string cleaning = runJob();
  exited(cleaning, "main", 1);
  agent_.cleaned.clear();

  open();  // a restart: new service, same store and agent
  ASSERT_EQ(agent_.recovered.size(), 1u);
  EXPECT_EQ(agent_.recovered[0].taskId, running);
  EXPECT_EQ(agent_.recovered[0].containers[0].memoryMiB, 64);
  EXPECT_EQ(agent_.cleaned, std::vector<std::string>{cleaning});
  exited(running, "main", 0);  // the exit the agent replays
  EXPECT_EQ(str(describe(running).at("stopCode")), "EssentialContainerExited");
  EXPECT_EQ(str(describe(done).at("lastStatus")), "STOPPED");
}

TEST_F(Lifecycle, EventsDeliveredConcurrentlyAreAllRecorded) {
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(runJob());
  std::vector<std::thread> agentThreads;
  for (size_t i = 0; i < ids.size(); ++i) {
    agentThreads.emplace_back([&, i] {
      agent_.emit(event(Kind::kPulled, ids[i]));
      agent_.emit(event(Kind::kNetworkReady, ids[i]));
      agent_.emit(event(Kind::kContainerStarted, ids[i], "main"));
      exited(ids[i], "main", int(i));
      agent_.emit(event(Kind::kCleanedUp, ids[i]));
    });
  }
  for (auto& t : agentThreads) t.join();
  for (size_t i = 0; i < ids.size(); ++i) {
    auto task = describe(ids[i]);
    EXPECT_EQ(str(task.at("lastStatus")), "STOPPED");
    EXPECT_TRUE(task.contains("startedAt"));
    EXPECT_EQ(container(ids[i], 0).at("exitCode"), int(i));
    EXPECT_EQ(store_.record("ecs.tasks", ids[i]).at("lastStatus"), "STOPPED");
  }
  std::sort(agent_.cleaned.begin(), agent_.cleaned.end());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(agent_.cleaned, ids);
}

TEST_F(Lifecycle, StoppedTasksExpireAfterRetention) {
  std::string id = runJob();
  exited(id, "main", 0);
  agent_.emit(event(Kind::kCleanedUp, id));
  clock_.advance(std::chrono::minutes(59));
  ASSERT_TRUE(service_->sweep());
  EXPECT_EQ(ok("DescribeTasks", R"({"tasks":[")" + id + R"("]})").at("tasks").as_array().size(), 1u);
  clock_.advance(std::chrono::minutes(2));
  ASSERT_TRUE(service_->sweep());
  auto out = ok("DescribeTasks", R"({"tasks":[")" + id + R"("]})");
  EXPECT_TRUE(out.at("tasks").as_array().empty());
  EXPECT_EQ(str(out.at("failures").as_array()[0].at("reason")), "MISSING");
  EXPECT_EQ(store_.size("ecs.tasks"), 0u);
}

}  // namespace
}  // namespace wharf::ecs::testing
