"""Step Functions end to end: a real `wharf server` driven by boto3 and /usr/bin/aws."""
import json
import threading
import time
import unittest

import boto3
from botocore.config import Config

from harness import ACCESS_KEY, REGION, SECRET_KEY, ServerTestCase, WharfServer, wait_done
from harness import SFN_ROLE as ROLE


class SfnExecutionsTest(ServerTestCase):
    def machine(self, name, definition, type_="STANDARD"):
        return self.sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE,
                                             type=type_)["stateMachineArn"]

    def run_to_end(self, sm, payload):
        arn = self.sfn.start_execution(stateMachineArn=sm, input=json.dumps(payload))["executionArn"]
        return wait_done(self.sfn, arn)

    def test_pass_choice_wait_map_parallel(self):
        sm = self.machine("flow", {
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Result": [1, 2, 3], "ResultPath": "$.items", "Next": "Pick"},
                "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.mode", "StringEquals": "fan", "Next": "Fan"}],
                         "Default": "Nope"},
                "Nope": {"Type": "Fail", "Error": "Wrong", "Cause": "mode"},
                "Fan": {"Type": "Map", "ItemsPath": "$.items", "Next": "Both",
                        "ItemProcessor": {"StartAt": "Double", "States": {
                            "Double": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}}},
                        "ResultPath": "$.mapped"},
                "Both": {"Type": "Parallel", "ResultPath": "$.par", "Next": "Nap", "Branches": [
                    {"StartAt": "L", "States": {"L": {"Type": "Pass", "Result": "left", "End": True}}},
                    {"StartAt": "R", "States": {"R": {"Type": "Pass", "Result": "right", "End": True}}}]},
                "Nap": {"Type": "Wait", "Seconds": 1, "End": True},
            }})
        d = self.run_to_end(sm, {"mode": "fan"})
        self.assertEqual(d["status"], "SUCCEEDED")
        out = json.loads(d["output"])
        self.assertEqual(out["mapped"], [{"v": 1}, {"v": 2}, {"v": 3}])
        self.assertEqual(out["par"], ["left", "right"])
        failed = self.run_to_end(sm, {"mode": "other"})
        self.assertEqual((failed["status"], failed["error"]), ("FAILED", "Wrong"))
        # History pages through the CLI's paginator and in reverse.
        hist = self.server.cli("stepfunctions", "get-execution-history", "--execution-arn", d["executionArn"],
                               "--page-size", "3")
        types = [e["type"] for e in hist["events"]]
        self.assertEqual(types[0], "ExecutionStarted")
        self.assertEqual(types[-1], "ExecutionSucceeded")
        self.assertEqual([e["id"] for e in hist["events"]], list(range(1, len(types) + 1)))
        rev = self.sfn.get_execution_history(executionArn=d["executionArn"], reverseOrder=True, maxResults=1)
        self.assertEqual(rev["events"][0]["type"], "ExecutionSucceeded")
        listed = self.server.cli("stepfunctions", "list-executions", "--state-machine-arn", sm,
                                 "--status-filter", "SUCCEEDED")
        self.assertEqual([e["executionArn"] for e in listed["executions"]], [d["executionArn"]])

    def test_errors(self):
        sm = self.machine("errs", {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
        with self.assertRaises(self.sfn.exceptions.InvalidDefinition):
            self.machine("broken", {"StartAt": "X", "States": {}})
        with self.assertRaises(self.sfn.exceptions.StateMachineAlreadyExists):
            self.machine("errs", {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}})
        self.sfn.start_execution(stateMachineArn=sm, name="once", input="{}")
        with self.assertRaises(self.sfn.exceptions.ExecutionAlreadyExists):
            self.sfn.start_execution(stateMachineArn=sm, name="once", input='{"other":1}')
        with self.assertRaises(self.sfn.exceptions.ExecutionDoesNotExist):
            self.sfn.describe_execution(executionArn=sm.replace(":stateMachine:", ":execution:") + ":nope")
        v = self.sfn.validate_state_machine_definition(definition='{"StartAt":"A","States":{}}')
        self.assertEqual(v["result"], "FAIL")

    def test_express_sync(self):
        sm = self.machine("quick", {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, "EXPRESS")
        # boto3 sends StartSyncExecution to a sync- host prefix unless told not to.
        sync = boto3.client("stepfunctions", endpoint_url=self.server.endpoint, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))
        r = sync.start_sync_execution(stateMachineArn=sm, input='{"k":"v"}')
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertEqual(json.loads(r["output"]), {"k": "v"})

    def test_activity_worker_and_heartbeat_timeout(self):
        act = self.sfn.create_activity(name="worker")["activityArn"]
        sm = self.machine("acts", {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 2, "Next": "Again"},
            "Again": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 1, "End": True}}})
        arn = self.sfn.start_execution(stateMachineArn=sm, input='{"job":1}')["executionArn"]
        task = self.sfn.get_activity_task(activityArn=act, workerName="w1")
        self.assertEqual(json.loads(task["input"]), {"job": 1})
        self.sfn.send_task_heartbeat(taskToken=task["taskToken"])
        self.sfn.send_task_success(taskToken=task["taskToken"], output='{"job":2}')
        with self.assertRaises(self.sfn.exceptions.TaskDoesNotExist):
            self.sfn.send_task_success(taskToken=task["taskToken"], output="{}")
        # The second task is taken but never heartbeats.
        second = self.sfn.get_activity_task(activityArn=act, workerName="w2")
        self.assertEqual(json.loads(second["input"]), {"job": 2})
        d = wait_done(self.sfn, arn)
        self.assertEqual(d["status"], "FAILED")
        self.assertIn(d["error"], ("States.HeartbeatTimeout", "States.Timeout"))
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=arn)["events"]]
        self.assertIn("ActivityTimedOut", types)
        with self.assertRaises(self.sfn.exceptions.TaskTimedOut):
            self.sfn.send_task_success(taskToken=second["taskToken"], output="{}")

    def test_missed_heartbeat_is_caught_as_heartbeat_timeout(self):
        # AWS reports a missed heartbeat as States.Timeout; Retry and Catch also know it by
        # States.HeartbeatTimeout, which lets a workflow tell it from the state's TimeoutSeconds.
        act = self.sfn.create_activity(name="silent")["activityArn"]
        sm = self.machine("silent", {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 1, "TimeoutSeconds": 60, "End": True,
                     "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.missed",
                                "Next": "NoHeartbeat"}]},
            "NoHeartbeat": {"Type": "Pass", "End": True}}})
        arn = self.sfn.start_execution(stateMachineArn=sm, input='{"job":3}')["executionArn"]
        self.sfn.get_activity_task(activityArn=act, workerName="mute")
        d = wait_done(self.sfn, arn)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"job": 3, "missed": {"Error": "States.Timeout", "Cause": ""}})

    def test_long_poll_waits_for_work(self):
        act = self.sfn.create_activity(name="later")["activityArn"]
        sm = self.machine("later", {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": act, "End": True}}})
        got = {}
        poller = threading.Thread(target=lambda: got.update(self.server.client("stepfunctions").get_activity_task(
            activityArn=act, workerName="p")))
        poller.start()
        time.sleep(0.5)
        arn = self.sfn.start_execution(stateMachineArn=sm, input='{"x":1}')["executionArn"]
        poller.join(timeout=30)
        self.assertEqual(json.loads(got["input"]), {"x": 1})
        self.sfn.send_task_success(taskToken=got["taskToken"], output='"ok"')
        self.assertEqual(wait_done(self.sfn, arn)["output"], '"ok"')

    def test_stop_execution(self):
        sm = self.machine("stopme", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 300, "End": True}}})
        arn = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        self.server.cli("stepfunctions", "stop-execution", "--execution-arn", arn, "--error", "Halt")
        d = self.sfn.describe_execution(executionArn=arn)
        self.assertEqual((d["status"], d["error"]), ("ABORTED", "Halt"))


class SfnCrashRecoveryTest(unittest.TestCase):
    def test_kill_mid_wait_then_restart(self):
        server = WharfServer().start()
        try:
            sfn = server.client("stepfunctions")
            sm = sfn.create_state_machine(name="sleepy", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Before", "States": {
                    "Before": {"Type": "Pass", "Result": "x", "ResultPath": "$.before", "Next": "Nap"},
                    "Nap": {"Type": "Wait", "Seconds": 3, "Next": "After"},
                    "After": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Name", "b.$": "$.before"},
                              "End": True}}}))["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=sm, name="survivor", input="{}")["executionArn"]
            started = time.time()
            time.sleep(1)
            server.kill()
            server.start()
            sfn = server.client("stepfunctions")
            self.assertEqual(sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
            d = wait_done(sfn, arn)
            self.assertGreaterEqual(time.time() - started, 3)
            self.assertEqual(d["status"], "SUCCEEDED")
            self.assertEqual(json.loads(d["output"]), {"id": "survivor", "b": "x"})
            events = sfn.get_execution_history(executionArn=arn)["events"]
            self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
            self.assertEqual([e["type"] for e in events].count("WaitStateEntered"), 1)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
