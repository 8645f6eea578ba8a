"""The foundation issue's acceptance session, with /usr/bin/aws and boto3 against a real server:
Fargate task definition, 20 tasks with overrides, logs, stop, OOM, missing image, kill -9 recovery."""
import json
import os
import shutil
import tempfile
import time
import unittest

from harness import WharfServer, busybox_archive

TASK_DEFINITION = {
    "family": "copier",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{
        "name": "task",
        "image": "busybox:latest",
        "essential": True,
        "command": ["sh", "-c", "echo copying $OBJECT_KEY; exit $EXIT_CODE"],
        "environment": [{"name": "OBJECT_KEY", "value": "default-key"}, {"name": "EXIT_CODE", "value": "0"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/copier", "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}},
    }],
}
NETWORK = "awsvpcConfiguration={subnets=[subnet-0123456789abcdef0],assignPublicIp=DISABLED}"


def wait_stopped(ecs, cluster, arns, timeout=120):
    deadline = time.time() + timeout
    while True:
        tasks = []
        for i in range(0, len(arns), 100):
            tasks += ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100])["tasks"]
        if all(t["lastStatus"] == "STOPPED" for t in tasks) and len(tasks) == len(arns):
            return {t["taskArn"]: t for t in tasks}
        if time.time() > deadline:
            raise AssertionError(f"tasks not stopped: {[(t['taskArn'], t['lastStatus']) for t in tasks]}")
        time.sleep(0.2)


class EcsAcceptanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="wharf-e2e-img-")
        cls.addClassCleanup(shutil.rmtree, cls.work, True)
        cls.server = WharfServer()
        cls.server.import_image("busybox:latest", busybox_archive(cls.work))
        cls.server.start()
        cls.ecs = cls.server.client("ecs")
        cls.logs = cls.server.client("logs")
        cls.server.cli("ecs", "create-cluster", "--cluster-name", "batch")
        path = os.path.join(cls.work, "copier.json")
        with open(path, "w") as f:
            json.dump(TASK_DEFINITION, f)
        cls.taskdef = cls.server.cli("ecs", "register-task-definition", "--cli-input-json", f"file://{path}")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def run_copier(self, *extra):
        out = self.server.cli("ecs", "run-task", "--cluster", "batch", "--task-definition", "copier",
                              "--launch-type", "FARGATE", "--network-configuration", NETWORK, *extra)
        self.assertEqual(out["failures"], [])
        return [t["taskArn"] for t in out["tasks"]]

    def test_1_ten_tasks_and_ten_overridden_tasks_run_and_log(self):
        td = self.taskdef["taskDefinition"]
        self.assertEqual(td["revision"], 1)
        self.assertEqual(td["taskDefinitionArn"].split(":")[-1], "1")
        plain = self.run_copier("--count", "10")
        self.assertEqual(len(plain), 10)
        overridden = {}
        for i in range(10):
            overrides = {"containerOverrides": [{"name": "task", "environment": [
                {"name": "OBJECT_KEY", "value": f"object-{i}"}, {"name": "EXIT_CODE", "value": str(i % 3)}]}]}
            [arn] = self.run_copier("--overrides", json.dumps(overrides))
            overridden[arn] = i
        arns = plain + list(overridden)
        self.server.cli("ecs", "wait", "tasks-stopped", "--cluster", "batch", "--tasks", *arns)
        tasks = wait_stopped(self.ecs, "batch", arns)
        for arn, task in tasks.items():
            self.assertEqual(task["stopCode"], "EssentialContainerExited", arn)
            self.assertEqual(task["desiredStatus"], "STOPPED")
            [container] = task["containers"]
            expected_exit = overridden[arn] % 3 if arn in overridden else 0
            self.assertEqual(container["exitCode"], expected_exit, arn)
            for stamp in ("createdAt", "startedAt", "stoppingAt", "stoppedAt"):
                self.assertIn(stamp, task)
        for arn in arns:
            task_id = arn.rsplit("/", 1)[1]
            key = f"object-{overridden[arn]}" if arn in overridden else "default-key"
            events = self.server.cli("logs", "get-log-events", "--log-group-name", "/ecs/copier",
                                     "--log-stream-name", f"ecs/task/{task_id}", "--start-from-head")["events"]
            self.assertEqual([e["message"] for e in events], [f"copying {key}"])
        tail = self.server.cli("logs", "tail", "/ecs/copier", "--since", "1h")
        for i in range(10):
            self.assertIn(f"copying object-{i}", tail)

    def test_2_stop_task_is_user_initiated(self):
        overrides = {"containerOverrides": [{"name": "task", "command": ["sleep", "1000"]}]}
        [arn] = self.run_copier("--overrides", json.dumps(overrides))
        self.wait_running(arn)
        self.ecs.stop_task(cluster="batch", task=arn, reason="enough")
        task = wait_stopped(self.ecs, "batch", [arn], timeout=60)[arn]
        self.assertEqual(task["stopCode"], "UserInitiated")
        self.assertEqual(task["stoppedReason"], "enough")

    def test_3_out_of_memory_exits_137(self):
        overrides = {"containerOverrides": [{"name": "task", "memory": 32,
                                             "command": ["sh", "-c", "head -c 200m /dev/zero | tail"]}]}
        [arn] = self.run_copier("--overrides", json.dumps(overrides))
        task = wait_stopped(self.ecs, "batch", [arn])[arn]
        [container] = task["containers"]
        self.assertEqual(container["exitCode"], 137)
        self.assertIn("OutOfMemoryError", container.get("reason", ""))

    def test_4_missing_image_fails_to_start(self):
        td = dict(TASK_DEFINITION, family="ghost")
        td["containerDefinitions"] = [dict(TASK_DEFINITION["containerDefinitions"][0], image="nothing/here:1")]
        self.ecs.register_task_definition(**td)
        arn = self.ecs.run_task(cluster="batch", taskDefinition="ghost", launchType="FARGATE",
                                networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-1"]}})["tasks"][0][
            "taskArn"]
        task = wait_stopped(self.ecs, "batch", [arn])[arn]
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertIn("CannotPullContainerError", task["stoppedReason"])

    def test_5_tasks_survive_server_kill(self):
        overrides = {"containerOverrides": [{"name": "task", "command": [
            "sh", "-c", "for i in 1 2 3 4 5 6; do echo line-$i; sleep 0.5; done; exit 4"]}]}
        arns = self.run_copier("--count", "3", "--overrides", json.dumps(overrides))
        for arn in arns:
            self.wait_running(arn)
        self.server.kill()
        time.sleep(1)
        self.server.start()
        self.ecs = self.server.client("ecs")
        tasks = wait_stopped(self.ecs, "batch", arns)
        for arn, task in tasks.items():
            self.assertEqual(task["containers"][0]["exitCode"], 4)
            task_id = arn.rsplit("/", 1)[1]
            events = self.server.client("logs").get_log_events(
                logGroupName="/ecs/copier", logStreamName=f"ecs/task/{task_id}", startFromHead=True)["events"]
            self.assertEqual([e["message"] for e in events], [f"line-{i}" for i in range(1, 7)])

    def wait_running(self, arn, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            [task] = self.ecs.describe_tasks(cluster="batch", tasks=[arn])["tasks"]
            if task["lastStatus"] == "RUNNING":
                return task
            self.assertNotEqual(task["lastStatus"], "STOPPED", task.get("stoppedReason"))
            time.sleep(0.1)
        raise AssertionError(f"{arn} never reached RUNNING")


if __name__ == "__main__":
    unittest.main(verbosity=2)
