# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client factories: the core asks for ``clients(service, region)`` and never builds clients itself.

A module builds the factory from its AnsibleAWSModule credentials, a Lambda handler from its
execution role, a test from an endpoint URL. The factory caches one client per (service, Region),
or with ``per_thread`` one per (service, Region, thread): botocore's standard retry mode keeps one
retry quota per client, and a client shared by every thread of a fleet run spends it on all their
faults together, after which faults surface with no retry at all. A pool whose tasks start short-lived
helper threads (the clone's read-ahead, the copy workers) gives each pool worker its own factory with
``worker_clients`` instead: the helpers share their worker's clients, so the clients number at most
workers x services x Regions, each with its own retry quota.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

try:
    from botocore.config import Config
except ImportError:  # the module reports missing botocore through AnsibleAWSModule
    Config = None

# Throttling and 5xx are retried by botocore itself; eventual consistency is retried in the core.
# The AWS SDKs' own settings AWS_RETRY_MODE and AWS_MAX_ATTEMPTS (total attempts, the first included) override
# these, in a module's environment as in a Lambda function's.
RETRY_SETTINGS = {"mode": "standard", "total_max_attempts": 11}
RETRY_MODES = ("standard", "adaptive", "legacy")


def retry_settings(environ=None, mode: str | None = None, max_attempts: int | None = None) -> dict[str, Any]:
    """RETRY_SETTINGS with AWS_RETRY_MODE / AWS_MAX_ATTEMPTS applied, then ``mode`` / ``max_attempts`` (a module's
    options) when given; a clear error for a bad value."""
    environ = os.environ if environ is None else environ
    settings = dict(RETRY_SETTINGS)
    mode_name, mode = ("retry_mode", mode) if mode else ("AWS_RETRY_MODE", environ.get("AWS_RETRY_MODE"))
    if mode:
        if mode not in RETRY_MODES:
            raise ValueError(f"{mode_name} is {mode!r}; use one of {', '.join(RETRY_MODES)}")
        settings["mode"] = mode
    attempts_name, attempts = (("max_attempts", str(max_attempts)) if max_attempts is not None
                               else ("AWS_MAX_ATTEMPTS", environ.get("AWS_MAX_ATTEMPTS")))
    if attempts:
        if not attempts.isdigit() or int(attempts) < 1:
            raise ValueError(f"{attempts_name} is {attempts!r}; use a whole number of attempts, 1 or more")
        settings["total_max_attempts"] = int(attempts)
    return settings


def retry_config(mode: str | None = None, max_attempts: int | None = None):
    return Config(retries=retry_settings(mode=mode, max_attempts=max_attempts)) if Config else None


class ClientFactory:
    """``factory(service, region)`` -> cached client made by ``make_client(service, region)``.

    ``with_credentials(credentials)``, when given, makes the same kind of factory (endpoint, TLS and retry
    settings) over other credentials (STS AssumeRole's ``Credentials``): what ``assumed_role_clients`` uses.
    """

    def __init__(self, make_client: Callable[[str, str], Any], per_thread: bool = False,
                 with_credentials: Callable[[dict[str, Any]], ClientFactory] | None = None):
        self._make_client = make_client
        self._per_thread = per_thread
        self._with_credentials = with_credentials
        self._clients: dict[tuple[str, str, int], Any] = {}
        self._workers: dict[int, ClientFactory] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str):
        key = (service, region, threading.get_ident() if self._per_thread else 0)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make_client(service, region)
            return self._clients[key]

    def for_worker(self) -> ClientFactory:
        """The calling thread's own factory (same ``make_client``), made on its first call and kept: a pool worker
        gets its own clients and its own retry quotas, which the helper threads it starts share."""
        ident = threading.get_ident()
        with self._lock:
            if ident not in self._workers:
                # The factories of threads that ended (a pool before this one) go: their clients can be freed.
                alive = {thread.ident for thread in threading.enumerate()}
                self._workers = {known: factory for known, factory in self._workers.items() if known in alive}
                self._workers[ident] = ClientFactory(self._make_client, with_credentials=self._with_credentials)
            return self._workers[ident]

    def with_credentials(self, credentials: dict[str, Any]) -> ClientFactory:
        if self._with_credentials is None:
            raise ValueError("this client factory cannot make clients with other credentials")
        return self._with_credentials(credentials)


def assumed_role_clients(clients, role_arn: str, region: str, session_name: str = "resilience-s3dr") -> ClientFactory:
    """Clients with the credentials of ``role_arn`` (a role of another account, e.g. the DR account's), made the way
    ``clients`` makes its own. The role is assumed once, with the caller's credentials, through STS in ``region``;
    the credentials last an hour (STS's default), longer than a module run or a Lambda invocation."""
    response = clients("sts", region).assume_role(RoleArn=role_arn, RoleSessionName=session_name)
    return clients.with_credentials(response["Credentials"])


def session_credentials(credentials: dict[str, Any]) -> dict[str, str]:
    """STS ``Credentials`` as boto3 session / client keyword arguments."""
    return {"aws_access_key_id": credentials["AccessKeyId"], "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"]}


def worker_clients(clients):
    """``clients.for_worker()`` for a ``ClientFactory``; any other factory (a test's callable) as it is."""
    for_worker = getattr(clients, "for_worker", None)
    return for_worker() if for_worker else clients


def boto3_clients(session=None) -> ClientFactory:
    """A factory over a boto3 session (Lambda handlers, scripts, tests), one client per thread."""
    import boto3

    session = session or boto3.session.Session()
    lock = threading.Lock()  # a boto3 session is not thread-safe; its clients are

    def make_client(service: str, region: str):
        with lock:
            return session.client(service, region_name=region, config=retry_config())

    return ClientFactory(make_client, per_thread=True, with_credentials=lambda credentials: boto3_clients(
        boto3.session.Session(**session_credentials(credentials))))
