# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket policy: every ARN naming the source bucket names the DR bucket.

Conditions that cannot be carried to another Region (aws:SourceVpce, aws:SourceVpc) are mapped
through policy_value_map; this account's access point ARNs of the source Region become those of the
DR Region (the access-points category recreates them there), others go through policy_value_map; a statement with an unmapped one is skipped and
reported, never carried as it is (it would grant or deny the wrong thing in the DR Region).
"""

from __future__ import annotations

import json
import re

from ..errors import describe_error, error_code
from ..policies import canonical_policy
from .base import Category, Unmapped, absent_on

REGION_BOUND_CONDITION_KEYS = ("aws:sourcevpce", "aws:sourcevpc", "s3:dataaccesspointarn")
ACCESS_POINT_ARN = re.compile(r"^arn:aws[\w-]*:s3:[a-z0-9-]+:\d{12}:accesspoint/")


class Policy(Category):
    name = "policy"

    def read(self, s3, bucket):
        response = absent_on(("NoSuchBucketPolicy",), s3.get_bucket_policy, Bucket=bucket)
        return json.loads(response["Policy"]) if response else None

    def normalize(self, value):
        return json.loads(canonical_policy(value)) if value is not None else None

    def rewrite(self, value, context):
        text = json.dumps(value)
        # The bucket name must end where the ARN part ends: "app" must not rewrite "app-logs".
        text = re.sub(rf"arn:aws:s3:::{re.escape(context.source_bucket)}(?=[/\"])",
                      f"arn:aws:s3:::{context.dest_bucket}", text)
        policy = json.loads(text)
        statements = policy.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        carried = []
        for index, statement in enumerate(statements):
            try:
                carried.append(_map_region_bound_values(statement, context))
            except Unmapped as problem:
                message = f"policy statement {statement.get('Sid', index)}: {problem}"
                if context.on_unmapped == "fail":
                    raise Unmapped(message) from problem
                context.skipped.append(message)
        if not carried:
            return None
        return {**policy, "Statement": carried}

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
            if key.lower() in REGION_BOUND_CONDITION_KEYS:
                where = f"condition {operator} {key}"
                if isinstance(values, list):
                    conditions[key] = [mapped(item, where) for item in values]
                else:
                    conditions[key] = mapped(values, where)
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
