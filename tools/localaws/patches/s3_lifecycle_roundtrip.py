"""GetBucketLifecycleConfiguration returns the rules and the transition size default as they were put.

Upstream gap (moto 5.2.5, ``S3Response.get_bucket_lifecycle``): the response is rebuilt from moto's
``LifecycleRule`` model, which has no place for ``Filter.ObjectSizeGreaterThan`` /
``Filter.ObjectSizeLessThan`` (alone or inside ``Filter.And``) nor for
``NoncurrentVersionExpiration.NewerNoncurrentVersions``, so they are dropped; and the
``x-amz-transition-default-minimum-object-size`` header of PutBucketLifecycleConfiguration is
ignored (GET always answers ``all_storage_classes_128K``). moto still parses and validates every PUT
into its model (which its lifecycle logic uses); this patch also keeps the rules as sent, tied to
that model, and serializes those, as S3 does.
"""
from __future__ import annotations

from dataclasses import dataclass

import xmltodict

from ._s3 import S3_XMLNS

NAME = "s3_lifecycle_roundtrip"
MINIMUM_SIZE_HEADER = "x-amz-transition-default-minimum-object-size"
# What S3 applies to a configuration put without the header (since September 2024).
DEFAULT_MINIMUM_SIZE = "all_storage_classes_128K"


@dataclass
class StoredLifecycle:
    model_rules: list  # moto's parsed rules this document belongs to (replaced on every put or delete)
    rules: list | dict
    minimum_size: str


def apply() -> None:
    from moto.s3.responses import S3Response

    original_put = S3Response._bucket_response_put
    original_get = S3Response.get_bucket_lifecycle

    def _bucket_response_put(self, request, bucket_name, querystring):
        response = original_put(self, request, bucket_name, querystring)  # moto validates and stores its model
        if "lifecycle" not in querystring or (isinstance(response, tuple) and int(response[0]) >= 300):
            return response
        bucket = self.backend.get_bucket(bucket_name)
        document = xmltodict.parse(self.body)["LifecycleConfiguration"] or {}
        minimum_size = request.headers.get(MINIMUM_SIZE_HEADER) or DEFAULT_MINIMUM_SIZE
        bucket.localaws_lifecycle = StoredLifecycle(bucket.rules, document.get("Rule", []), minimum_size)
        return 200, {MINIMUM_SIZE_HEADER: minimum_size}, ""

    def get_bucket_lifecycle(self):
        bucket = self.backend.get_bucket(self.bucket_name)
        stored = getattr(bucket, "localaws_lifecycle", None)
        if not bucket.rules or stored is None or stored.model_rules is not bucket.rules:
            return original_get(self)  # no configuration (moto's 404), or one not put through this endpoint
        self.data["Action"] = "GetBucketLifecycleConfiguration"
        body = xmltodict.unparse({"LifecycleConfiguration": {"@xmlns": S3_XMLNS, "Rule": stored.rules}})
        return 200, {MINIMUM_SIZE_HEADER: stored.minimum_size, "content-type": "application/xml"}, body

    S3Response._bucket_response_put = _bucket_response_put
    S3Response.get_bucket_lifecycle = get_bucket_lifecycle
