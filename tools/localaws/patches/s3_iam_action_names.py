"""S3 requests are authorized as the IAM actions AWS checks, on the bucket and object ARNs they touch.

Upstream gap (moto 5.2.5, ``moto.s3.responses.ACTION_MAP``): moto names the IAM action from the
HTTP method and a few query flags, so most S3 operations are checked as the wrong action:
GetBucketReplication, GetBucketEncryption, GetBucketOwnershipControls and GetObjectLockConfiguration
as ``s3:ListBucket``; PutBucketReplication, PutBucketEncryption, PutBucketOwnershipControls and
PutObjectLockConfiguration as ``s3:CreateBucket``; HeadBucket as ``s3:HeadBucket`` (no such
action); GetPublicAccessBlock as ``s3:GetPublicAccessBlock`` (AWS: ``s3:GetBucketPublicAccessBlock``);
CopyObject only as ``s3:PutObject`` on the destination (the source object is never checked);
PutBucketReplication never needs ``iam:PassRole`` for its role. Sub-resources the endpoint adds
(request payment, metrics, analytics, intelligent tiering) are not checked at all.

This patch names each operation's action(s) from botocore's operation model, per "Required
permissions for Amazon S3 API operations"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html) and the
Service Authorization Reference for Amazon S3
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html), and checks
them once per request before moto handles it. Additional permissions: CopyObject/UploadPartCopy
need ``s3:GetObject`` (``s3:GetObjectVersion`` with a version) on the source; PutBucketReplication
needs ``iam:PassRole`` on its role with ``iam:PassedToService`` = ``s3.amazonaws.com``;
DeleteObjects needs ``s3:DeleteObject`` on each key; a ``versionId`` makes object reads, tag and
ACL calls and deletes their ``...Version...`` action; ``x-amz-tagging`` / ACL headers add
``s3:PutObjectTagging`` / ``s3:PutObjectAcl``; CreateBucket with Object Lock, an ACL or object
ownership adds ``s3:PutBucketObjectLockConfiguration`` + ``s3:PutBucketVersioning``,
``s3:PutBucketAcl``, ``s3:PutBucketOwnershipControls``.

The KMS permissions S3 uses on the caller's behalf for SSE-KMS objects are added by
``s3_sse_kms_permissions``. Not modelled: CopyObject's tag copy
(``s3:GetObjectTagging`` on the source), S3 Object Lambda, access points and directory buckets.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse
from xml.sax.saxutils import unescape

from . import _iam

NAME = "s3_iam_action_names"

# Bucket-level operations: the IAM action when it differs from the operation name.
BUCKET_ACTIONS = {
    "HeadBucket": "ListBucket", "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions", "ListMultipartUploads": "ListBucketMultipartUploads",
    "GetBucketCors": "GetBucketCORS", "PutBucketCors": "PutBucketCORS", "DeleteBucketCors": "PutBucketCORS",
    "GetBucketEncryption": "GetEncryptionConfiguration", "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketReplication": "GetReplicationConfiguration", "PutBucketReplication": "PutReplicationConfiguration",
    "DeleteBucketReplication": "PutReplicationConfiguration",
    "GetBucketLifecycle": "GetLifecycleConfiguration", "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycle": "PutLifecycleConfiguration", "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "DeleteBucketTagging": "PutBucketTagging", "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
    "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
    "ListBucketInventoryConfigurations": "GetInventoryConfiguration",
    "PutBucketInventoryConfiguration": "PutInventoryConfiguration",
    "DeleteBucketInventoryConfiguration": "PutInventoryConfiguration",
    "GetBucketMetricsConfiguration": "GetMetricsConfiguration", "ListBucketMetricsConfigurations": "GetMetricsConfiguration",
    "PutBucketMetricsConfiguration": "PutMetricsConfiguration", "DeleteBucketMetricsConfiguration": "PutMetricsConfiguration",
    "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
    "ListBucketAnalyticsConfigurations": "GetAnalyticsConfiguration",
    "PutBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "DeleteBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "GetBucketIntelligentTieringConfiguration": "GetIntelligentTieringConfiguration",
    "ListBucketIntelligentTieringConfigurations": "GetIntelligentTieringConfiguration",
    "PutBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
    "DeleteBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
}
# Object-level operations: the IAM action, and the one used when the request names a versionId.
OBJECT_ACTIONS = {
    "GetObject": ("GetObject", "GetObjectVersion"), "HeadObject": ("GetObject", "GetObjectVersion"),
    "GetObjectAttributes": ("GetObjectAttributes", "GetObjectVersionAttributes"),
    "PutObject": ("PutObject", "PutObject"), "CreateMultipartUpload": ("PutObject", "PutObject"),
    "UploadPart": ("PutObject", "PutObject"), "CompleteMultipartUpload": ("PutObject", "PutObject"),
    "CopyObject": ("PutObject", "PutObject"), "UploadPartCopy": ("PutObject", "PutObject"),
    "AbortMultipartUpload": ("AbortMultipartUpload", "AbortMultipartUpload"),
    "ListParts": ("ListMultipartUploadParts", "ListMultipartUploadParts"),
    "DeleteObject": ("DeleteObject", "DeleteObjectVersion"),
    "GetObjectTagging": ("GetObjectTagging", "GetObjectVersionTagging"),
    "PutObjectTagging": ("PutObjectTagging", "PutObjectVersionTagging"),
    "DeleteObjectTagging": ("DeleteObjectTagging", "DeleteObjectVersionTagging"),
    "GetObjectAcl": ("GetObjectAcl", "GetObjectVersionAcl"), "PutObjectAcl": ("PutObjectAcl", "PutObjectVersionAcl"),
    "GetObjectRetention": ("GetObjectRetention", "GetObjectRetention"),
    "PutObjectRetention": ("PutObjectRetention", "PutObjectRetention"),
    "GetObjectLegalHold": ("GetObjectLegalHold", "GetObjectLegalHold"),
    "PutObjectLegalHold": ("PutObjectLegalHold", "PutObjectLegalHold"),
    "RestoreObject": ("RestoreObject", "RestoreObject"), "SelectObjectContent": ("GetObject", "GetObject"),
}
ACL_HEADERS = ("x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
               "x-amz-grant-write-acp", "x-amz-grant-full-control")


def apply() -> None:
    from moto.iam.access_control import S3IAMRequest
    from moto.s3.responses import S3Response

    def authorized_first(original):
        def handle(self, request, full_url):
            if _iam.ENFORCED:
                _iam.authorize(self, S3IAMRequest, None)
            return original(self, request, full_url)
        return handle

    S3Response._bucket_response = authorized_first(S3Response._bucket_response)
    S3Response._key_response = authorized_first(S3Response._key_response)
    _iam.RESOLVERS["s3"] = s3_authorizations


def s3_authorizations(response) -> list[_iam.Authorization] | None:
    from moto.core.routing import get_service_router
    from moto.utilities.utils import get_partition

    try:
        operation, params = get_service_router("s3").match(response.normalized_request)
    except Exception:  # noqa: BLE001 - a request botocore cannot name: moto's own guess decides
        return None
    name, arn = operation.name, f"arn:{get_partition(response.region)}:s3:::"
    bucket, key = params.get("Bucket"), params.get("Key")
    headers, query = response.headers, parse_qs(urlparse(response.uri).query, keep_blank_values=True)
    if name == "ListBuckets":
        return [_iam.Authorization("s3:ListAllMyBuckets", f"{arn}*")]
    if name == "DeleteObjects":
        return [_iam.Authorization("s3:DeleteObjectVersion" if version else "s3:DeleteObject", f"{arn}{bucket}/{k}")
                for k, version in _deleted_keys(response.raw_body)] or [
                    _iam.Authorization("s3:DeleteObject", f"{arn}{bucket}/*")]
    if name in OBJECT_ACTIONS:
        action, version_action = OBJECT_ACTIONS[name]
        needed = [_iam.Authorization(f"s3:{version_action if 'versionId' in query else action}", f"{arn}{bucket}/{key}")]
        needed += _copy_source(headers.get("x-amz-copy-source"), arn)
        if name in ("PutObject", "CopyObject", "CreateMultipartUpload"):
            if headers.get("x-amz-tagging"):
                needed.append(_iam.Authorization("s3:PutObjectTagging", f"{arn}{bucket}/{key}"))
            if any(header in headers for header in ACL_HEADERS):
                needed.append(_iam.Authorization("s3:PutObjectAcl", f"{arn}{bucket}/{key}"))
            if headers.get("x-amz-object-lock-mode"):
                needed.append(_iam.Authorization("s3:PutObjectRetention", f"{arn}{bucket}/{key}"))
            if headers.get("x-amz-object-lock-legal-hold"):
                needed.append(_iam.Authorization("s3:PutObjectLegalHold", f"{arn}{bucket}/{key}"))
        return needed
    needed = [_iam.Authorization(f"s3:{BUCKET_ACTIONS.get(name, name)}", f"{arn}{bucket}")]
    if name == "CreateBucket":
        if (headers.get("x-amz-bucket-object-lock-enabled") or "").lower() == "true":
            needed += [_iam.Authorization("s3:PutBucketObjectLockConfiguration", f"{arn}{bucket}"),
                       _iam.Authorization("s3:PutBucketVersioning", f"{arn}{bucket}")]
        if any(header in headers for header in ACL_HEADERS):
            needed.append(_iam.Authorization("s3:PutBucketAcl", f"{arn}{bucket}"))
        if headers.get("x-amz-object-ownership"):
            needed.append(_iam.Authorization("s3:PutBucketOwnershipControls", f"{arn}{bucket}"))
    if name == "PutBucketReplication":
        role = _replication_role(response.raw_body)
        if role:
            needed.append(_iam.Authorization("iam:PassRole", role, {"iam:PassedToService": "s3.amazonaws.com"}))
    return needed


def _copy_source(header: str | None, arn: str) -> list[_iam.Authorization]:
    """``x-amz-copy-source: /bucket/key?versionId=v`` (URL-encoded) -> read permission on that object."""
    if not header:
        return []
    source, version_query = header.lstrip("/").partition("?versionId=")[::2]
    source = unquote(source)
    return [_iam.Authorization("s3:GetObjectVersion" if version_query else "s3:GetObject", f"{arn}{source}")]


def _deleted_keys(body) -> list[tuple[str, str | None]]:
    text = body.decode() if isinstance(body, bytes) else body or ""
    objects = re.findall(r"<Object>(.*?)</Object>", text, re.S)
    found = []
    for item in objects:
        key = re.search(r"<Key>(.*?)</Key>", item, re.S)
        version = re.search(r"<VersionId>(.*?)</VersionId>", item, re.S)
        if key:
            found.append((unescape(key.group(1)), version.group(1) if version else None))
    return found


def _replication_role(body) -> str | None:
    text = body.decode() if isinstance(body, bytes) else body or ""
    match = re.search(r"<Role>(.*?)</Role>", text, re.S)
    return match.group(1).strip() if match else None
