#!/usr/bin/env python3
"""ECS task start and lifecycle benchmark against a real `wharf server`, driven with boto3.

  (a) RunTask -> RUNNING latency (server-recorded startedAt - createdAt) of `true` containers, one
      task at a time, interleaved with a bare `<runtime> run` of a comparable bundle (same busybox
      rootfs on an overlay, `true`, same namespaces, cgroup memory limit): p50/p99 and the ratio.
  (b) Sustained full lifecycles: N tasks kept in flight; tasks whose server-recorded stoppedAt
      falls in the measuring window, per second; peers: bare `runc run`s and `crun run`s per
      second with 4 going at once (wharf's launch threads), measured right after; the ratio is to
      the runtime the server uses (--runtime).
  (c) Peak RSS (VmHWM) of the server with 10,000 STOPPED tasks in its store, after a restart that
      loads them, and after a ListTasks/DescribeTasks pass over all of them.

The runtime is the server's --runtime (auto: crun when installed, else runc). On hosts with
cgroup v1 controllers and a cgroup2 mount beside them, crun (wharf's and the bare peer's alike)
runs in a private mount namespace without /sys/fs/cgroup/unified, which it refuses otherwise.
Wharf runs the runtime from a sealed in-memory copy, so it skips the copy of itself the bare
runtime makes on every run.

Usage: sudo python3 bench/ecs_task_bench.py --build build [--runs 3] [--sections a,b,c]
Needs root (containers, overlay mounts) and runc; crun is measured too when installed. Every
process it starts is stopped.
"""
import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CLUSTER = "bench"
SUBNETS = {"awsvpcConfiguration": {"subnets": ["subnet-0bench0000000000"]}}
MEMORY_MIB = 64
# Wharf's own container config (bundle_builder.cc) minus what names the task; the bare peer's.
CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE"]


LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, MS_REC, MS_PRIVATE, MNT_DETACH = 0x20000, 0x4000, 0x40000, 2
UNIFIED = "/sys/fs/cgroup/unified"


def hybrid_cgroups():
    """cgroup v1 controllers on a tmpfs and a cgroup2 mount beside them (crun refuses that)."""
    with open("/proc/self/mounts") as f:
        types = {fields[1]: fields[2] for fields in (line.split() for line in f)}
    return types.get("/sys/fs/cgroup") == "tmpfs" and types.get(UNIFIED) == "cgroup2"


def hide_unified():
    """In a forked child: a private mount namespace without the cgroup2 mount, as wharf-supervisor
    gives crun. Mounts go private first, or the unmount would reach the host."""
    if (LIBC.unshare(CLONE_NEWNS) != 0 or LIBC.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0
            or LIBC.umount2(UNIFIED.encode(), MNT_DETACH) != 0):
        os._exit(126)


def resolve_runtime(requested):
    return requested if requested != "auto" else ("crun" if shutil.which("crun") else "runc")


def percentile(samples, q):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else float("nan")


def load():
    return "load %.2f %.2f %.2f" % os.getloadavg()


def task_definition(family, network_mode):
    return {
        "family": family,
        "networkMode": network_mode,
        "requiresCompatibilities": ["EC2"],
        "containerDefinitions": [{"name": "c", "image": "busybox:latest", "essential": True,
                                  "command": ["true"], "memory": MEMORY_MIB}],
    }


def peak_rss_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])


def bare_run_ms(runtime, state, bundle, container_id):
    start = time.perf_counter()
    r = subprocess.run([runtime, "--root", state, "run", "--bundle", bundle, container_id],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if r.returncode != 0:
        raise RuntimeError(f"bare {runtime} run failed ({r.returncode}): {r.stderr.decode()}")
    return elapsed


def bare_rate(runtime, state, runs, seconds):
    """Runs per second with one loop per (bundle, id) going at once."""
    done = [0] * len(runs)
    end = time.time() + seconds

    def loop(k):
        while time.time() < end:
            bare_run_ms(runtime, state, *runs[k])
            done[k] += 1

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(len(runs))]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.time() - start)


def bare_worker(runtime, state):
    """--bare-worker RUNTIME STATE: one JSON request a line on stdin, one JSON reply a line."""
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "run":
                reply = {"ms": bare_run_ms(runtime, state, request["bundle"], request["id"])}
            else:
                reply = {"rate": bare_rate(runtime, state, request["runs"], request["seconds"])}
        except RuntimeError as e:
            reply = {"error": str(e)}
        print(json.dumps(reply), flush=True)


class BareRun:
    """`<runtime> run` of a bundle as close to a wharf task's as a bundle without wharf can be."""

    def __init__(self, work, archive, runtime):
        self.dir = os.path.join(work, f"bare-{runtime}")
        self.state = os.path.join(work, f"bare-state-{runtime}")
        self.runtime = runtime
        self.id = f"wharf-bench-{runtime}-{os.getpid()}"
        self.worker = None
        lower = os.path.join(self.dir, "lower")
        for d in ("lower", "upper", "work", "rootfs"):
            os.makedirs(os.path.join(self.dir, d))
        subprocess.run(["tar", "-xf", archive, "-C", lower], check=True)
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={lower},upperdir={self.dir}/upper,workdir={self.dir}/work",
                        os.path.join(self.dir, "rootfs")], check=True)
        mount = lambda dest, typ, src, opts: {"destination": dest, "type": typ, "source": src, "options": opts}
        config = {
            "ociVersion": "1.0.2",
            "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["true"],
                        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "HOSTNAME=benchbare", "HOME=/root"],
                        "cwd": "/", "capabilities": {"bounding": CAPS, "effective": CAPS, "permitted": CAPS},
                        "rlimits": [], "noNewPrivileges": True},
            "root": {"path": os.path.join(self.dir, "rootfs"), "readonly": False},
            "hostname": "benchbare",
            "mounts": [
                mount("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
                mount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
                mount("/dev/pts", "devpts", "devpts",
                      ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
                mount("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
                mount("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
                mount("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
                mount("/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", "ro"]),
            ],
            "linux": {
                "namespaces": [{"type": t} for t in ("pid", "mount", "ipc", "uts", "network")],
                "cgroupsPath": "/" + self.id,
                "resources": {"devices": [{"allow": False, "access": "rwm"}],
                              "memory": {"limit": MEMORY_MIB << 20, "swap": MEMORY_MIB << 20}},
                "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                                "/sys/firmware"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            },
        }
        self.config = config
        self.bundle = self.make_bundle(self.id)
        # Runs go through a small process of their own: forking this one (boto3 loaded) would cost
        # more than some runs, and it can be where crun needs to be, once for all its runs.
        self.worker = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--bare-worker", runtime, self.state],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                       preexec_fn=hide_unified if runtime == "crun" and hybrid_cgroups() else None)

    def make_bundle(self, container_id):
        """A bundle directory whose config runs the shared root filesystem in its own cgroup."""
        bundle = os.path.join(self.dir, "bundles", container_id)
        os.makedirs(bundle)
        config = json.loads(json.dumps(self.config))
        config["linux"]["cgroupsPath"] = "/" + container_id
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(config, f)
        return bundle

    def ask(self, request):
        self.worker.stdin.write(json.dumps(request) + "\n")
        self.worker.stdin.flush()
        reply = json.loads(self.worker.stdout.readline() or '{"error": "the bare worker exited"}')
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def run_ms(self):
        return self.ask({"op": "run", "bundle": self.bundle, "id": self.id})["ms"]

    def throughput(self, concurrency, seconds):
        """Bare runs completed per second with `concurrency` of them going at once."""
        ids = [f"{self.id}-{i}" for i in range(concurrency)]
        bundles = [os.path.join(self.dir, "bundles", i) for i in ids]
        for i, b in zip(ids, bundles):
            if not os.path.exists(b):
                self.make_bundle(i)
        return self.ask({"op": "throughput", "runs": list(zip(bundles, ids)), "seconds": seconds})["rate"]

    def close(self):
        if self.worker:
            self.worker.stdin.close()
            self.worker.wait()
        subprocess.run(["umount", os.path.join(self.dir, "rootfs")], check=False)


class Bench:
    def __init__(self, args, harness):
        self.args = args
        self.harness = harness
        self.work = tempfile.mkdtemp(prefix="wharf-task-bench-")
        self.archive = harness.busybox_archive(self.work)
        # Its own bridge and range, so it never meets another server on this machine.
        tag = os.getpid() % 100000
        self.bridge = f"whb{tag}"
        self.network_args = ["--bridge", self.bridge, "--subnet", f"10.{200 + tag % 50}.0.0/16"]
        self.servers = []

    def start_server(self, data_dir=None, launcher="oci", image=True):
        server = self.harness.WharfServer(data_dir=data_dir, extra_args=self.network_args +
                                          ["--launcher", launcher, "--runtime", self.args.runtime])
        if image:
            server.import_image("busybox:latest", self.archive)
        self.servers.append(server)
        server.start()
        ecs = server.client("ecs")
        return server, ecs

    def prepare(self, ecs):
        ecs.create_cluster(clusterName=CLUSTER)
        for mode in ("none", "awsvpc"):
            ecs.register_task_definition(**task_definition(f"true-{mode}", mode))

    @staticmethod
    def run_kwargs(mode):
        kw = {"cluster": CLUSTER, "taskDefinition": f"true-{mode}"}
        if mode == "awsvpc":
            kw["networkConfiguration"] = SUBNETS
        return kw

    @staticmethod
    def wait_stopped(ecs, arn, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            task = ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]
            if task["lastStatus"] == "STOPPED":
                return task
            time.sleep(0.01)
        raise RuntimeError(f"task {arn} did not stop within {timeout}s")

    def latency(self, ecs, mode, bare):
        """(a): one task at a time, each followed by one bare run."""
        wharf, peer, failed = [], [], 0
        for _ in range(self.args.tasks):
            arn = ecs.run_task(**self.run_kwargs(mode))["tasks"][0]["taskArn"]
            task = self.wait_stopped(ecs, arn)
            if "startedAt" not in task or task["containers"][0].get("exitCode") != 0:
                failed += 1
            else:
                wharf.append((task["startedAt"].timestamp() - task["createdAt"].timestamp()) * 1000)
            peer.append(bare.run_ms())
        return wharf, peer, failed

    def sustained(self, ecs, mode):
        """(b): keeps `inflight` tasks going; rate of stoppedAt timestamps in the window."""
        inflight, stopped, failed, phases = [], [], 0, []
        start = time.time()
        end = start + self.args.warmup + self.args.duration
        while time.time() < end or inflight:
            while time.time() < end and len(inflight) < self.args.inflight:
                inflight.append(ecs.run_task(**self.run_kwargs(mode))["tasks"][0]["taskArn"])
            tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=inflight)["tasks"]
            for t in tasks:
                if t["lastStatus"] == "STOPPED":
                    inflight.remove(t["taskArn"])
                    stopped.append(t["stoppedAt"].timestamp())
                    failed += t["containers"][0].get("exitCode") != 0
                    if "startedAt" in t:
                        at = [t[k].timestamp() for k in ("createdAt", "startedAt", "executionStoppedAt", "stoppedAt")]
                        phases.append([(b - a) * 1000 for a, b in zip(at, at[1:])])
            time.sleep(0.05)
        window_start, window_end = start + self.args.warmup, end
        done = sum(1 for s in stopped if window_start <= s < window_end)
        medians = [statistics.median(p[i] for p in phases) if phases else float("nan") for i in range(3)]
        return done / (window_end - window_start), len(stopped), failed, medians

    def section_a_b(self, runs):
        server, ecs = self.start_server()
        self.prepare(ecs)
        runtime = resolve_runtime(self.args.runtime)
        bares = {}
        try:
            for r in ("runc", "crun"):
                if r == runtime or shutil.which(r):
                    bares[r] = BareRun(self.work, self.archive, r)
            bare = bares[runtime]
            modes = [m for m in ("none", "awsvpc") if m in self.args.modes]
            results = {m: {"wharf": [], "bare": [], "ratio": [], "rate": [], "rate_ratio": []} for m in modes}
            for run in range(1, runs + 1):
                for mode in modes:
                    if "a" in self.args.sections:
                        w, b, failed = self.latency(ecs, mode, bare)
                        wp50, bp50 = percentile(w, 0.5), percentile(b, 0.5)
                        r = results[mode]
                        r["wharf"].append((wp50, percentile(w, 0.99)))
                        r["bare"].append((bp50, percentile(b, 0.99)))
                        r["ratio"].append(wp50 / bp50)
                        print(f"run {run} [{mode:6}] (a) RunTask->RUNNING p50 {wp50:7.1f} ms p99 "
                              f"{percentile(w, 0.99):7.1f} ms | bare {runtime} run p50 {bp50:6.1f} ms p99 "
                              f"{percentile(b, 0.99):6.1f} ms | ratio p50 {wp50 / bp50:.2f}x | "
                              f"n={len(w)} failed={failed} | {load()}", flush=True)
                    if "b" in self.args.sections:
                        rate, total, failed, phases = self.sustained(ecs, mode)
                        peers = {r: b.throughput(self.args.bare_concurrency, self.args.bare_seconds)
                                 for r, b in bares.items()}
                        results[mode]["rate"].append(rate)
                        results[mode]["rate_ratio"].append(rate / peers[runtime])
                        peer_text = " | ".join(f"bare {r} run x{self.args.bare_concurrency} {v:5.1f}/s"
                                               for r, v in peers.items())
                        print(f"run {run} [{mode:6}] (b) sustained lifecycles {rate:6.1f}/s with {runtime} "
                              f"(inflight {self.args.inflight}, {self.args.duration:.0f}s window, {total} stopped, "
                              f"{failed} failed) | {peer_text} | ratio to {runtime} {rate / peers[runtime]:.2f} | "
                              f"{load()}", flush=True)
                        print(f"      median phases: created->started {phases[0]:.0f} ms, started->execution "
                              f"stopped {phases[1]:.0f} ms, execution stopped->STOPPED {phases[2]:.0f} ms", flush=True)
            for mode in modes:
                r = results[mode]
                if r["ratio"]:
                    print(f"MEDIAN [{mode:6}] (a) RunTask->RUNNING p50 "
                          f"{statistics.median(x[0] for x in r['wharf']):.1f} ms p99 "
                          f"{statistics.median(x[1] for x in r['wharf']):.1f} ms | bare {runtime} run p50 "
                          f"{statistics.median(x[0] for x in r['bare']):.1f} ms p99 "
                          f"{statistics.median(x[1] for x in r['bare']):.1f} ms | ratio p50 "
                          f"{statistics.median(r['ratio']):.2f}x (target <= 2.00x)")
                if r["rate"]:
                    print(f"MEDIAN [{mode:6}] (b) sustained lifecycles {statistics.median(r['rate']):.1f}/s "
                          f"(target >= 20/s) | ratio to concurrent bare {runtime} run "
                          f"{statistics.median(r['rate_ratio']):.2f}")
            print(f"  ({load()}, {os.cpu_count()} CPUs)")
        finally:
            for b in bares.values():
                b.close()
            server.stop()

    def section_c(self, runs):
        launcher = self.args.store_launcher
        empty, _ = self.start_server(launcher=launcher, image=False)
        time.sleep(0.5)
        baseline, _ = peak_rss_kib(empty.proc.pid)
        empty.cleanup()
        self.servers.remove(empty)
        server, ecs = self.start_server(launcher=launcher)
        data_dir = server.data_dir
        ecs.create_cluster(clusterName=CLUSTER)
        ecs.register_task_definition(**task_definition("true-none", "none"))
        started = time.time()
        made, inflight = 0, []
        while made < self.args.stopped or inflight:
            while made < self.args.stopped and len(inflight) < 100:
                count = min(10, self.args.stopped - made)
                tasks = ecs.run_task(count=count, **self.run_kwargs("none"))["tasks"]
                inflight += [t["taskArn"] for t in tasks]
                made += len(tasks)
            tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=inflight[:100])["tasks"]
            done = {t["taskArn"] for t in tasks if t["lastStatus"] == "STOPPED"}
            inflight = [a for a in inflight if a not in done]
            if not done:
                time.sleep(0.05)
        print(f"(c) made {made} STOPPED tasks with --launcher {launcher} in {time.time() - started:.0f} s "
              f"({made / (time.time() - started):.1f}/s)", flush=True)
        server.stop()
        self.servers.remove(server)
        after_start, after_pass = [], []
        for run in range(1, runs + 1):
            server, ecs = self.start_server(data_dir=data_dir, launcher=launcher, image=False)
            time.sleep(0.5)
            hwm_start, rss_start = peak_rss_kib(server.proc.pid)
            listed = described = 0
            token = None
            while True:
                page = ecs.list_tasks(cluster=CLUSTER, desiredStatus="STOPPED", maxResults=100,
                                      **({"nextToken": token} if token else {}))
                listed += len(page["taskArns"])
                if page["taskArns"]:
                    described += len(ecs.describe_tasks(cluster=CLUSTER, tasks=page["taskArns"])["tasks"])
                token = page.get("nextToken")
                if not token:
                    break
            hwm_pass, rss_pass = peak_rss_kib(server.proc.pid)
            after_start.append(hwm_start)
            after_pass.append(hwm_pass)
            print(f"run {run} (c) VmHWM after start {hwm_start / 1024:.1f} MiB (RSS {rss_start / 1024:.1f}) | after "
                  f"ListTasks/DescribeTasks of {listed}/{described} tasks {hwm_pass / 1024:.1f} MiB "
                  f"(RSS {rss_pass / 1024:.1f}) | {load()}", flush=True)
            server.stop()
            self.servers.remove(server)
        print(f"MEDIAN (c) server peak RSS with {self.args.stopped} STOPPED tasks: after start "
              f"{statistics.median(after_start) / 1024:.1f} MiB, after list/describe pass "
              f"{statistics.median(after_pass) / 1024:.1f} MiB | empty server {baseline / 1024:.1f} MiB | "
              f"{(statistics.median(after_pass) - baseline) / self.args.stopped:.2f} KiB per task")
        shutil.rmtree(data_dir, ignore_errors=True)

    def close(self):
        for server in self.servers:
            server.cleanup()
        subprocess.run(["ip", "link", "del", self.bridge], stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    if sys.argv[1:2] == ["--bare-worker"]:
        return bare_worker(*sys.argv[2:4])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build", help="build directory holding wharf and wharf-supervisor")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--sections", default="a,b,c")
    p.add_argument("--modes", default="none,awsvpc", help="network modes for (a) and (b)")
    p.add_argument("--tasks", type=int, default=200, help="tasks (and bare runs) per latency run")
    p.add_argument("--inflight", type=int, default=16)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--duration", type=float, default=25)
    p.add_argument("--runtime", default="auto", help="the server's --runtime: auto, runc or crun")
    p.add_argument("--bare-concurrency", type=int, default=4, help="concurrent bare runtime runs, peer of (b)")
    p.add_argument("--bare-seconds", type=float, default=10)
    p.add_argument("--stopped", type=int, default=10000)
    p.add_argument("--store-launcher", default="process", choices=["oci", "process"],
                   help="launcher that makes the STOPPED tasks of (c)")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("ecs_task_bench needs root (containers, overlay mounts)")
    os.environ["WHARF_BUILD"] = os.path.abspath(os.path.join(ROOT, args.build) if not os.path.isabs(args.build)
                                                else args.build)
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
    import harness

    bench = Bench(args, harness)
    try:
        print(f"wharf {harness.WHARF} | {load()}, {os.cpu_count()} CPUs", flush=True)
        if "a" in args.sections or "b" in args.sections:
            bench.section_a_b(args.runs)
        if "c" in args.sections:
            bench.section_c(args.runs)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
