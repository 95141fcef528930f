"""A fault-injecting proxy in front of the local endpoint: AWS-shaped errors, resets after apply, slow consistency.

Clients point ``AWS_ENDPOINT_URL`` at the proxy instead of the endpoint. Of every request a share
(``rate``) is faulted, decided by a seeded hash of the request and how many times that same request
was seen, so a run with the same seed meets the same faults whatever the thread interleaving:

- ``error``: answered by the proxy, never applied, with the error AWS sends for that protocol
  (S3 REST XML ``InternalError`` 500 / ``SlowDown`` 503; query services (IAM, STS, SNS, SQS)
  ``<ErrorResponse>`` ``Throttling`` 400; JSON services ``{"__type": "ThrottlingException"}`` 400;
  Lambda REST-JSON ``TooManyRequestsException`` 429);
- ``reset``: forwarded and applied, then the connection is reset instead of answered (an unknown
  outcome: the client cannot tell whether its write happened).

``down_regions`` takes whole Regions down, as an outage does: every signed request whose SigV4 credential
scope names one of them is never forwarded, and its connection is reset (the client sees a connection
error, as when a Regional endpoint is unreachable). The endpoint's own replication between buckets goes on
inside it (an outage of the API, not of the data already stored).

``consistency_ms`` makes a bucket created through the proxy answer ``NoSuchBucket`` to reads (GET,
HEAD) for that long after its CreateBucket, as S3 may right after creation.

    python -m tools.localaws.faults --upstream URL --rate 0.1 --seed 7   # prints the proxy URL

or in-process: ``with FaultProxy(upstream, rate=0.1, seed=7) as proxy: proxy.endpoint_url``.
Settings change at run time through ``POST /faults-api/settings`` (JSON), counters are at
``GET /faults-api/stats``; the endpoint's own ``/moto-api/`` is never faulted.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

SIGNED_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
CONTROL_PREFIX = "/faults-api/"
NEVER_FAULTED_PREFIXES = ("/moto-api/", CONTROL_PREFIX)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
              "proxy-authenticate"}


@dataclass
class Settings:
    rate: float = 0.0  # share of requests faulted, 0..1
    seed: int = 0
    reset_share: float = 0.5  # of the faulted requests, the share forwarded then reset (the rest: errors)
    consistency_ms: int = 0  # a new bucket answers NoSuchBucket to reads this long
    down_regions: list = field(default_factory=list)  # Regions whose every signed request is refused (reset)


@dataclass
class Stats:
    requests: int = 0
    errors: int = 0
    resets: int = 0
    not_yet_consistent: int = 0
    refused_down: int = 0  # requests to a Region of down_regions
    refused_by_region: dict[str, int] = field(default_factory=dict)
    by_service: dict[str, int] = field(default_factory=dict)


def fault_draw(seed: int, request_key: str, occurrence: int) -> tuple[float, float]:
    """Two uniform numbers in [0, 1) for this request's n-th occurrence: whether to fault it, and how."""
    digest = hashlib.sha256(f"{seed}\0{request_key}\0{occurrence}".encode()).digest()
    first, second = struct.unpack(">QQ", digest[:16])
    return first / 2**64, second / 2**64


def protocol_of(service: str, headers) -> str:
    """s3 (REST XML), json (X-Amz-Target), rest-json (Lambda) or query (IAM, STS, SNS, SQS query)."""
    if service == "s3":
        return "s3"
    if headers.get("X-Amz-Target"):
        return "json"
    if service == "lambda":
        return "rest-json"
    return "query"


def error_response(protocol: str, draw: float) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a transient AWS error, as the service's protocol shapes it."""
    request_id = str(uuid.uuid4())
    if protocol == "s3":
        status, code, message = ((500, "InternalError", "We encountered an internal error. Please try again.")
                                 if draw < 0.5 else (503, "SlowDown", "Please reduce your request rate."))
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                f"<RequestId>{request_id}</RequestId></Error>")
        return status, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body.encode()
    if protocol == "query":
        body = ('<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>'
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return 400, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode()
    if protocol == "rest-json":
        body = json.dumps({"Type": "User", "message": "Rate exceeded"})
        return 429, {"Content-Type": "application/json", "x-amzn-ErrorType": "TooManyRequestsException",
                     "x-amzn-RequestId": request_id}, body.encode()
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})
    return 400, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}, body.encode()


def no_such_bucket(bucket: str) -> tuple[int, dict[str, str], bytes]:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket '
            f"does not exist</Message><BucketName>{bucket}</BucketName><RequestId>{uuid.uuid4()}</RequestId></Error>")
    return 404, {"Content-Type": "application/xml"}, body.encode()


class FaultProxy:
    """The proxy server, run on a free loopback port in a background thread of this process."""

    def __init__(self, upstream: str, rate: float = 0.0, seed: int = 0, reset_share: float = 0.5,
                 consistency_ms: int = 0, port: int = 0, down_regions: list[str] | None = None):
        self.upstream = urlparse(upstream)
        self.settings = Settings(rate=rate, seed=seed, reset_share=reset_share, consistency_ms=consistency_ms,
                                 down_regions=list(down_regions or []))
        self.stats = Stats()
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self._created_at: dict[str, float] = {}  # bucket -> monotonic time of its CreateBucket through us
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.endpoint_url: str | None = None

    def configure(self, **changes) -> None:
        """Change settings (rate, seed, reset_share, consistency_ms, down_regions); a new seed also restarts the draws."""
        with self._lock:
            for name, value in changes.items():
                if not hasattr(self.settings, name):
                    raise ValueError(f"unknown fault setting {name}")
                setattr(self.settings, name, type(getattr(self.settings, name))(value))
            if "seed" in changes:
                self._seen.clear()

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = Stats()

    def start(self) -> "FaultProxy":
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        self._server = None

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def decide(self, service: str, request_key: str) -> tuple[str | None, float]:
        """(None (forward), "error" or "reset", a draw that picks the error) for this request, and count it."""
        with self._lock:
            self.stats.requests += 1
            occurrence = self._seen.get(request_key, 0)
            self._seen[request_key] = occurrence + 1
            settings = self.settings
            if settings.rate <= 0:
                return None, 0.0
            whether, how = fault_draw(settings.seed, request_key, occurrence)
            if whether >= settings.rate:
                return None, 0.0
            kind = "reset" if how < settings.reset_share else "error"
            if kind == "reset":
                self.stats.resets += 1
            else:
                self.stats.errors += 1
            self.stats.by_service[service] = self.stats.by_service.get(service, 0) + 1
            return kind, how

    def region_down(self, region: str) -> bool:
        """Whether ``region`` is down; counts the refused request."""
        with self._lock:
            if region not in self.settings.down_regions:
                return False
            self.stats.refused_down += 1
            self.stats.refused_by_region[region] = self.stats.refused_by_region.get(region, 0) + 1
            return True

    def not_yet_consistent(self, bucket: str) -> bool:
        with self._lock:
            created = self._created_at.get(bucket)
            if created is None or (time.monotonic() - created) * 1000 >= self.settings.consistency_ms:
                return False
            self.stats.not_yet_consistent += 1
            return True

    def bucket_created(self, bucket: str) -> None:
        with self._lock:
            if self.settings.consistency_ms > 0:
                self._created_at[bucket] = time.monotonic()


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore expects

    def log_message(self, *args) -> None:  # the endpoint's own log has every request
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._handle()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        body = self._read_body()
        path = self.path
        if path.startswith(CONTROL_PREFIX):
            self._control(path, body)
            return
        signed = SIGNED_SERVICE.search(self.headers.get("Authorization", ""))
        service = signed["service"] if signed else "unknown"
        proxy = self.owner
        if signed and proxy.settings.down_regions and proxy.region_down(signed["region"]):
            self._reset()
            return
        bucket = path.split("?")[0].strip("/").split("/")[0] if service == "s3" else ""
        if (service == "s3" and bucket and self.command in ("GET", "HEAD")
                and proxy.settings.consistency_ms > 0 and proxy.not_yet_consistent(bucket)):
            self._answer(*no_such_bucket(bucket))
            return
        fault, how = None, 0.0
        if not path.startswith(NEVER_FAULTED_PREFIXES) and signed:
            request_key = "\0".join([self.command, path, self.headers.get("X-Amz-Target", ""),
                                     hashlib.sha256(body).hexdigest()])
            fault, how = proxy.decide(service, request_key)
        if fault == "error":
            self._answer(*error_response(protocol_of(service, self.headers), how * 1000 % 1))
            return
        status, headers, response_body = self._forward(body)
        if (service == "s3" and self.command == "PUT" and status == 200 and bucket and "/" not in path.split("?")[0].strip("/")
                and "?" not in path):
            proxy.bucket_created(bucket)
        if fault == "reset":
            self._reset()
            return
        self._answer(status, headers, response_body)

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.owner.upstream.hostname, self.owner.upstream.port, timeout=600)
        try:
            headers = {key: value for key, value in self.headers.items() if key.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body if body or self.command != "GET" else None,
                               headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, {key: value for key, value in response.getheaders()
                                     if key.lower() not in HOP_BY_HOP and key.lower() != "content-length"}, data
        finally:
            connection.close()

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        """Close with RST (SO_LINGER 0): the client sees ConnectionResetError, its request already applied."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _control(self, path: str, body: bytes) -> None:
        proxy = self.owner
        if path == CONTROL_PREFIX + "settings" and self.command == "POST":
            try:
                proxy.configure(**json.loads(body or b"{}"))
            except (ValueError, TypeError) as error:
                self._answer(400, {"Content-Type": "application/json"}, json.dumps({"error": str(error)}).encode())
                return
        if path == CONTROL_PREFIX + "stats" and self.command == "POST":
            proxy.reset_stats()
        payload = {"settings": asdict(proxy.settings), "stats": asdict(proxy.stats)}
        self._answer(200, {"Content-Type": "application/json"}, json.dumps(payload).encode())


def control(proxy_url: str, what: str, changes: dict | None = None) -> dict:
    """Talk to a proxy in another process: ``control(url, "settings", {"rate": 0})``, ``control(url, "stats")``."""
    data = json.dumps(changes).encode() if changes is not None else None
    request = urllib.request.Request(f"{proxy_url}{CONTROL_PREFIX}{what}", data=data,
                                     method="POST" if data is not None else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback URL we started
        return json.loads(response.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.localaws.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="the endpoint URL to forward to")
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reset-share", type=float, default=0.5)
    parser.add_argument("--consistency-ms", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--down-regions", default="", help="comma-separated Regions to take down (outage)")
    args = parser.parse_args(argv)
    proxy = FaultProxy(args.upstream, rate=args.rate, seed=args.seed, reset_share=args.reset_share,
                       consistency_ms=args.consistency_ms, port=args.port,
                       down_regions=[region for region in args.down_regions.split(",") if region]).start()
    print(proxy.endpoint_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
