"""Block Public Access refuses public bucket policies and public ACLs.

Upstream gap (moto 5.2.5): the Block Public Access settings are stored and answered, never
enforced. S3 refuses, per the bucket's settings (API reference, ``PublicAccessBlockConfiguration``;
the account-level settings S3 combines with them are not applied here):

- ``BlockPublicPolicy``: "reject calls to PUT Bucket policy if the specified bucket policy allows
  public access" - 403 AccessDenied.
- ``BlockPublicAcls``: "PUT Bucket ACL and PUT Object ACL calls fail if the specified ACL is public.
  PUT Object calls fail if the request includes a public ACL." - 403 AccessDenied.

What is public follows "The meaning of public" (User Guide, access-control-block-public-access):
an ACL is public when it grants to AllUsers or AuthenticatedUsers; a bucket policy is public when
an Allow statement names a wildcard principal and no condition fixes it to one of the documented
keys (aws:SourceIp with a CIDR narrower than everything, aws:SourceArn, aws:SourceVpc,
aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, s3:x-amz-server-side-encryption-aws-kms-key-id,
aws:userid outside "AROLEID:*") with values free of wildcards.
"""
from __future__ import annotations

import json

from ._s3 import error_response, refuse_before_puts, requested_acl

NAME = "s3_block_public_access"
PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
FIXING_CONDITION_KEYS = ("aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner",
                         "aws:sourceaccount", "s3:x-amz-server-side-encryption-aws-kms-key-id", "aws:userid")
EVERY_ADDRESS = ("0.0.0.0/0", "::/0")


def apply() -> None:
    def bucket_refusal(response, request, bucket_name, querystring):
        if "policy" in querystring and _blocks(response.backend, bucket_name, "BlockPublicPolicy"):
            return _policy_refusal(response.body, bucket_name)
        if ("acl" in querystring or not querystring) and _blocks(response.backend, bucket_name, "BlockPublicAcls"):
            return _acl_refusal(response, querystring, request.headers, bucket_name)
        return None

    def object_refusal(response, query, headers, bucket_name):
        if _blocks(response.backend, bucket_name, "BlockPublicAcls"):
            return _acl_refusal(response, query, headers, bucket_name)
        return None

    refuse_before_puts(bucket_refusal, object_refusal)


def _blocks(backend, bucket_name: str, setting: str) -> bool:
    """Whether the bucket's Block Public Access has ``setting`` on (the account-level setting, which S3
    combines with it, is not applied here: the collection never sets it)."""
    try:
        block = backend.get_bucket(bucket_name).public_access_block
    except Exception:  # noqa: BLE001 - a missing bucket is moto's to report
        return False
    attribute = {"BlockPublicPolicy": "block_public_policy", "BlockPublicAcls": "block_public_acls"}[setting]
    return bool(block and getattr(block, attribute))


def _access_denied(bucket_name: str):
    return error_response(403, "AccessDenied", "Access Denied", bucket_name)


def _acl_refusal(response, query, headers, bucket_name: str):
    acl = requested_acl(response, query, headers)
    if acl is not None and any(grantee.uri in PUBLIC_GROUPS for grant in acl.grants for grantee in grant.grantees):
        return _access_denied(bucket_name)
    return None


def _policy_refusal(body, bucket_name: str):
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return None  # moto's to refuse as malformed
    return _access_denied(bucket_name) if policy_is_public(document) else None


def policy_is_public(document: dict) -> bool:
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") == "Allow" and _wildcard_principal(statement) and not _fixed_by_condition(statement):
            return True
    return False


def _wildcard_principal(statement: dict) -> bool:
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    values = principal.values() if isinstance(principal, dict) else []
    return any(value == "*" or (isinstance(value, list) and "*" in value) for value in values)


def _fixed_by_condition(statement: dict) -> bool:
    for operator, keys in (statement.get("Condition") or {}).items():
        if operator.lower().startswith("not") or operator.lower().endswith("ifexists"):
            continue
        for key, values in keys.items():
            values = values if isinstance(values, list) else [values]
            if key.lower() not in FIXING_CONDITION_KEYS or not values:
                continue
            if any(not isinstance(value, str) or "*" in value or "?" in value or value in EVERY_ADDRESS
                   for value in values):
                continue
            return True
    return False
