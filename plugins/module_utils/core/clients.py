# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client factories: the core asks for ``clients(service, region)`` and never builds clients itself.

A module builds the factory from its AnsibleAWSModule credentials, a Lambda handler from its
execution role, a test from an endpoint URL. The factory caches one client per (service, Region)
and is safe to share between the threads of a fleet run (boto3 clients are thread-safe).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

try:
    from botocore.config import Config
except ImportError:  # the module reports missing botocore through AnsibleAWSModule
    Config = None

# Throttling and 5xx are retried by botocore itself; eventual consistency is retried in the core.
RETRY_SETTINGS = {"mode": "standard", "max_attempts": 10}


def retry_config():
    return Config(retries=dict(RETRY_SETTINGS)) if Config else None


class ClientFactory:
    """``factory(service, region)`` -> cached client made by ``make_client(service, region)``."""

    def __init__(self, make_client: Callable[[str, str], Any]):
        self._make_client = make_client
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str):
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make_client(service, region)
            return self._clients[key]


def boto3_clients(session=None) -> ClientFactory:
    """A factory over a boto3 session (Lambda handlers, scripts, tests)."""
    import boto3

    session = session or boto3.session.Session()
    return ClientFactory(lambda service, region: session.client(service, region_name=region, config=retry_config()))
