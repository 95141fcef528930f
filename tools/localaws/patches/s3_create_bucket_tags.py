"""CreateBucket applies the tags of ``CreateBucketConfiguration.Tags``.

Upstream gap (moto 5.2.5, ``S3Response._bucket_response_put``): moto reads only the
``LocationConstraint`` of ``CreateBucketConfiguration`` and drops its ``Tags``, so a bucket created
with tags has none. On AWS the tags are applied with the bucket, and CloudTrail records the call as
``CreateBucket`` ("CreateBucket", https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html,
``CreateBucketConfiguration`` > ``Tags``; "Using tags with S3 general purpose buckets",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging.html). Tags with the reserved
``aws:`` prefix or a key given twice are refused before the bucket is created (``InvalidTag``), as
PutBucketTagging refuses them.
"""
from __future__ import annotations

import xmltodict

from ._s3 import error_response

NAME = "s3_create_bucket_tags"


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_put

    def _bucket_response_put(self, request, bucket_name, querystring):
        if querystring or not self.body:
            return original(self, request, bucket_name, querystring)
        tags, problem = creation_tags(self.body)
        if problem:
            return error_response(400, "InvalidTag", problem, bucket_name)
        response = original(self, request, bucket_name, querystring)
        status = response[0] if isinstance(response, tuple) else 200
        if tags and 200 <= int(status) < 300:
            self.backend.put_bucket_tagging(bucket_name, tags)
        return response

    S3Response._bucket_response_put = _bucket_response_put


def creation_tags(body) -> tuple[dict[str, str], str | None]:
    """The tags of a CreateBucket request body, and why they are refused (None when they are not)."""
    try:
        parsed = xmltodict.parse(body, force_list={"Tag": True}) or {}
    except Exception:  # noqa: BLE001 - a malformed body is moto's to refuse, with its own error
        return {}, None
    configuration = parsed.get("CreateBucketConfiguration") or {}
    tag_list = ((configuration.get("Tags") or {}).get("Tag")) or []
    tags: dict[str, str] = {}
    for tag in tag_list:
        key, value = tag.get("Key") or "", tag.get("Value") or ""
        if key.lower().startswith("aws:"):
            return {}, f"Your TagKey {key} cannot start with the reserved prefix aws:"
        if key in tags:
            return {}, f"Cannot provide multiple Tags with the same key {key}"
        tags[key] = value
    return tags, None
