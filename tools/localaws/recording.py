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
SIGNED_SERVICE = re.compile(
    r"Credential=(?P<access_key>[^/]+)/[^/]+/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass(frozen=True)
class ApiCall:
    service: str
    region: str
    method: str
    operation: str  # the API action where the protocol names it; for REST calls "METHOD /path?query"
    access_key: str = ""  # the access key id that signed it (STS GetAccessKeyInfo tells its account)

    @property
    def is_write(self) -> bool:
        if self.service in ("s3", "lambda") or self.operation.startswith(("GET ", "PUT ", "POST ", "DELETE ", "HEAD ")):
            return self.method not in ("GET", "HEAD")
        return not self.operation.startswith(READ_PREFIXES)

    @property
    def api_name(self) -> str:
        """The API action: as the protocol names it, or for S3 REST calls from the method and the subresource."""
        if " " not in self.operation:
            return self.operation
        return s3_api_name(self.method, self.operation.split(" ", 1)[1])

    @property
    def bucket(self) -> str | None:
        """The bucket an S3 REST call addresses (path-style), or None."""
        if self.service != "s3" or " " not in self.operation:
            return None
        return urlparse(self.operation.split(" ", 1)[1]).path.strip("/").split("/")[0] or None


# S3 bucket subresource (query key) -> API name per method.
S3_SUBRESOURCES = {
    "accelerate": "BucketAccelerateConfiguration", "acl": "BucketAcl", "analytics": "BucketAnalyticsConfiguration",
    "cors": "BucketCors", "encryption": "BucketEncryption", "intelligent-tiering": "BucketIntelligentTieringConfiguration",
    "inventory": "BucketInventoryConfiguration", "lifecycle": "BucketLifecycleConfiguration", "logging": "BucketLogging",
    "metrics": "BucketMetricsConfiguration", "notification": "BucketNotificationConfiguration",
    "object-lock": "ObjectLockConfiguration", "ownershipControls": "BucketOwnershipControls",
    "policy": "BucketPolicy", "publicAccessBlock": "PublicAccessBlock", "replication": "BucketReplication",
    "requestPayment": "BucketRequestPayment", "tagging": "BucketTagging", "versioning": "BucketVersioning",
    "website": "BucketWebsite", "location": "BucketLocation",
}
S3_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


def s3_api_name(method: str, target: str) -> str:
    """``GET /bucket?versioning`` -> GetBucketVersioning; object and listing calls by their API names."""
    url = urlparse(target)
    parts = url.path.strip("/").split("/", 1)
    query = parse_qs(url.query, keep_blank_values=True)
    if not parts[0]:
        return "ListBuckets" if method == "GET" else f"{method} /"
    if len(parts) == 2 and parts[1]:  # an object
        if "uploadId" in query or "uploads" in query:
            return {"POST": "CreateMultipartUpload" if "uploads" in query else "CompleteMultipartUpload",
                    "PUT": "UploadPartCopy", "DELETE": "AbortMultipartUpload"}.get(method, f"{method} object upload")
        if "tagging" in query:
            return f"{S3_VERBS.get(method, method)}ObjectTagging"
        return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(
            method, f"{method} object")
    if method == "HEAD":
        return "HeadBucket"
    for key in query:
        if key in S3_SUBRESOURCES:
            return S3_VERBS.get(method, method) + S3_SUBRESOURCES[key]
    if method == "GET":
        return "ListObjectsV2" if query.get("list-type") == ["2"] else (
            "ListObjectVersions" if "versions" in query else "ListObjects")
    return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "POST": "DeleteObjects" if "delete" in query else "POST bucket"}[
        method] if method in ("PUT", "DELETE", "POST") else f"{method} bucket"


def read_recording(path: Path) -> list[ApiCall]:
    if not path.exists():
        return []
    return [_api_call(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def _api_call(entry: dict) -> ApiCall:
    headers = {key.lower(): value for key, value in entry["headers"].items()}
    signed = SIGNED_SERVICE.search(headers.get("authorization", ""))
    service, region = (signed["service"], signed["region"]) if signed else ("unknown", "unknown")
    key = signed["access_key"] if signed else ""
    method = entry["method"]
    target = headers.get("x-amz-target")
    if target:  # JSON protocols: EventBridge, CloudWatch Logs, KMS, ...
        return ApiCall(service, region, method, target.rsplit(".", 1)[-1], key)
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    url = urlparse(entry["url"])
    action = (parse_qs(body).get("Action") or parse_qs(url.query).get("Action") or [None])[0]
    if action:  # query protocols: IAM, STS, SNS, SQS (older clients)
        return ApiCall(service, region, method, action, key)
    return ApiCall(service, region, method, f"{method} {url.path}{'?' + url.query if url.query else ''}", key)
