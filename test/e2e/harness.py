"""Starts a real `wharf server` for end-to-end tests and drives it with real AWS clients."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import boto3
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("WHARF_BUILD", os.path.join(ROOT, "build"))
WHARF = os.path.join(BUILD, "wharf")
AWS_CLI = "/usr/bin/aws"  # AWS CLI v2; the `aws` first on PATH is v1
ACCESS_KEY = "AKIAWHARFE2ETEST0001"
SECRET_KEY = "wharf-e2e-secret-key-0000000000000000000"
REGION = "us-east-1"


def busybox_archive(workdir):
    """Builds the busybox root filesystem tarball the README's `make run` also builds."""
    out = os.path.join(workdir, "busybox.tar")
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "make_busybox_image.sh"), out], check=True,
                   stdout=subprocess.DEVNULL)
    return out


class WharfServer:
    """One server process on a free loopback port with its own data directory."""

    def __init__(self, data_dir=None, extra_args=()):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="wharf-e2e-")
        self.extra_args = list(extra_args)
        self.proc = None
        self.endpoint = None

    def import_image(self, name, archive):
        subprocess.run([WHARF, "image", "import", "--data-dir", self.data_dir, name, archive], check=True,
                       stdout=subprocess.DEVNULL)

    def start(self):
        env = dict(os.environ, WHARF_ROOT_ACCESS_KEY_ID=ACCESS_KEY, WHARF_ROOT_SECRET_ACCESS_KEY=SECRET_KEY)
        self.proc = subprocess.Popen(
            [WHARF, "server", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir, "--region", REGION]
            + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("wharf server exited before listening")
            m = re.search(r"listening on (\S+):(\d+)", line)
            if m:
                self.endpoint = f"http://{m.group(1)}:{m.group(2)}"
                # Keep draining output so the server never blocks on a full pipe.
                self._drain = subprocess.Popen(["cat"], stdin=self.proc.stdout, stdout=subprocess.DEVNULL)
                return self
        raise RuntimeError("wharf server did not report its address")

    def kill(self):
        """SIGKILL, as a crash would; containers and supervisors must survive it."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._drain.wait()
        self.proc.stdout.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._drain.wait()
            self.proc.stdout.close()

    def cleanup(self):
        self.stop()
        # The network manager bind-mounts its namespace folder (as `ip netns` does): unmount what
        # the server left mounted under the data dir, deepest first, so nothing outlives the test.
        with open("/proc/self/mounts") as f:
            mounts = [line.split()[1] for line in f if line.split()[1].startswith(self.data_dir + "/")]
        for mount in sorted(mounts, reverse=True):
            subprocess.run(["umount", "-l", mount], check=False)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def client(self, service):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=Config(retries={"max_attempts": 1}))

    def cli(self, *args, check=True):
        """Runs /usr/bin/aws against the server and returns its parsed JSON output (or text)."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                   AWS_DEFAULT_REGION=REGION, AWS_PAGER="", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        r = subprocess.run([AWS_CLI, "--endpoint-url", self.endpoint, *args], env=env, capture_output=True,
                           text=True, timeout=300)
        if check and r.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        try:
            return json.loads(r.stdout) if r.stdout.strip() else {}
        except json.JSONDecodeError:
            return r.stdout


SFN_ROLE = "arn:aws:iam::123456789012:role/wharf-e2e"


def wait_done(sfn, arn, timeout=30):
    """Polls DescribeExecution until the execution has ended; returns that description."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.1)
    raise AssertionError(f"{arn} still RUNNING")


class ServerTestCase(unittest.TestCase):
    """One server for the whole class, with a Step Functions client; stopped even when set-up fails."""

    @classmethod
    def setUpClass(cls):
        cls.server = WharfServer()
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()
        cls.sfn = cls.server.client("stepfunctions")
