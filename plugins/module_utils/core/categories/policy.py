# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket policy: every ARN naming the source bucket names the DR bucket.

Conditions that cannot be carried to another Region (aws:SourceVpce, aws:SourceVpc) are mapped
through policy_value_map; this account's access point ARNs of the source Region become those of the
DR Region (the access-points category recreates them there), other access points go through
policy_value_map; KMS keys in conditions (s3:x-amz-server-side-encryption-aws-kms-key-id) go through
kms_key_map; a statement with an unmapped one is skipped and reported, never carried as it is (it
would grant or deny the wrong thing in the DR Region).

A Deny that lets through only the principals or networks it lists ("deny unless the principal is
in this list", "deny unless through this VPC endpoint", NotPrincipal) is skipped and reported too:
on the DR bucket it would deny the replication role, the backfill and the pipeline's functions,
which it does not list (and replication never comes through a VPC endpoint or a source IP).
Conditional statements that hold for them on AWS are carried: TLS-only (aws:SecureTransport),
encryption headers (their KMS keys mapped), an organization (aws:PrincipalOrgID: the DR bucket's
account is in the same organization).

Principals AWS shows by unique ID (a deleted role or user) are left out and reported: AWS refuses them in a new
policy, and they can never sign a request again.

In cross-account DR the DR bucket's policy also holds the DR account's own statements letting the source
account's replication role in (Sid ``S3DrReplicas*``, written by ``dest_access``): they are kept whatever the
source's policy is, purge included, so a clone never undoes those grants.
"""

from __future__ import annotations

import json
import re

from ..buckets import with_tls_only_statement
from ..errors import absent_on, describe_error, error_code
from ..policies import bucket_arn, canonical_policy, dr_access_statements, with_statements
from .base import Category, Unmapped

REGION_BOUND_CONDITION_KEYS = ("aws:sourcevpce", "aws:sourcevpc", "s3:dataaccesspointarn")
KMS_KEY_CONDITION_KEYS = ("s3:x-amz-server-side-encryption-aws-kms-key-id",)
# Keys whose negated condition in a Deny lists the only callers let through.
ALLOW_LIST_CONDITION_KEYS = ("aws:principalarn", "aws:userid", "aws:username", "aws:principalaccount",
                             "aws:sourcevpce", "aws:sourcevpc", "aws:sourceip", "aws:vpcsourceip")
ACCESS_POINT_ARN = re.compile(r"^arn:aws[\w-]*:s3:[a-z0-9-]+:\d{12}:accesspoint/")
# What AWS shows in place of a role's (AROA...) or user's (AIDA...) ARN once that principal is deleted.
DELETED_PRINCIPAL_ID = re.compile(r"^A(RO|ID)A[A-Z0-9]{12,}$")


class Policy(Category):
    name = "policy"
    baseline_gap = "TLS-only bucket policy"

    def read(self, s3, bucket):
        response = absent_on(("NoSuchBucketPolicy",), s3.get_bucket_policy, Bucket=bucket)
        return json.loads(response["Policy"]) if response else None

    def normalize(self, value):
        return json.loads(canonical_policy(value)) if value is not None else None

    def rewrite(self, value, context):
        text = json.dumps(value)
        # The bucket name must end where the ARN part ends: "app" must not rewrite "app-logs".
        text = re.sub(rf"arn:[a-z-]+:s3:::{re.escape(context.source_bucket)}(?=[/\"])",
                      bucket_arn(context.dest_bucket, context.partition), text)
        policy = json.loads(text)
        statements = policy.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        carried = []
        for index, statement in enumerate(statements):
            statement = _without_deleted_principals(statement, index, context)
            if statement is None:
                continue
            try:
                _refuse_own_principal_denials(statement, context)
                carried.append(_map_region_bound_values(statement, context))
            except Unmapped as problem:
                message = f"policy statement {statement.get('Sid', index)}: {problem}"
                if context.on_unmapped == "fail":
                    raise Unmapped(message) from problem
                context.skipped.append(message)
        if not carried:
            return None
        return {**policy, "Statement": carried}

    def desired_given_dest(self, desired, dest_value):
        """The DR account's statements letting a replication role in (cross-account DR) are the DR side's own."""
        kept = dr_access_statements(dest_value)
        return with_statements(desired, kept, [statement["Sid"] for statement in kept]) if kept else desired

    def secure_baseline(self, desired, dest_value, context):
        return with_tls_only_statement(desired, context.dest_bucket, context.partition)

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(value))

    def delete(self, s3, bucket, current):
        s3.delete_bucket_policy(Bucket=bucket)

    def explain(self, error, dest_s3, dest_bucket):
        if error_code(error) == "AccessDenied" and _blocks_public_policy(dest_s3, dest_bucket):
            return ("refused by Block Public Access on the DR bucket: the source policy grants public access, and "
                    f"BlockPublicPolicy on {dest_bucket} (part of the secure baseline) refuses it; make the source "
                    "policy non-public, or leave the policy category out of the clone")
        return describe_error(error)


def _without_deleted_principals(statement, index, context):
    """The statement without principals AWS shows as unique IDs (a deleted role or user): AWS refuses them in a new
    policy ("Invalid principal in policy"), and they can never sign a request again, so leaving them out changes
    nothing the statement allows or denies. None when it named no one else."""
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or "AWS" not in principal:
        return statement
    values = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
    deleted = [value for value in values if DELETED_PRINCIPAL_ID.match(str(value))]
    if not deleted:
        return statement
    kept = [value for value in values if value not in deleted]
    context.skipped.append(
        f"policy statement {statement.get('Sid', index)}: principal(s) {', '.join(deleted)} are deleted IAM roles or "
        "users (AWS shows them by unique ID), which AWS refuses in a new policy; "
        + ("left out" if kept else "the statement names no one else and is left out"))
    if not kept:
        return None
    others = {key: value for key, value in principal.items() if key != "AWS"}
    return {**statement, "Principal": {**others, "AWS": kept if isinstance(principal["AWS"], list) else kept[0]}}


def _refuse_own_principal_denials(statement, context) -> None:
    """Unmapped for a Deny that would deny the collection's own principals on the DR bucket."""
    if statement.get("Effect") != "Deny":
        return
    if "NotPrincipal" in statement:
        raise Unmapped("Deny with NotPrincipal denies every principal it does not list; " + OWN_PRINCIPALS)
    for operator, conditions in (statement.get("Condition") or {}).items():
        base = operator.rpartition(":")[2].removesuffix("IfExists")
        if "Not" not in base:
            continue
        for key, values in conditions.items():
            if key.lower() not in ALLOW_LIST_CONDITION_KEYS:
                continue
            values = values if isinstance(values, list) else [values]
            if key.lower() == "aws:principalaccount" and context.account_id in values:
                continue  # our principals are this account's
            raise Unmapped(f"Deny unless condition {operator} {key} lets through only {', '.join(map(str, values))}; "
                           + OWN_PRINCIPALS)


OWN_PRINCIPALS = ("on the DR bucket it would deny the replication role, the backfill and the pipeline's functions, "
                  "which it does not list (replication never comes through a VPC endpoint or a source IP); add that "
                  "statement to the DR bucket yourself once it lets them through, or exclude the policy category")


def _map_region_bound_values(statement, context):
    def mapped(value, where):
        if ACCESS_POINT_ARN.match(value):
            return context.map_access_point_arn(value, where)
        if value in context.policy_value_map:
            return context.policy_value_map[value]
        raise Unmapped(f"{where} value {value} only exists in {context.source_region}; map it in policy_value_map")

    statement = json.loads(json.dumps(statement))
    for operator, conditions in (statement.get("Condition") or {}).items():
        for key, values in conditions.items():
            where = f"condition {operator} {key}"
            if key.lower() in REGION_BOUND_CONDITION_KEYS:
                map_value = mapped
            elif key.lower() in KMS_KEY_CONDITION_KEYS:
                map_value = context.map_kms_key
            else:
                continue
            if isinstance(values, list):
                conditions[key] = [map_value(item, where) for item in values]
            else:
                conditions[key] = map_value(values, where)
    for field in ("Resource", "NotResource"):
        resources = statement.get(field)
        if resources is None:
            continue
        items = resources if isinstance(resources, list) else [resources]
        items = [mapped(item, field) if ACCESS_POINT_ARN.match(item) else item for item in items]
        statement[field] = items if isinstance(resources, list) else items[0]
    return statement


def _blocks_public_policy(s3, bucket: str) -> bool:
    response = absent_on(("NoSuchPublicAccessBlockConfiguration",), s3.get_public_access_block, Bucket=bucket)
    return bool(response and response["PublicAccessBlockConfiguration"].get("BlockPublicPolicy"))
