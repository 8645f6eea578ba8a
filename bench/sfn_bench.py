"""Step Functions over HTTP, against moto's Step Functions (real execution turned on) in the same run.

  t  durable state transitions/s: StartExecution of a 10-state Pass chain driven by build/bench/api_bench
     (64 keep-alive connections, SigV4) for --seconds, then until every execution SUCCEEDED
  l  StartExecution -> SUCCEEDED latency of a one-state machine (boto3, polling DescribeExecution)
  f  fan-out wall time: Map over 1,000 items (MaxConcurrency 0) of a Pass iterator; and (wharf only,
     moto runs no containers) Map of 100 ecs:runTask.sync tasks running `true`
  r  recovery: SIGKILL with 10,000 RUNNING executions in the store, time until they answer again

Usage: sudo python3 bench/sfn_bench.py --build build [--runs 3] [--seconds 2] [--sections t,l,f,r]
"""
import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ROLE = "arn:aws:iam::123456789012:role/bench"


def chain(n):
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(n - 1)}
    states[f"S{n - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


ONE_STATE = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
MAP_1000 = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
    "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}}}}
SLEEPER = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": True}}}


def percentile(samples, q):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * q))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """moto's standalone server with Step Functions' execution turned on, stopped by PID.

    moto 5.2 runs one execution per server: StartExecution deep-copies the state machine, and once
    an execution exists that copy meets its thread lock and fails (500, "cannot pickle
    '_thread.RLock'"), for every state machine. So each moto figure is one execution on a fresh
    server: its rate is what one execution achieves, as moto cannot run a second one."""

    def __init__(self):
        import boto3
        from botocore.config import Config
        port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                req = urllib.request.Request(f"{endpoint}/moto-api/config", method="POST",
                                             data=json.dumps({"stepfunctions": {"execute_state_machine": True}})
                                             .encode())
                urllib.request.urlopen(req, timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        self.target = Target("moto", boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                                                  aws_access_key_id="AKIAMOTO", aws_secret_access_key="moto",
                                                  config=Config(retries={"max_attempts": 1})))

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()

    @staticmethod
    def one_execution(definition, payload="{}"):
        """Milliseconds from StartExecution to SUCCEEDED of the only execution of a fresh moto."""
        moto = Moto()
        try:
            return moto.target.run_to_end(moto.target.machine("m", definition), payload, poll=0.001)
        finally:
            moto.close()


class Target:
    """A Step Functions endpoint as the sections use it: boto3, and for wharf api_bench's port and keys."""

    def __init__(self, name, sfn, port=0, access_key="", secret_key=""):
        self.name, self.sfn, self.port = name, sfn, port
        self.access_key, self.secret_key = access_key, secret_key
        self.machines = {}

    def machine(self, name, definition):
        if name not in self.machines:
            self.machines[name] = self.sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                                                roleArn=ROLE)["stateMachineArn"]
        return self.machines[name]

    def count(self, sm, status):
        pages = self.sfn.get_paginator("list_executions").paginate(stateMachineArn=sm, statusFilter=status)
        return sum(len(p["executions"]) for p in pages)

    def burst(self, build, sm, seconds, connections=64, wait=True):
        """StartExecution of `sm` from `connections` concurrent callers for `seconds`, then (if `wait`)
        waits until none is RUNNING; returns how many started and the seconds until then."""
        start = time.perf_counter()
        body = json.dumps({"stateMachineArn": sm, "input": "{}"})
        out = subprocess.run([os.path.join(build, "bench", "api_bench"), "--port", str(self.port), "--no-peer",
                              "--connections", str(connections), "--access-key", self.access_key,
                              "--secret-key", self.secret_key, "--service", "states",
                              "--target", "AWSStepFunctions.StartExecution", "--body", body, "--seconds", str(seconds)],
                             check=True, capture_output=True, text=True).stdout
        started = int(re.match(r"(\d+) requests", out).group(1))
        if wait:
            while self.sfn.list_executions(stateMachineArn=sm, statusFilter="RUNNING", maxResults=1)["executions"]:
                time.sleep(0.02)
        return started, time.perf_counter() - start

    def run_to_end(self, sm, payload="{}", poll=0.0):
        start = time.perf_counter()
        arn = self.sfn.start_execution(stateMachineArn=sm, name=uuid.uuid4().hex, input=payload)["executionArn"]
        while (d := self.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            if poll:
                time.sleep(poll)
        if d["status"] != "SUCCEEDED":
            raise RuntimeError(f"{self.name}: execution ended {d['status']}: {d.get('cause')}")
        return (time.perf_counter() - start) * 1000


def ratio_line(what, wharf, moto, unit, higher_is_better=True):
    ratio = (wharf / moto) if higher_is_better else (moto / wharf)
    print(f"{what}: wharf {wharf:,.1f} {unit}, moto {moto:,.1f} {unit}, ratio {ratio:,.1f}x", flush=True)


def section_transitions(wharf, args):
    rates, moto_rates = [], []
    for run in range(args.runs):
        sm = wharf.machine(f"chain10-{run}", chain(10))
        started, elapsed = wharf.burst(args.build, sm, args.seconds)
        succeeded = wharf.count(sm, "SUCCEEDED")
        if succeeded != started:
            raise RuntimeError(f"wharf: {started} started but {succeeded} SUCCEEDED")
        rates.append(started * 10 / elapsed)
        print(f"  run {run + 1} wharf: {started} executions x 10 states in {elapsed:.2f}s = {rates[-1]:,.0f} "
              f"transitions/s (load {os.getloadavg()[0]:.1f})", flush=True)
        if not args.no_moto:
            moto_rates.append(10 * 1000 / Moto.one_execution(chain(10)))
            print(f"  run {run + 1} moto: one execution, {moto_rates[-1]:,.0f} transitions/s", flush=True)
    if moto_rates:
        ratio_line(f"durable transitions/s, 10-state Pass chain (median of {args.runs})",
                   statistics.median(rates), statistics.median(moto_rates), "transitions/s")
    else:
        print(f"durable transitions/s (median of {args.runs}): wharf {statistics.median(rates):,.0f}")


def section_latency(wharf, args):
    samples = [wharf.run_to_end(wharf.machine("one", ONE_STATE)) for _ in range(args.latency_samples)]
    print(f"StartExecution -> SUCCEEDED of a one-state machine, wharf: p50 {percentile(samples, 0.5):.2f} ms, "
          f"p99 {percentile(samples, 0.99):.2f} ms over {len(samples)}", flush=True)
    if not args.no_moto:
        moto = [Moto.one_execution(ONE_STATE) for _ in range(args.runs)]
        ratio_line(f"  p50 (moto: {args.runs} fresh servers)", percentile(samples, 0.5), percentile(moto, 0.5), "ms",
                   higher_is_better=False)


def section_fanout(wharf, args):
    items = json.dumps({"items": list(range(1000))})
    sm = wharf.machine("map1000", MAP_1000)
    ms = statistics.median(wharf.run_to_end(sm, items, poll=0.002) for _ in range(args.runs))
    if args.no_moto:
        print(f"Map over 1,000 Pass items (MaxConcurrency 0), wharf: {ms:.0f} ms", flush=True)
    else:
        moto = statistics.median(Moto.one_execution(MAP_1000, items) for _ in range(args.runs))
        ratio_line(f"Map over 1,000 Pass items (MaxConcurrency 0, median of {args.runs})", ms, moto, "ms",
                   higher_is_better=False)


def section_ecs_fanout(server, wharf, harness):
    work = tempfile.mkdtemp(prefix="wharf-bench-img-")
    server.import_image("busybox:latest", harness.busybox_archive(work))
    ecs = server.client("ecs")
    ecs.create_cluster(clusterName="fan")
    ecs.register_task_definition(family="true", requiresCompatibilities=["EC2"], networkMode="none", memory="64",
                                 containerDefinitions=[{"name": "c", "image": "busybox:latest", "essential": True,
                                                        "command": ["true"]}])
    sm = wharf.machine("ecs100", {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"StartAt": "Run", "States": {"Run": {
            "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": True,
            "Parameters": {"Cluster": "fan", "TaskDefinition": "true", "LaunchType": "EC2"},
            "ResultSelector": {"exit.$": "$.Containers[0].ExitCode"}}}}}}})
    ms = wharf.run_to_end(sm, json.dumps({"items": list(range(100))}), poll=0.01)
    print(f"Map over 100 ecs:runTask.sync tasks running `true`, wharf: {ms / 1000:.2f} s "
          f"(load {os.getloadavg()[0]:.1f})", flush=True)
    subprocess.run(["rm", "-rf", work], check=False)


def wharf_target(server, harness):
    return Target("wharf", server.client("stepfunctions"), int(server.endpoint.rsplit(":", 1)[1]),
                  harness.ACCESS_KEY, harness.SECRET_KEY)


def section_recovery(harness, args):
    server = harness.WharfServer().start()
    try:
        wharf = wharf_target(server, harness)
        sm = wharf.machine("sleeper", SLEEPER)
        started = 0
        while started < args.recovery_executions:
            started += wharf.burst(args.build, sm, 1, wait=False)[0]
        server.kill()
        t0 = time.perf_counter()
        server.start()
        listening = time.perf_counter() - t0
        wharf = wharf_target(server, harness)  # the restart chose a new port
        first = wharf.sfn.list_executions(stateMachineArn=sm, statusFilter="RUNNING", maxResults=1)["executions"][0]
        wharf.sfn.describe_execution(executionArn=first["executionArn"])
        answered = time.perf_counter() - t0
        running = wharf.count(sm, "RUNNING")
        print(f"recovery after SIGKILL with {started:,} RUNNING executions: listening after {listening:.2f} s, "
              f"answering after {answered:.2f} s; {running:,} RUNNING again", flush=True)
    finally:
        server.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--latency-samples", type=int, default=200)
    ap.add_argument("--recovery-executions", type=int, default=10_000)
    ap.add_argument("--sections", default="t,l,f,r")
    ap.add_argument("--no-moto", action="store_true")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    os.environ["WHARF_BUILD"] = args.build  # read by the harness when it is imported
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
    import harness

    sections = set(args.sections.split(","))
    print(f"sfn_bench on {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    server = harness.WharfServer().start()
    try:
        wharf = wharf_target(server, harness)
        if "t" in sections:
            section_transitions(wharf, args)
        if "l" in sections:
            section_latency(wharf, args)
        if "f" in sections:
            section_fanout(wharf, args)
            section_ecs_fanout(server, wharf, harness)
    finally:
        server.cleanup()
    if "r" in sections:
        section_recovery(harness, args)


if __name__ == "__main__":
    main()
