"""RedriveExecution end to end: a real `wharf server` driven by boto3, including a redrive that
survives kill -9."""
import json
import unittest

from harness import SFN_ROLE as ROLE
from harness import ServerTestCase, WharfServer, wait_done


def history_types(sfn, arn):
    return [e["type"] for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]]


class SfnRedriveTest(ServerTestCase):
    def test_failed_activity_is_redriven_and_succeeds(self):
        sfn = self.sfn
        act = sfn.create_activity(name="flaky")["activityArn"]
        sm = sfn.create_state_machine(name="redrive-me", roleArn=ROLE, definition=json.dumps({
            "StartAt": "Prepare", "States": {
                "Prepare": {"Type": "Pass", "Result": {"job": 7}, "Next": "Work"},
                "Work": {"Type": "Task", "Resource": act,
                         "Parameters": {"job.$": "$.job", "attempt.$": "$$.Execution.RedriveCount"}, "End": True}}}))[
            "stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=sm, name="once")["executionArn"]
        task = sfn.get_activity_task(activityArn=act, workerName="w")
        self.assertEqual(json.loads(task["input"]), {"job": 7, "attempt": 0})
        sfn.send_task_failure(taskToken=task["taskToken"], error="Flaky", cause="first try")
        failed = wait_done(sfn, arn)
        self.assertEqual((failed["status"], failed["error"]), ("FAILED", "Flaky"))
        self.assertEqual((failed["redriveCount"], failed["redriveStatus"]), (0, "REDRIVABLE"))

        redrive_date = sfn.redrive_execution(executionArn=arn)["redriveDate"]
        running = sfn.describe_execution(executionArn=arn)
        self.assertEqual(running["status"], "RUNNING")
        self.assertNotIn("stopDate", running)
        self.assertNotIn("error", running)
        self.assertEqual(running["redriveCount"], 1)
        self.assertEqual(running["redriveDate"], redrive_date)
        self.assertEqual(running["redriveStatus"], "NOT_REDRIVABLE")
        with self.assertRaises(sfn.exceptions.ExecutionNotRedrivable):
            sfn.redrive_execution(executionArn=arn)

        task = sfn.get_activity_task(activityArn=act, workerName="w")
        self.assertEqual(json.loads(task["input"]), {"job": 7, "attempt": 1})
        sfn.send_task_success(taskToken=task["taskToken"], output='{"done":true}')
        done = wait_done(sfn, arn)
        self.assertEqual(done["status"], "SUCCEEDED")
        self.assertEqual(json.loads(done["output"]), {"done": True})
        self.assertEqual(done["redriveCount"], 1)
        self.assertEqual(done["redriveStatusReason"], "Execution is SUCCEEDED and cannot be redriven")
        events = sfn.get_execution_history(executionArn=arn)["events"]
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual([e["type"] for e in events], [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "ActivityScheduled",
            "ActivityStarted", "ActivityFailed", "ExecutionFailed", "ExecutionRedriven", "TaskStateEntered",
            "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"])
        redriven = events[8]
        self.assertEqual(redriven["executionRedrivenEventDetails"], {"redriveCount": 1})
        self.assertEqual(redriven["previousEventId"], 8)
        listed = sfn.list_executions(stateMachineArn=sm, redriveFilter="REDRIVEN")["executions"]
        self.assertEqual([(e["name"], e["redriveCount"]) for e in listed], [("once", 1)])
        self.assertEqual(sfn.list_executions(stateMachineArn=sm, redriveFilter="NOT_REDRIVEN")["executions"], [])

    def test_map_redrives_only_the_failed_iteration(self):
        sfn = self.sfn
        act = sfn.create_activity(name="items")["activityArn"]
        sm = sfn.create_state_machine(name="map-redrive", roleArn=ROLE, definition=json.dumps({
            "StartAt": "Each", "States": {
                "Each": {"Type": "Map", "MaxConcurrency": 1, "End": True, "ItemProcessor": {
                    "StartAt": "Label", "States": {
                        "Label": {"Type": "Pass", "Parameters": {"item.$": "$"}, "Next": "Work"},
                        "Work": {"Type": "Task", "Resource": act, "End": True}}}}}}))["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=sm, input="[1,2,3]")["executionArn"]

        def work(expect, fail=False):
            task = sfn.get_activity_task(activityArn=act, workerName="w")
            self.assertEqual(json.loads(task["input"]), {"item": expect})
            if fail:
                sfn.send_task_failure(taskToken=task["taskToken"], error="Bad")
            else:
                sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps(expect * 10))

        work(1)
        work(2, fail=True)
        self.assertEqual(wait_done(sfn, arn)["status"], "FAILED")
        sfn.redrive_execution(executionArn=arn, clientToken="map-1")
        # The same client token is answered without a second redrive.
        sfn.redrive_execution(executionArn=arn, clientToken="map-1")
        work(2)  # the failed iteration, at its Task, then the item that never started
        work(3)
        done = wait_done(sfn, arn)
        self.assertEqual(done["status"], "SUCCEEDED")
        self.assertEqual(json.loads(done["output"]), [10, 20, 30])
        types = history_types(sfn, arn)
        after = types[types.index("ExecutionRedriven"):]
        self.assertEqual(types.count("ExecutionRedriven"), 1)
        self.assertEqual(after.count("MapIterationStarted"), 2)
        self.assertEqual(after.count("PassStateEntered"), 1)  # item 3's; item 2 restarts at its Task


class SfnRedriveCrashTest(unittest.TestCase):
    def test_redriven_execution_survives_kill(self):
        server = WharfServer().start()
        try:
            sfn = server.client("stepfunctions")
            act = sfn.create_activity(name="later")["activityArn"]
            sm = sfn.create_state_machine(name="durable", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": act, "End": True}}}))[
                "stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=sm, input='{"n":1}')["executionArn"]
            task = sfn.get_activity_task(activityArn=act, workerName="w")
            sfn.send_task_failure(taskToken=task["taskToken"], error="Crash")
            self.assertEqual(wait_done(sfn, arn)["status"], "FAILED")

            server.kill()  # the failed execution is redriven from what the restarted server kept
            server.start()
            sfn = server.client("stepfunctions")
            sfn.redrive_execution(executionArn=arn)
            server.kill()  # and the redriven one, RUNNING, is recovered
            server.start()
            sfn = server.client("stepfunctions")
            d = sfn.describe_execution(executionArn=arn)
            self.assertEqual((d["status"], d["redriveCount"]), ("RUNNING", 1))
            task = sfn.get_activity_task(activityArn=act, workerName="w")
            self.assertEqual(json.loads(task["input"]), {"n": 1})
            sfn.send_task_success(taskToken=task["taskToken"], output='"ok"')
            d = wait_done(sfn, arn)
            self.assertEqual((d["status"], d["output"], d["redriveCount"]), ("SUCCEEDED", '"ok"', 1))
            types = history_types(sfn, arn)
            self.assertEqual(types.count("ExecutionRedriven"), 1)
            self.assertEqual(types.count("ActivityScheduled"), 2)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
