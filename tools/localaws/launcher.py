"""Start and stop the local endpoint in its own process, and hand out the environment to use it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .recording import ApiCall, read_recording

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR = REPO_ROOT / ".localaws"
READY_TIMEOUT_SECONDS = 60


def endpoint_environment(endpoint_url: str, region: str = "us-east-1") -> dict[str, str]:
    """The environment that points boto3, the AWS CLI and amazon.aws at the endpoint."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        # S3 Control calls go to https://<account id>.<endpoint host> (botocore's endpoint rules put the account
        # in front of any endpoint URL); a user-info part keeps the host a loopback address that resolves.
        "AWS_ENDPOINT_URL_S3_CONTROL": endpoint_url.replace("://", "://s3-control@", 1),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        # No instance metadata exists here; without this botocore waits on 169.254.169.254.
        "AWS_EC2_METADATA_DISABLED": "true",
    }


class LocalAWS:
    """One endpoint server process on a free loopback port.

    ``disabled_patches`` starts the server without the named fidelity patches, so a test can show
    that the gap a patch closes is real.
    """

    def __init__(self, state_dir: Path | str | None = None, disabled_patches: tuple[str, ...] = (),
                 log_path: Path | str | None = None):
        self.state_dir = Path(state_dir or DEFAULT_STATE_DIR)
        self.disabled_patches = tuple(disabled_patches)
        self.log_path = Path(log_path) if log_path else self.state_dir / "server.log"
        self.process: subprocess.Popen | None = None
        self.endpoint_url: str | None = None

    @property
    def state_file(self) -> Path:
        return self.state_dir / "endpoint.json"

    @property
    def recording_file(self) -> Path:
        return self.state_dir / "requests.jsonl"

    @property
    def env(self) -> dict[str, str]:
        if not self.endpoint_url:
            raise RuntimeError("the local endpoint is not started")
        return endpoint_environment(self.endpoint_url)

    def start(self) -> "LocalAWS":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ready_file = self.state_dir / f"ready-{os.getpid()}-{time.monotonic_ns()}.json"
        command = [sys.executable, "-m", "tools.localaws.server", "--ready-file", str(ready_file)]
        if self.disabled_patches:
            command += ["--disable", ",".join(self.disabled_patches)]
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "MOTO_RECORDER_FILEPATH": str(self.recording_file)},
                start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not ready_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"local endpoint exited with {self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"local endpoint not ready after {READY_TIMEOUT_SECONDS}s; see {self.log_path}")
            time.sleep(0.05)
        self.endpoint_url = json.loads(ready_file.read_text())["endpoint_url"]
        ready_file.unlink()
        return self

    def write_state(self) -> None:
        """Record the server so that a later `stop` (another process) can find it."""
        self.state_file.write_text(json.dumps({"pid": self.process.pid, "endpoint_url": self.endpoint_url}))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            _terminate(self.process.pid)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.endpoint_url = None

    def reset(self) -> None:
        """Forget every resource (moto's reset API): tests start from an empty account."""
        self._moto_api("reset")

    def start_recording(self) -> None:
        """Record every API call from now on (moto's recorder), forgetting earlier ones."""
        self._moto_api("recorder/reset-recording")
        self._moto_api("recorder/start-recording")

    def recorded_calls(self) -> list[ApiCall]:
        """The API calls since `start_recording`, oldest first."""
        return read_recording(self.recording_file)

    def _moto_api(self, path: str) -> None:
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/{path}", method="POST")
        urllib.request.urlopen(request, timeout=30).close()  # noqa: S310 - loopback URL we started

    def __enter__(self) -> "LocalAWS":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _terminate(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)  # the server and any Lambda subprocesses it started
    except ProcessLookupError:
        pass


def stop_recorded(state_dir: Path | str | None = None) -> bool:
    """Stop the server recorded by `start`; True when one was running."""
    state_file = Path(state_dir or DEFAULT_STATE_DIR) / "endpoint.json"
    if not state_file.exists():
        return False
    pid = json.loads(state_file.read_text())["pid"]
    state_file.unlink()
    _terminate(pid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)
    return True


def recorded_endpoint(state_dir: Path | str | None = None) -> str | None:
    state_file = Path(state_dir or DEFAULT_STATE_DIR) / "endpoint.json"
    if not state_file.exists():
        return None
    return json.loads(state_file.read_text())["endpoint_url"]
