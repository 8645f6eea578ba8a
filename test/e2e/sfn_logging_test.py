"""Step Functions execution logging end to end: loggingConfiguration sends history events to a log
group of the same server, read back with /usr/bin/aws logs and boto3."""
import json
import time
import unittest

from harness import SFN_ROLE as ROLE
from harness import ServerTestCase, wait_done

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}}
MESSAGE_KEYS = ["id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn", "redrive_count"]


class SfnLoggingTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.server.client("logs")

    def group(self, name):
        self.logs.create_log_group(logGroupName=name)
        return self.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]

    def machine(self, name, definition, logging, type_="STANDARD"):
        return self.sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, type=type_,
                                             loggingConfiguration=logging)["stateMachineArn"]

    @staticmethod
    def logging(level, group_arn, include_data=True):
        return {"level": level, "includeExecutionData": include_data,
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}]}

    def messages(self, group, execution_arn, count, timeout=20):
        """The execution's log messages once `count` arrived (logging is asynchronous), via the CLI."""
        deadline = time.time() + timeout
        while True:
            out = self.server.cli("logs", "filter-log-events", "--log-group-name", group,
                                  "--filter-pattern", f'"{execution_arn}"')
            found = [json.loads(e["message"]) for e in out.get("events", [])]
            if len(found) >= count or time.time() > deadline:
                return sorted(found, key=lambda m: int(m["id"]))
            time.sleep(0.2)

    def test_all_level_logs_the_whole_history(self):
        arn = self.group("sfn-all")
        sm = self.machine("logged", PASS, self.logging("ALL", arn))
        streams = self.logs.describe_log_streams(logGroupName="sfn-all")["logStreams"]
        self.assertEqual([s["logStreamName"] for s in streams],
                         ["log_stream_created_by_aws_to_validate_log_delivery_subscriptions"])

        execution = self.sfn.start_execution(stateMachineArn=sm, input=json.dumps({"a": 1}))["executionArn"]
        self.assertEqual(wait_done(self.sfn, execution)["status"], "SUCCEEDED")
        history = self.sfn.get_execution_history(executionArn=execution)["events"]
        logged = self.messages("sfn-all", execution, len(history))
        self.assertEqual([m["type"] for m in logged], [e["type"] for e in history])
        for message, event in zip(logged, history):
            self.assertEqual(list(message.keys()), MESSAGE_KEYS)
            self.assertEqual(message["id"], str(event["id"]))
            self.assertEqual(message["previous_event_id"], str(event["previousEventId"]))
            self.assertEqual(message["execution_arn"], execution)
            self.assertEqual(message["redrive_count"], "0")
            self.assertEqual(int(message["event_timestamp"]), int(event["timestamp"].timestamp() * 1000))
        self.assertEqual(logged[0]["details"]["input"], '{"a":1}')
        self.assertEqual(logged[0]["details"]["roleArn"], ROLE)
        self.assertEqual(logged[-1]["details"]["output"], '{"ok":true}')

        # The events sit in one stream named as AWS names them, readable with get-log-events.
        streams = [s["logStreamName"] for s in self.logs.describe_log_streams(logGroupName="sfn-all")["logStreams"]]
        stream = next(s for s in streams if s.startswith("states/logged/"))
        self.assertRegex(stream, r"^states/logged/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}/[0-9a-f]{8}$")
        events = self.server.cli("logs", "get-log-events", "--log-group-name", "sfn-all", "--log-stream-name", stream,
                                 "--start-from-head")["events"]
        self.assertEqual(len(events), len(history))

    def test_error_level_logs_only_the_failure(self):
        arn = self.group("sfn-errors")
        sm = self.machine("failing", FAIL, self.logging("ERROR", arn, include_data=False))
        execution = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        self.assertEqual(wait_done(self.sfn, execution)["status"], "FAILED")
        logged = self.messages("sfn-errors", execution, 2)
        self.assertEqual([m["type"] for m in logged], ["FailStateEntered", "ExecutionFailed"])
        self.assertEqual(logged[0]["details"], {"name": "F"})  # no input without execution data
        self.assertEqual(logged[1]["details"], {"error": "Boom", "cause": "it broke"})
        self.assertEqual({m["redrive_count"] for m in logged}, {"0"})

        # A redriven run's events carry its redrive count.
        self.sfn.redrive_execution(executionArn=execution)
        self.assertEqual(wait_done(self.sfn, execution)["status"], "FAILED")
        logged = self.messages("sfn-errors", execution, 4)
        self.assertEqual([(m["type"], m["redrive_count"]) for m in logged if m["type"] == "ExecutionFailed"],
                         [("ExecutionFailed", "0"), ("ExecutionFailed", "1")])

    def test_express_executions_log(self):
        arn = self.group("sfn-express")
        sm = self.machine("fast", PASS, self.logging("ALL", arn), type_="EXPRESS")
        # Express executions keep no history in Step Functions: the log is where they show.
        execution = self.sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
        logged = self.messages("sfn-express", execution, 4)
        self.assertEqual([m["type"] for m in logged],
                         ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"])

    def test_invalid_configurations(self):
        arn = self.group("sfn-invalid")
        cases = [
            ({"level": "ALL"}, "Invalid Logging Configuration: Must specify exactly one Log Destination."),
            (self.logging("ERROR", arn.replace("sfn-invalid", "no-such-group")),
             "Invalid Logging Configuration: Log Destination not found."),
            (self.logging("FATAL", "not-an-arn"), None),
        ]
        for logging, message in cases:
            with self.assertRaises(self.sfn.exceptions.InvalidLoggingConfiguration) as caught:
                self.machine("invalid", PASS, logging)
            if message:
                self.assertEqual(caught.exception.response["Error"]["Message"], message)
        sm = self.machine("valid", PASS, {"level": "OFF"})
        with self.assertRaises(self.sfn.exceptions.InvalidLoggingConfiguration):
            self.sfn.update_state_machine(stateMachineArn=sm, loggingConfiguration={"level": "ALL"})
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=sm)["loggingConfiguration"]["level"], "OFF")

    def test_deleted_group_drops_events_without_failing(self):
        arn = self.group("sfn-gone")
        sm = self.machine("orphan", PASS, self.logging("ALL", arn))
        self.logs.delete_log_group(logGroupName="sfn-gone")
        execution = self.sfn.start_execution(stateMachineArn=sm)["executionArn"]
        self.assertEqual(wait_done(self.sfn, execution)["status"], "SUCCEEDED")
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.describe_log_streams(logGroupName="sfn-gone")


if __name__ == "__main__":
    unittest.main()
