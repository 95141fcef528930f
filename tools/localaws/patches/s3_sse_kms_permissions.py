"""SSE-KMS through S3 needs the caller's KMS permissions on the key, with S3's encryption context and the key policy.

Upstream gap (moto 5.2.5, ``S3Response._key_response_put`` / ``_key_response_get``, ``S3Backend.copy_object``):
moto stores an object's SSE-KMS key id but never uses KMS, so a role that may write or read the objects of a
bucket encrypted with a customer managed key may do so without any KMS permission, with a policy whose
``kms:EncryptionContext:aws:s3:arn`` names the wrong ARN, or with a key whose key policy refuses it. On AWS
each of these is AccessDenied: S3 calls KMS on the caller's behalf, as the caller.

This patch makes the IAM enforcement (``iam_session_enforcement``) check, for requests signed by a role
session, the KMS calls S3 makes for it, per "Using server-side encryption with AWS KMS keys (SSE-KMS)"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms) and
"Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html, "Changes to note before enabling an
S3 Bucket Key"):

- PutObject, CopyObject (destination) and CreateMultipartUpload of an SSE-KMS object (request headers, else
  the bucket's default encryption): ``kms:GenerateDataKey`` on the key (CreateMultipartUpload also
  ``kms:Decrypt``, which the parts need); GetObject of an SSE-KMS object and the source of CopyObject /
  UploadPartCopy: ``kms:Decrypt`` on the object's key.
- Request keys: ``kms:ViaService`` = ``s3.<bucket Region>.amazonaws.com``, ``kms:EncryptionContext:aws:s3:arn``
  = the object ARN, or the bucket ARN when the object is (or is written) with an S3 Bucket Key
  (``x-amz-server-side-encryption-bucket-key-enabled``, else the bucket's ``BucketKeyEnabled``), and
  ``kms:EncryptionContextKeys``.
- The key policy, per "Key policies in AWS KMS"
  (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html#key-policy-default-allow-root-enable-iam):
  a matching Deny refuses; a statement allowing the role (or its session) allows without an IAM policy;
  a statement allowing the account (``arn:...:root`` or the account id) lets the IAM policies decide; a key
  policy that allows neither refuses, whatever the IAM policies say. This holds for every KMS action a
  role session needs on an existing key, its own KMS calls included.

``replication_kms_authorizations`` and ``allows`` evaluate, with the same statement and condition code, the
KMS calls S3 Replication makes with a replication role (replicas are not copied by this endpoint).

Not modelled: the AWS managed key ``aws/s3`` (its key policy allows the account's principals through S3, so
no IAM permission is needed: not checked), a key id that does not exist (S3 answers KMS.NotFoundException; not
checked), grants, UploadPart/CompleteMultipartUpload, DSSE-KMS's context, SSE-KMS on HeadObject (S3 does not
decrypt), permissions boundaries against a key policy that names the role itself.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from . import _iam
from .iam_policy_conditions import statement_conditions_hold
from .iam_policy_statements import statement_effect

NAME = "s3_sse_kms_permissions"

WRITES = {"PutObject": ("kms:GenerateDataKey",), "CopyObject": ("kms:GenerateDataKey",),
          "CreateMultipartUpload": ("kms:GenerateDataKey", "kms:Decrypt")}
READS = {"GetObject"}
COPIES = {"CopyObject", "UploadPartCopy"}
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def apply() -> None:
    from moto.iam.access_control import AssumedRoleAccessKey, IAMRequestBase

    # s3_iam_action_names names the S3 permissions of a request; the KMS ones are added to them (without it
    # moto's own guess of the S3 action decides, and S3's KMS calls are not checked).
    s3_resolver = _iam.RESOLVERS.get("s3")

    def s3_with_kms(response):
        needed = s3_resolver(response)
        return None if needed is None else needed + kms_authorizations(response)

    original_check = IAMRequestBase.check_action_permitted

    def check_action_permitted(self, resource):
        key = _kms_key(resource) if self._action.lower().startswith("kms:") else None
        if key is None or not isinstance(self._access_key, AssumedRoleAccessKey):
            return original_check(self, resource)
        role_arn = self.backend.get_role(self._access_key._owner_role_name).arn
        principals = principal_names(role_arn, self._access_key.arn)
        decision = key_policy_decision(json.loads(key.policy), self._action, resource, principals,
                                       _iam.current_context() or {})
        if decision == "Deny":
            self._localaws_denial_reason = "of an explicit deny in the key policy"
            self._raise_access_denied()
        if decision == "Allow":  # the key policy names this role: no identity policy is needed
            return None
        if decision is None:
            self._localaws_denial_reason = f"no key policy statement allows the {self._action} action"
            self._raise_access_denied()
        return original_check(self, resource)  # "IAM": the key policy lets the account's IAM policies decide

    if s3_resolver is not None:
        _iam.RESOLVERS["s3"] = s3_with_kms
    IAMRequestBase.check_action_permitted = check_action_permitted


# --- what S3 asks KMS for, for one request ---

def kms_authorizations(response) -> list[_iam.Authorization]:
    from moto.core.routing import get_service_router

    try:
        operation, params = get_service_router("s3").match(response.normalized_request)
    except Exception:  # noqa: BLE001 - a request botocore cannot name: no KMS call to add
        return []
    name, bucket, key = operation.name, params.get("Bucket"), params.get("Key")
    headers = response.headers
    needed = []
    if name in WRITES and bucket and key:
        key_arn, bucket_key = written_encryption(bucket, headers)
        if key_arn:
            needed += [s3_kms_call(action, key_arn, bucket, key, bucket_key) for action in WRITES[name]]
    if name in READS and bucket and key:
        version = parse_qs(urlparse(response.uri).query).get("versionId", [None])[0]
        needed += _stored_object_decrypt(bucket, key, version)
    if name in COPIES and headers.get("x-amz-copy-source"):
        source, version = headers["x-amz-copy-source"].lstrip("/").partition("?versionId=")[::2]
        source_bucket, source_key = unquote(source).split("/", 1)
        needed += _stored_object_decrypt(source_bucket, source_key, version or None)
    return needed


def s3_kms_call(action: str, key_arn: str, bucket: str, key: str, bucket_key: bool,
                region: str | None = None) -> _iam.Authorization:
    """One KMS call S3 makes for an object of ``bucket`` (in ``region``, default: where the bucket is)."""
    partition = key_arn.split(":")[1]
    region = region or _bucket_region(bucket)
    context_arn = f"arn:{partition}:s3:::{bucket}" if bucket_key else f"arn:{partition}:s3:::{bucket}/{key}"
    return _iam.Authorization(action, key_arn, {
        "kms:ViaService": f"s3.{region}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": context_arn,
        "kms:EncryptionContextKeys": ["aws:s3:arn"]})


def written_encryption(bucket: str, headers) -> tuple[str | None, bool]:
    """(key ARN, bucket key on) of an SSE-KMS write with a customer managed key, from the request or the bucket
    default; (None, False) for any other write."""
    default = (getattr(_bucket(bucket), "encryption", None) or {}).get("Rule") or {}
    by_default = default.get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = headers.get("x-amz-server-side-encryption")
    key_id = headers.get("x-amz-server-side-encryption-aws-kms-key-id")
    if not algorithm:
        algorithm, key_id = by_default.get("SSEAlgorithm"), by_default.get("KMSMasterKeyID")
    if algorithm not in KMS_ALGORITHMS or not key_id:
        return None, False
    bucket_key = headers.get("x-amz-server-side-encryption-bucket-key-enabled")
    if bucket_key is None:
        bucket_key = default.get("BucketKeyEnabled")
    return _key_arn(key_id, bucket), _true(bucket_key)


def _stored_object_decrypt(bucket: str, key: str, version: str | None) -> list[_iam.Authorization]:
    stored = _object(bucket, key, version)
    if stored is None or stored.encryption not in KMS_ALGORITHMS or not stored.kms_key_id:
        return []
    key_arn = _key_arn(stored.kms_key_id, bucket)
    return [s3_kms_call("kms:Decrypt", key_arn, bucket, key, _true(stored.bucket_key_enabled))] if key_arn else []


# --- the key policy ---

def principal_names(role_arn: str, session_arn: str) -> set[str]:
    """The key-policy principal values that name a role session: the role, the session, its account."""
    partition, account = role_arn.split(":")[1], role_arn.split(":")[4]
    return {role_arn, session_arn, account, f"arn:{partition}:iam::{account}:root", "*"}


def key_policy_decision(policy: dict[str, Any], action: str, resource: str, principals: set[str],
                        context: dict[str, Any]) -> str | None:
    """"Deny", "Allow" (the key policy names the principal), "IAM" (it allows the account, so IAM decides) or None."""
    account_names = {name for name in principals if name.isdigit() or name.endswith(":root")}
    decision = None
    for statement in _statements(policy):
        named = _named_principals(statement.get("Principal")) & principals
        if not named:
            continue
        effect = statement_effect(statement, action, resource, lambda _c, s=statement: statement_conditions_hold(s, context))
        if effect == "Deny":
            return "Deny"
        if effect == "Allow":
            decision = "Allow" if decision == "Allow" or named - account_names else "IAM"
    return decision


def _named_principals(principal) -> set[str]:
    if principal == "*":
        return {"*"}
    if not isinstance(principal, dict):
        return set()
    values = principal.get("AWS", [])
    return set([values] if isinstance(values, str) else values)


# --- S3 Replication with a role (for tests: this endpoint does not copy replicas) ---

def replication_kms_authorizations(source_bucket: str, source_region: str, source_key: str, source_bucket_key: bool,
                                   dest_bucket: str, dest_region: str, replica_key: str, dest_bucket_key: bool,
                                   key: str = "object") -> list[_iam.Authorization]:
    """The KMS calls S3 makes with the replication role to replicate one SSE-KMS object ("Replicating encrypted
    objects", https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html):
    decrypt the source object, encrypt the replica with the replica key, and read that key back."""
    return [s3_kms_call("kms:Decrypt", source_key, source_bucket, key, source_bucket_key, source_region),
            *(s3_kms_call(action, replica_key, dest_bucket, key, dest_bucket_key, dest_region)
              for action in ("kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"))]


def allows(policies: list[dict[str, Any]], authorization: _iam.Authorization, context: dict[str, Any] | None = None) -> bool:
    """Whether identity policies allow the authorization and none denies it (statements and conditions evaluated as
    ``iam_policy_statements`` and ``iam_policy_conditions`` evaluate them)."""
    context = {**(context or {}), **authorization.context}
    effects = {statement_effect(statement, authorization.action, authorization.resource,
                                lambda _c, s=statement: statement_conditions_hold(s, context))
               for policy in policies for statement in _statements(policy)}
    return "Allow" in effects and "Deny" not in effects


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement", [])
    return [statements] if isinstance(statements, dict) else statements


# --- moto state ---

def _true(value) -> bool:
    return str(value).lower() == "true"


def _bucket(name: str):
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(name)
    if not owner:
        return None
    partition, account = owner
    return s3_backends[account][partition].buckets.get(name)


def _bucket_region(name: str) -> str:
    bucket = _bucket(name)
    return bucket.region_name if bucket else "us-east-1"


def _object(bucket: str, key: str, version: str | None):
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    if not owner:
        return None
    try:
        return s3_backends[owner[1]][owner[0]].get_object(bucket, key, version_id=version)
    except Exception:  # noqa: BLE001 - a missing object or version: S3 answers its own error after this
        return None


def _key_arn(key_id: str, bucket: str) -> str | None:
    """The ARN of a key named as S3 names it (ARN, alias, id), looked up in the bucket's Region and account."""
    from moto.kms.models import kms_backends

    bucket_obj = _bucket(bucket)
    account, region = (bucket_obj.account_id, bucket_obj.region_name) if bucket_obj else (None, None)
    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        region, account = parts[3], parts[4]
    if not account or not region:
        return None
    try:
        return kms_backends[account][region].describe_key(key_id).arn
    except Exception:  # noqa: BLE001 - an unknown key: not modelled (S3 answers KMS.NotFoundException)
        return None


def _kms_key(resource: str):
    from moto.kms.models import kms_backends

    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
        return None
    return kms_backends[parts[4]][parts[3]].keys.get(parts[5][len("key/"):])
