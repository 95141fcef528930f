"""A bucket with object ownership BucketOwnerEnforced refuses ACLs and logging target grants.

Upstream gap (moto 5.2.5): the ownership setting is stored and answered, never enforced.

- User Guide, "Troubleshooting" of Object Ownership (object-ownership-error-responses): with
  BucketOwnerEnforced "ACLs are disabled. Requests to set ACLs or update ACLs fail with a 400 error
  and return the AccessControlListNotSupported error code. [...] In your PUT operations, you must
  either specify bucket owner full control ACLs or not specify an ACL." This patch lets through
  no ACL, the canned ``bucket-owner-full-control`` and ``private`` (both give the owner full
  control and nothing else) and an explicit grant of FULL_CONTROL to the bucket owner only; every
  other ACL on PutBucketAcl, PutObjectAcl, PutObject, CopyObject and CreateMultipartUpload is
  refused.
- API reference, ``PutBucketLogging``: "If the target bucket for log delivery uses the bucket owner
  enforced setting for S3 Object Ownership, you can't use the Grantee request element to grant
  access to others" (``TargetGrant``: "Buckets that use the bucket owner enforced setting for
  Object Ownership don't support target grants"). The documentation names no error code; S3
  answers 400 InvalidArgument, as here.
"""
from __future__ import annotations

import xmltodict

from ._s3 import error_response, explicit_acl_headers, refuse_before_puts, requested_acl

NAME = "s3_bucket_owner_enforced"
OWNER_ONLY_CANNED_ACLS = ("private", "bucket-owner-full-control")


def apply() -> None:
    def bucket_refusal(response, request, bucket_name, querystring):
        if "acl" in querystring and _enforced(response.backend, bucket_name):
            return _acl_refusal(response, querystring, request.headers, bucket_name)
        if "logging" in querystring:
            return _target_grants_refusal(response.backend, response.body, bucket_name)
        return None

    def object_refusal(response, query, headers, bucket_name):
        if _enforced(response.backend, bucket_name):
            return _acl_refusal(response, query, headers, bucket_name)
        return None

    refuse_before_puts(bucket_refusal, object_refusal)


def _bucket(backend, bucket_name: str):
    try:
        return backend.get_bucket(bucket_name)
    except Exception:  # noqa: BLE001 - a missing bucket is moto's to report, with its own error
        return None


def _enforced(backend, bucket_name: str) -> bool:
    bucket = _bucket(backend, bucket_name)
    return bucket is not None and bucket.ownership_rule == "BucketOwnerEnforced"


def _acl_refusal(response, query, headers, bucket_name: str):
    from moto.s3.models import OWNER

    canned = headers.get("x-amz-acl")
    if canned in OWNER_ONLY_CANNED_ACLS:
        return None
    if canned is None:
        if not explicit_acl_headers(headers) and "acl" not in query:
            return None
        acl = requested_acl(response, query, headers)  # explicit grants: allowed when they are the owner's alone
        if acl is not None and all(grantee.id == OWNER and not grantee.uri and grant.permissions == ["FULL_CONTROL"]
                                   for grant in acl.grants for grantee in grant.grantees):
            return None
    return error_response(400, "AccessControlListNotSupported", "The bucket does not allow ACLs", bucket_name)


def _target_grants_refusal(backend, body, bucket_name: str):
    try:
        enabled = (xmltodict.parse(body)["BucketLoggingStatus"] or {}).get("LoggingEnabled") or {}
    except Exception:  # noqa: BLE001 - a malformed body is moto's to refuse
        return None
    if not enabled.get("TargetGrants") or not _enforced(backend, enabled.get("TargetBucket") or ""):
        return None
    return error_response(400, "InvalidArgument", "Target grants are not supported for a target bucket with the "
                          "bucket owner enforced setting for Object Ownership; grant access with a bucket policy",
                          bucket_name)
