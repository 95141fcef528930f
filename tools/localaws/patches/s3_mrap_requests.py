"""Requests made through a Multi-Region Access Point reach the bucket of its active route.

Upstream gap (moto 5.2.5): S3 knows nothing of Multi-Region Access Points; a request to an access
point's global host ``<alias>.accesspoint.s3-global.amazonaws.com`` is taken for a bucket named
after the host, and SigV4A's credential scope (no Region) is not understood by the dispatcher.

AWS (S3 User Guide, "Making requests through a Multi-Region Access Point", "Amazon S3
Multi-Region Access Points routing states"; the SDKs' S3 endpoint rules): a request whose Bucket
is the access point's ARN ``arn:aws:s3::<account>:accesspoint/<alias>`` is sent, signed with
SigV4A (Region set ``*``), to ``https://<alias>.accesspoint.s3-global.amazonaws.com/<key>``; S3
serves it from a bucket whose route is active (TrafficDialPercentage 100), never from a passive
one. Here a host naming no access point (or one being deleted) answers 404 NoSuchAccessPoint.

The SDKs address that host whatever endpoint URL the client has (the endpoint rules ignore a
custom endpoint for an access point ARN), so a client reaches this endpoint through
``tools.localaws.mrap_client`` (a stand-in for DNS and TLS) with the Host header intact. Such a
request is rewritten here into a path-style request for the active bucket, signed for its Region,
before moto dispatches it; with several active routes the first, in the access point's order, is used
(AWS picks the closest). Not modelled: the access point's policy, and IAM for requests signed with
an STS session (their SigV4A signature cannot be checked here; they are refused as moto refuses a bad
signature).
"""
from __future__ import annotations

import re

from ._s3 import error_response
from .s3control_mrap_routes import routes_of

NAME = "s3_mrap_requests"
MRAP_HOST = re.compile(r"^(?P<alias>[a-z][a-z0-9]*\.mrap)\.accesspoint\.s3-global\.amazonaws\.com(:\d+)?$", re.I)
SIGV4A_SCOPE = re.compile(r"^AWS4-ECDSA-P256-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<service>[^/]+)/aws4_request")


def active_bucket(alias: str) -> tuple[str, str] | None:
    """(bucket, Region) the access point with this alias routes to now, or None (no such access point)."""
    from moto.s3control.models import s3control_backends

    for account_id in list(s3control_backends.keys()):
        for backend in list(s3control_backends[account_id].values()):
            for points in list(backend.multi_region_access_points.values()):
                for point in list(points.values()):
                    if point.alias != alias.lower() or getattr(point, "deleting", False):
                        continue
                    routes = routes_of(point)
                    for region in point.regions:
                        if routes.get(region["Bucket"], 0) > 0:
                            return region["Bucket"], region["Region"]
                    return None
    return None


def apply() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original_call = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        match = MRAP_HOST.match(environ.get("HTTP_HOST", ""))
        if match:
            target = active_bucket(match["alias"])
            if target is None:
                status, headers, body = error_response(
                    404, "NoSuchAccessPoint", "The specified Multi-Region Access Point does not exist or has no "
                    "active route", match["alias"])
                start_response(f"{status} Not Found", list(headers.items()))
                return [body.encode()]
            bucket, region = target
            environ["HTTP_HOST"] = f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
            environ["PATH_INFO"] = f"/{bucket}{environ.get('PATH_INFO') or '/'}"
            environ["RAW_URI"] = environ["REQUEST_URI"] = environ["PATH_INFO"] + (
                f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
            scope = SIGV4A_SCOPE.match(environ.get("HTTP_AUTHORIZATION", ""))
            if scope:  # SigV4A names no Region: sign for the bucket's, as SigV4 would
                rest = environ["HTTP_AUTHORIZATION"][scope.end():]
                environ["HTTP_AUTHORIZATION"] = (f"AWS4-HMAC-SHA256 Credential={scope['key']}/{scope['date']}/{region}/"
                                                 f"{scope['service']}/aws4_request{rest}")
        return original_call(self, environ, start_response)

    DomainDispatcherApplication.__call__ = __call__
