"""Step Functions over HTTP: durable state transitions/s of many concurrent executions of a
10-state Pass chain (until all SUCCEEDED), and StartExecution -> SUCCEEDED latency of a one-state
machine. Usage: WHARF_BUILD=build-rel python3 bench/sfn_bench.py [--executions N] [--threads T]
(moto's peer figure is not measured yet)."""
import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "e2e"))
from harness import WharfServer  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/bench"


def chain(n):
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(n - 1)}
    states[f"S{n - 1}"] = {"Type": "Pass", "End": True}
    return json.dumps({"StartAt": "S0", "States": states})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--executions", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--latency-samples", type=int, default=200)
    args = ap.parse_args()
    server = WharfServer().start()
    try:
        sfn = server.client("stepfunctions")
        sm = sfn.create_state_machine(name="chain10", definition=chain(10), roleArn=ROLE)["stateMachineArn"]
        arns, lock = [], threading.Lock()

        def starter(count):
            client = server.client("stepfunctions")
            for _ in range(count):
                arn = client.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
                with lock:
                    arns.append(arn)

        t0 = time.time()
        threads = [threading.Thread(target=starter, args=(args.executions // args.threads,)) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        while True:
            page = sfn.list_executions(stateMachineArn=sm, statusFilter="RUNNING", maxResults=1000)
            if not page["executions"]:
                break
            time.sleep(0.05)
        elapsed = time.time() - t0
        # A 10-state Pass chain writes 22 history events: each state entered and exited, plus start and end.
        transitions = len(arns) * 22
        print(f"wharf: {len(arns)} executions of a 10-state Pass chain in {elapsed:.2f}s: "
              f"{transitions / elapsed:,.0f} history events/s, {len(arns) * 10 / elapsed:,.0f} state transitions/s")

        one = sfn.create_state_machine(name="one", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        lat = []
        for _ in range(args.latency_samples):
            s = time.perf_counter()
            arn = sfn.start_execution(stateMachineArn=one)["executionArn"]
            while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                pass
            lat.append((time.perf_counter() - s) * 1000)
        lat.sort()
        print(f"wharf: StartExecution -> SUCCEEDED (observed by DescribeExecution): "
              f"p50 {lat[len(lat) // 2]:.2f} ms, p99 {lat[int(len(lat) * 0.99) - 1]:.2f} ms")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
