"""Shared fixtures: the local AWS endpoint and boto3 clients pointed at it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.exceptions import ClientError
import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # `from conftest import client_for`

from tools.localaws import LocalAWS  # noqa: E402


@pytest.fixture(scope="session")
def localaws(tmp_path_factory):
    """One endpoint for the whole test session (every patch applied). Tests use unique names."""
    with LocalAWS(state_dir=tmp_path_factory.mktemp("localaws")) as server:
        saved = {key: os.environ.get(key) for key in server.env}
        os.environ.update(server.env)
        yield server
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def localaws_without(tmp_path_factory):
    """Start an extra endpoint with some patches left out: ``localaws_without("patch_name")``.

    Used to show that the gap a patch closes is real (the same check fails without it).
    """
    started = []

    def start(*patch_names: str) -> LocalAWS:
        server = LocalAWS(state_dir=tmp_path_factory.mktemp("localaws-without"), disabled_patches=patch_names)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def aws_client(localaws):
    """``aws_client("s3", "eu-west-1")``: a boto3 client on the session endpoint."""
    return lambda service, region="us-east-1", server=None: client_for(server or localaws, service, region)


def client_for(server: LocalAWS, service: str, region: str = "us-east-1"):
    endpoint = server.env["AWS_ENDPOINT_URL_S3_CONTROL"] if service == "s3control" else server.endpoint_url
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


OTHER_ACCOUNT_ID = "111111111111"


def other_account_client(server: LocalAWS, service: str, region: str = "us-east-1"):
    """A client acting as another account: moto derives the account from the assumed role's credentials."""
    credentials = client_for(server, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/other-account", RoleSessionName="other")["Credentials"]
    return boto3.client(service, region_name=region, endpoint_url=server.endpoint_url,
                        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


@pytest.fixture
def moto_in_process(monkeypatch):
    """moto in this process, for unit tests. Its mock answers only calls to AWS hosts, so the endpoint settings an
    integration test of the same worker left in the environment are dropped (calls would reach that endpoint)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3_CONTROL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield


WAIT_SECONDS = 120  # generous: on a busy machine asynchronous work is slow


def wait_for(check, what: str, timeout: float = WAIT_SECONDS, interval: float = 1.0,
             retry_on: tuple[type[Exception], ...] = (ClientError,)):
    """The first truthy result of ``check()``, polled every ``interval`` seconds until ``timeout`` (an error of
    ``retry_on`` counts as not yet); AssertionError naming ``what`` when time is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except retry_on:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(interval)


# `make core-matrix` points this at another ansible-core's ansible-playbook (its own virtual environment)
# to run the tests marked `core_matrix` on every ansible-core version meta/runtime.yml claims.
ANSIBLE_PLAYBOOK = os.environ.get("S3DR_ANSIBLE_PLAYBOOK") or str(Path(sys.executable).parent / "ansible-playbook")


class PlaybookRun:
    """What one real ``ansible-playbook`` run did, from the ansible.posix.json callback."""

    def __init__(self, completed: subprocess.CompletedProcess):
        self.rc = completed.returncode
        self.stderr = completed.stderr
        try:
            self.report = json.loads(completed.stdout)
        except json.JSONDecodeError:
            self.report = {"plays": [], "stats": {}, "raw": completed.stdout}

    @property
    def recap(self) -> dict[str, dict[str, int]]:
        """PLAY RECAP per host: ``{"localhost": {"ok": 3, "changed": 1, "failures": 0, ...}}``."""
        return self.report.get("stats", {})

    def task_results(self, task_name: str, host: str = "localhost") -> list[dict]:
        """The result of every task with this name (one per play that ran it)."""
        return [task["hosts"][host] for play in self.report.get("plays", []) for task in play["tasks"]
                if task["task"]["name"] == task_name and host in task["hosts"]]

    @property
    def failures(self) -> list[str]:
        """``task name: message`` of every failed task (loop items included), for assertion messages."""
        found = []
        for play in self.report.get("plays", []):
            for task in play["tasks"]:
                for result in task["hosts"].values():
                    for item in result.get("results", [result]):
                        if item.get("failed") and not result.get("ignore_errors"):
                            found.append(f"{task['task']['name']}: {str(item.get('msg', ''))[:1000]}")
        return found

    def __repr__(self) -> str:
        return (f"PlaybookRun(rc={self.rc}, recap={self.recap}, failures={self.failures}, "
                f"stderr={self.stderr[-2000:]!r})")


@pytest.fixture
def run_playbook(localaws, tmp_path):
    """Run a real ``ansible-playbook`` from the repository root against the session endpoint.

    ``run_playbook("playbooks/x.yml", extra_vars={...}, check=True, diff=True)`` -> PlaybookRun.
    """
    return playbook_runner(localaws, tmp_path)


def playbook_runner(localaws, tmp_path: Path):
    """``run_playbook`` for fixtures of a wider scope (a module's deployment), writing its files in ``tmp_path``."""
    def run(playbook: str | Path, extra_vars: dict | None = None, check: bool = False, diff: bool = False,
            env: dict[str, str] | None = None) -> PlaybookRun:
        command = [ANSIBLE_PLAYBOOK, str(playbook)]
        if extra_vars:
            vars_file = tmp_path / f"extra-vars-{time.monotonic_ns()}.json"
            vars_file.write_text(json.dumps(extra_vars))
            command += ["-e", f"@{vars_file}"]
        command += ["--check"] if check else []
        command += ["--diff"] if diff else []
        run_env = {**os.environ, **localaws.env, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
                   "ANSIBLE_NOCOLOR": "1", **(env or {})}
        completed = subprocess.run(command, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True,
                                   timeout=900, check=False)
        return PlaybookRun(completed)

    return run
