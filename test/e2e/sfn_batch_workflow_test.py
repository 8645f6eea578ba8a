"""The Step Functions issue's acceptance: the batch workflow of DESIGN.md on a real server. A workflow
spec lists tasks; a Map state runs each as an ECS task (ecs:runTask.sync) with container overrides,
the tasks copy files in a host directory mounted as a volume and write audit records; a failing
task is retried and caught; a .waitForTaskToken task is completed by SendTaskSuccess; and a
SIGKILL of the server mid-batch changes neither the output nor the number of tasks started."""
import json
import os
import shutil
import tempfile
import time
import unittest

from harness import WharfServer, busybox_archive, wait_done

ROLE = "arn:aws:iam::123456789012:role/batch-workflow"
SUBNETS = ["subnet-0123456789abcdef0"]
# Copies in/OBJECT_KEY to out/TASK_NAME-OBJECT_KEY and appends an audit record; cp fails (exit 1)
# when the object is missing. DELAY keeps a task running long enough to crash the server under it.
COPY_SCRIPT = ('sleep "${DELAY:-0}" && cp "/data/in/$OBJECT_KEY" "/data/out/$TASK_NAME-$OBJECT_KEY" && '
               'echo "{\\"task\\":\\"$TASK_NAME\\",\\"bucket\\":\\"$BUCKET\\",\\"object\\":\\"$OBJECT_KEY\\"}" '
               '>> "/data/audit/$TASK_NAME.json"')


def task_definition(family, data_dir, delay):
    return {
        "family": family, "requiresCompatibilities": ["EC2"],  # Fargate has no host volumes
        "networkMode": "awsvpc",
        "memory": "128",  # no CPU reservation: ten 256-unit tasks would not all fit on 2 cores
        "volumes": [{"name": "bucket", "host": {"sourcePath": data_dir}}],
        "containerDefinitions": [{
            "name": "task", "image": "busybox:latest", "essential": True,
            "command": ["sh", "-c", COPY_SCRIPT],
            "environment": [{"name": "DELAY", "value": str(delay)}],
            "mountPoints": [{"sourceVolume": "bucket", "containerPath": "/data"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/ecs/batch", "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "batch", "awslogs-create-group": "true"}},
        }],
    }


def env_override(name, path):
    return {"Name": name, "Value.$": path}


WORKFLOW = {
    "Comment": "Runs every entry of the spec's taskList as an ECS task and waits for all of them",
    "StartAt": "RunTasks",
    "States": {
        "RunTasks": {
            "Type": "Map", "ItemsPath": "$.taskList", "MaxConcurrency": 0, "ResultPath": "$.results", "End": True,
            "ItemSelector": {"task.$": "$$.Map.Item.Value", "cluster.$": "$.cluster",
                             "taskDefinition.$": "$.taskDefinition"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Copy", "States": {
                "Copy": {
                    "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
                    "Parameters": {
                        "Cluster.$": "$.cluster", "TaskDefinition.$": "$.taskDefinition", "LaunchType": "EC2",
                        "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": SUBNETS,
                                                                         "AssignPublicIp": "DISABLED"}},
                        "Overrides": {"ContainerOverrides": [{"Name": "task", "Environment": [
                            env_override("TASK_NAME", "$.task.taskName"), env_override("BUCKET", "$.task.bucket"),
                            env_override("OBJECT_KEY", "$.task.objectKey")]}]}},
                    "ResultSelector": {"exitCode.$": "$.Containers[0].ExitCode", "stopCode.$": "$.StopCode"},
                    "ResultPath": "$.run",
                    "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2,
                               "BackoffRate": 1.0}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Failed"}],
                    "Next": "Copied"},
                "Copied": {"Type": "Pass", "End": True, "Parameters": {
                    "taskName.$": "$.task.taskName", "status": "SUCCEEDED", "exitCode.$": "$.run.exitCode"}},
                "Failed": {"Type": "Pass", "End": True, "Parameters": {
                    "taskName.$": "$.task.taskName", "status": "FAILED", "error.$": "$.failure.Error"}},
            }},
        },
    },
}



class BatchWorkflowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="wharf-e2e-batch-")
        cls.bucket = os.path.join(cls.work, "bucket")
        for sub in ("in", "out", "audit"):
            os.makedirs(os.path.join(cls.bucket, sub))
        for i in range(10):
            with open(os.path.join(cls.bucket, "in", f"object-{i}.txt"), "w") as f:
                f.write(f"payload {i}\n")
        cls.addClassCleanup(shutil.rmtree, cls.work, ignore_errors=True)
        cls.server = WharfServer()
        cls.addClassCleanup(cls.server.cleanup)  # runs even when the rest of setUpClass fails
        cls.server.import_image("busybox:latest", busybox_archive(cls.work))
        cls.server.start()
        cls.connect()
        for family, delay in (("copier", 0), ("slow-copier", 5)):
            path = os.path.join(cls.work, f"{family}.json")
            with open(path, "w") as f:
                json.dump(task_definition(family, cls.bucket, delay), f)
            cls.server.cli("ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
        path = os.path.join(cls.work, "workflow.json")
        with open(path, "w") as f:
            json.dump(WORKFLOW, f)
        cls.machine = cls.server.cli("stepfunctions", "create-state-machine", "--name", "batch-workflow",
                                     "--role-arn", ROLE, "--definition", f"file://{path}")["stateMachineArn"]

    @classmethod
    def connect(cls):
        cls.sfn = cls.server.client("stepfunctions")
        cls.ecs = cls.server.client("ecs")

    def spec(self, cluster, family, keys):
        self.ecs.create_cluster(clusterName=cluster)
        return {"cluster": cluster, "taskDefinition": family, "taskList": [
            {"taskName": f"{cluster}-{i}", "bucket": "bucket", "objectKey": key} for i, key in enumerate(keys)]}

    def start(self, spec, name):
        path = os.path.join(self.work, f"{name}.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        return self.server.cli("stepfunctions", "start-execution", "--state-machine-arn", self.machine,
                               "--name", name, "--input", f"file://{path}")["executionArn"]

    def cluster_tasks(self, cluster):
        arns = []
        for status in ("RUNNING", "STOPPED"):
            arns += self.server.cli("ecs", "list-tasks", "--cluster", cluster, "--desired-status", status)["taskArns"]
        tasks = []
        for i in range(0, len(arns), 100):
            tasks += self.ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100])["tasks"]
        return tasks

    def task_arns_in_history(self, execution_arn):
        pages = self.sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
        arns = set()
        for event in (e for page in pages for e in page["events"]):
            if event["type"] == "TaskSucceeded":
                arns.add(json.loads(event["taskSucceededEventDetails"]["output"])["TaskArn"])
        return arns

    def copied(self, spec):
        for entry in spec["taskList"]:
            out = os.path.join(self.bucket, "out", f"{entry['taskName']}-{entry['objectKey']}")
            if not os.path.exists(out):
                continue
            with open(out) as f, open(os.path.join(self.bucket, "in", entry["objectKey"])) as g:
                self.assertEqual(f.read(), g.read())
            with open(os.path.join(self.bucket, "audit", f"{entry['taskName']}.json")) as f:
                record = json.loads(f.read())
            self.assertEqual(record, {"task": entry["taskName"], "bucket": "bucket", "object": entry["objectKey"]})
            yield entry["taskName"]

    @staticmethod
    def succeeded(spec):
        return [{"taskName": e["taskName"], "status": "SUCCEEDED", "exitCode": 0} for e in spec["taskList"]]

    def test_1_ten_tasks_run_with_overrides(self):
        spec = self.spec("run1", "copier", [f"object-{i}.txt" for i in range(10)])
        arn = self.start(spec, "ten-tasks")
        d = wait_done(self.sfn, arn, timeout=180)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        self.assertEqual(json.loads(d["output"])["results"], self.succeeded(spec))
        tasks = self.cluster_tasks("run1")
        self.assertEqual(len(tasks), 10)
        self.assertEqual(self.task_arns_in_history(arn), {t["taskArn"] for t in tasks})
        for t in tasks:
            self.assertEqual(t["startedBy"], "AWS Step Functions")
            self.assertEqual((t["lastStatus"], t["containers"][0]["exitCode"]), ("STOPPED", 0))
        self.assertEqual(sorted(self.copied(spec)), sorted(e["taskName"] for e in spec["taskList"]))
        listed = self.sfn.list_executions(stateMachineArn=self.machine, statusFilter="SUCCEEDED")["executions"]
        self.assertIn(arn, [e["executionArn"] for e in listed])

    def test_2_failing_task_is_retried_twice_then_caught(self):
        spec = self.spec("run2", "copier", ["object-0.txt", "missing.txt", "object-2.txt"])
        d = wait_done(self.sfn, self.start(spec, "one-fails"), timeout=180)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        results = json.loads(d["output"])["results"]
        self.assertEqual(results[1], {"taskName": "run2-1", "status": "FAILED", "error": "States.TaskFailed"})
        self.assertEqual([r["status"] for r in results], ["SUCCEEDED", "FAILED", "SUCCEEDED"])
        tasks = self.cluster_tasks("run2")
        failing = [t for t in tasks if t["overrides"]["containerOverrides"][0]["environment"][2]["value"]
                   == "missing.txt"]
        self.assertEqual(len(failing), 3)  # the first run and two retries
        self.assertTrue(all(t["containers"][0]["exitCode"] == 1 for t in failing))
        self.assertEqual(len(tasks), 5)

    def test_3_wait_for_task_token_completes_by_send_task_success(self):
        self.ecs.create_cluster(clusterName="callback")
        sm = self.sfn.create_state_machine(name="callback", roleArn=ROLE, definition=json.dumps({
            "StartAt": "Ask", "States": {"Ask": {
                "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.waitForTaskToken", "End": True,
                "Parameters": {"Cluster": "callback", "TaskDefinition": "copier", "LaunchType": "EC2",
                               "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": SUBNETS}},
                               "Overrides": {"ContainerOverrides": [{"Name": "task", "Environment": [
                                   {"Name": "TASK_TOKEN", "Value.$": "$$.Task.Token"}]}]}}}}}))["stateMachineArn"]
        arn = self.sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
        deadline = time.time() + 60
        while not (tasks := self.cluster_tasks("callback")) and time.time() < deadline:
            time.sleep(0.2)
        token = tasks[0]["overrides"]["containerOverrides"][0]["environment"][0]["value"]
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
        self.server.cli("stepfunctions", "send-task-success", "--task-token", token, "--task-output",
                        '{"approved":true}')
        d = wait_done(self.sfn, arn)
        self.assertEqual((d["status"], json.loads(d["output"])), ("SUCCEEDED", {"approved": True}))

    def test_4_server_killed_mid_batch(self):
        spec = self.spec("run4", "slow-copier", [f"object-{i}.txt" for i in range(10)])
        arn = self.start(spec, "survives-kill")
        deadline = time.time() + 60
        while not any(t["lastStatus"] == "RUNNING" for t in self.cluster_tasks("run4")):
            self.assertLess(time.time(), deadline, "no task ever ran")
            time.sleep(0.2)
        self.server.kill()
        self.server.start()
        type(self).connect()
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
        d = wait_done(self.sfn, arn, timeout=180)
        self.assertEqual(d["status"], "SUCCEEDED", d.get("cause"))
        self.assertEqual(json.loads(d["output"]), dict(spec, results=self.succeeded(spec)))
        tasks = self.cluster_tasks("run4")
        self.assertEqual(len(tasks), 10)
        self.assertEqual(self.task_arns_in_history(arn), {t["taskArn"] for t in tasks})
        self.assertEqual(len(list(self.copied(spec))), 10)


if __name__ == "__main__":
    unittest.main()
