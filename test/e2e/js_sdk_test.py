"""Drives a real server with the AWS SDK for JavaScript v3 (test/e2e/js/sdk_smoke.mjs): ECS, CloudWatch
Logs and Step Functions through the SDK's own parsers, paginators and error classes."""
import os
import shutil
import subprocess
import tempfile

from harness import ACCESS_KEY, REGION, ROOT, SECRET_KEY, ServerTestCase, busybox_archive

JS_DIR = os.path.join(ROOT, "test", "e2e", "js")


def install_sdk():
    """Installs the pinned SDK packages from package-lock.json once; later runs reuse node_modules."""
    if os.path.isdir(os.path.join(JS_DIR, "node_modules")):
        return
    r = subprocess.run(["npm", "ci", "--prefix", JS_DIR, "--no-audit", "--no-fund"], capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"npm ci failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")


class JsSdkTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        install_sdk()
        super().setUpClass()
        work = tempfile.mkdtemp(prefix="wharf-e2e-js-")
        cls.addClassCleanup(shutil.rmtree, work, True)
        # Images are imported into the data dir; the running server finds them on RunTask.
        cls.server.import_image("busybox:latest", busybox_archive(work))

    def test_sdk_smoke(self):
        env = dict(os.environ, WHARF_ENDPOINT=self.server.endpoint, WHARF_REGION=REGION,
                   WHARF_ACCESS_KEY_ID=ACCESS_KEY, WHARF_SECRET_ACCESS_KEY=SECRET_KEY)
        r = subprocess.run(["node", os.path.join(JS_DIR, "sdk_smoke.mjs")], env=env, capture_output=True, text=True,
                           timeout=240)
        self.assertEqual(r.returncode, 0, f"sdk_smoke.mjs failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
