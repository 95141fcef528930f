"""Which AWS API calls reached the endpoint, from moto's request recorder.

Tests use it to prove that a second run writes nothing and that check mode writes nothing.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

READ_PREFIXES = ("Get", "List", "Describe", "Head", "Query", "Scan", "Lookup", "Search", "Test", "Simulate")
SIGNED_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass(frozen=True)
class ApiCall:
    service: str
    region: str
    method: str
    operation: str  # the API action where the protocol names it; for REST calls "METHOD /path?query"

    @property
    def is_write(self) -> bool:
        if self.service in ("s3", "lambda") or self.operation.startswith(("GET ", "PUT ", "POST ", "DELETE ", "HEAD ")):
            return self.method not in ("GET", "HEAD")
        return not self.operation.startswith(READ_PREFIXES)


def read_recording(path: Path) -> list[ApiCall]:
    if not path.exists():
        return []
    return [_api_call(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def _api_call(entry: dict) -> ApiCall:
    headers = {key.lower(): value for key, value in entry["headers"].items()}
    signed = SIGNED_SERVICE.search(headers.get("authorization", ""))
    service, region = (signed["service"], signed["region"]) if signed else ("unknown", "unknown")
    method = entry["method"]
    target = headers.get("x-amz-target")
    if target:  # JSON protocols: EventBridge, CloudWatch Logs, KMS, ...
        return ApiCall(service, region, method, target.rsplit(".", 1)[-1])
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    url = urlparse(entry["url"])
    action = (parse_qs(body).get("Action") or parse_qs(url.query).get("Action") or [None])[0]
    if action:  # query protocols: IAM, STS, SNS, SQS (older clients)
        return ApiCall(service, region, method, action)
    return ApiCall(service, region, method, f"{method} {url.path}{'?' + url.query if url.query else ''}")
