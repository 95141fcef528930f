"""An S3 client whose requests through a Multi-Region Access Point reach the local endpoint.

botocore addresses a Multi-Region Access Point ARN (``Bucket="arn:aws:s3::<account>:accesspoint/<alias>"``)
at ``https://<alias>.accesspoint.s3-global.amazonaws.com`` whatever ``endpoint_url`` says: the S3 endpoint
rules ignore a custom endpoint for such an ARN, and sign it with SigV4A, which needs ``awscrt``
(``pip install botocore[crt]``). This client sends those requests, unchanged (Host header, body,
signature), to the local endpoint over plain HTTP instead, as DNS and TLS for that host would; the
``s3_mrap_requests`` patch routes them to the bucket of the access point's active route. Every other
request goes to ``endpoint_url`` as usual.

Without ``awscrt`` the requests are signed with SigV4 instead of SigV4A (the endpoint checks neither);
with it, they are exactly what an application sends to AWS.

    s3 = mrap_s3_client(endpoint_url)
    s3.put_object(Bucket=mrap_arn, Key="k", Body=b"...")
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

MRAP_GLOBAL_HOST = re.compile(r"^[a-z][a-z0-9]*\.mrap\.accesspoint\.s3-global\.amazonaws\.com$", re.I)


def mrap_s3_client(endpoint_url: str, region: str = "us-east-1", **client_kwargs):
    import boto3
    import urllib3
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HAS_CRT

    client_kwargs.setdefault("aws_access_key_id", "testing")
    client_kwargs.setdefault("aws_secret_access_key", "testing")
    if not HAS_CRT:
        # A signature version asked for by name takes precedence over the endpoint rules' SigV4A.
        from botocore.config import Config

        client_kwargs["config"] = Config(signature_version="s3v4").merge(client_kwargs["config"]) \
            if client_kwargs.get("config") else Config(signature_version="s3v4")
    client = boto3.client("s3", region_name=region, endpoint_url=endpoint_url, **client_kwargs)
    pool = urllib3.PoolManager()
    endpoint = urlsplit(endpoint_url)

    def send_to_endpoint(request, **_):
        url = urlsplit(request.url)
        if not MRAP_GLOBAL_HOST.match(url.hostname or ""):
            return None
        headers = {name: value for name, value in request.headers.items() if name.lower() != "host"}
        headers["Host"] = url.hostname
        target = f"{endpoint.scheme}://{endpoint.netloc}{url.path}{'?' + url.query if url.query else ''}"
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        raw = pool.request(request.method, target, body=body, headers=headers, preload_content=False,
                           redirect=False, retries=False)
        return AWSResponse(request.url, raw.status, dict(raw.headers.items()), raw)

    client.meta.events.register_first("before-send.s3", send_to_endpoint)
    return client
