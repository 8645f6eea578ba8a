"""DescribeTasks (10 tasks) throughput of a real `wharf server`, SigV4 and keep-alive, against
moto's server on DescribeClusters in the same run (issue 2's API figure).

    python3 bench/ecs_api_bench.py [--build build] [--runs 5] [--seconds 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "e2e"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", default="5")
    parser.add_argument("--seconds", default="3")
    parser.add_argument("--connections", default="16")
    args = parser.parse_args()
    # The harness reads WHARF_BUILD when it is imported.
    os.environ["WHARF_BUILD"] = os.path.abspath(args.build)
    from harness import ACCESS_KEY, SECRET_KEY, WharfServer, busybox_archive

    work = tempfile.mkdtemp(prefix="wharf-bench-")
    server = WharfServer()
    try:
        server.import_image("busybox:latest", busybox_archive(work))
        server.start()
        ecs = server.client("ecs")
        ecs.create_cluster(clusterName="bench")
        ecs.register_task_definition(family="noop", networkMode="none", containerDefinitions=[
            {"name": "noop", "image": "busybox:latest", "memory": 16, "command": ["true"]}])
        arns = [t["taskArn"] for t in ecs.run_task(cluster="bench", taskDefinition="noop", count=10)["tasks"]]
        deadline = time.time() + 120
        while any(t["lastStatus"] != "STOPPED" for t in ecs.describe_tasks(cluster="bench", tasks=arns)["tasks"]):
            if time.time() > deadline:
                raise SystemExit("tasks did not stop")
            time.sleep(0.2)
        port = server.endpoint.rsplit(":", 1)[1]
        body = json.dumps({"cluster": "bench", "tasks": arns})
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        subprocess.run([os.path.join(args.build, "bench", "api_bench"), "--port", port, "--access-key", ACCESS_KEY,
                        "--secret-key", SECRET_KEY, "--operation", "DescribeTasks", "--body", body,
                        "--runs", args.runs, "--seconds", args.seconds, "--connections", args.connections],
                       check=True)
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
