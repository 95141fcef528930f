"""S3 bucket calls honour ``ExpectedBucketOwner`` (header ``x-amz-expected-bucket-owner``).

Upstream gap (moto 5.2.5, ``S3Response._bucket_response``): the header is ignored, so HeadBucket
and every other bucket call succeed on a bucket that another account owns. S3 answers 403
AccessDenied when the bucket's owner is not the expected account; that is how a tool tells "this
name is taken by someone else" from "this is my bucket". This patch checks the header against the
owning account of the bucket before moto handles the call.
"""
from __future__ import annotations

from ._s3 import error_response

NAME = "s3_expected_bucket_owner"


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response

    def _bucket_response(self, request, full_url):
        expected_owner = request.headers.get("x-amz-expected-bucket-owner")
        bucket_name = self.parse_bucket_name_from_url(request, full_url)
        if expected_owner and bucket_name:
            bucket = _find_bucket(self.backend, bucket_name)
            if bucket is not None and bucket.account_id != expected_owner:
                status, headers, body = error_response(403, "AccessDenied", "Access Denied", bucket_name)
                # HeadBucket has no body on the wire; the status is what clients read.
                return status, headers, "" if request.method == "HEAD" else body
        return original(self, request, full_url)

    S3Response._bucket_response = _bucket_response


def _find_bucket(backend, bucket_name: str):
    try:
        return backend.get_bucket(bucket_name)
    except Exception:  # noqa: BLE001 - a missing bucket is moto's to report, with its own error
        return None
