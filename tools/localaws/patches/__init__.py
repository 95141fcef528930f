"""Fidelity patches to moto, one module per upstream gap.

Each module has a docstring naming the gap it closes, a ``NAME``, and ``apply()``. The registry
below is the order they are applied in. ``LocalAWS(disabled_patches=...)`` leaves some out so a
test can show the gap is real.
"""
from __future__ import annotations

import importlib

PATCH_MODULES = (
    "s3_replication_roundtrip",
    "s3_lifecycle_roundtrip",
    "s3_logging_roundtrip",
    "s3_notification_roundtrip",
    "s3_inventory_roundtrip",
    "s3_inventory_delete",
    "s3_accelerate_roundtrip",
    "s3_versioning_roundtrip",
    "s3_object_lock_roundtrip",
    "s3_object_lock_existing_objects",
    "s3_acl_roundtrip",
    "s3_bucket_subresources",
    "s3_list_buckets_pagination",
    "s3_expected_bucket_owner",
    "s3_bucket_policy_conditions",
    "policy_principals_exist",
    "lambda_subprocess_invoke",
    "lambda_environment_limit",
    "lambda_async_retries",
    "events_target_payload",
    "events_lambda_targets",
    "events_schedule_rules",
    "sns_lambda_delivery",
    "dynamodb_table_id",
    "cloudtrail_trail_name_list",
    "cloudtrail_delete_by_arn",
    "s3_create_bucket_tags",  # before s3_cloudtrail_events: the tags exist when the event is sent
    "s3_cloudtrail_events",
    "s3_block_public_access",
    "s3_bucket_owner_enforced",
    "s3_default_encryption",
    "s3_notification_destinations",
    "cloudformation_stack_tags",
    "s3control_regional_access_points",
    "s3control_mrap_async",
    "s3control_mrap_routes",  # after s3control_mrap_async: routes are read from the access points it makes
    "s3_mrap_requests",
    "s3_object_replication",
    "s3_object_owners",  # after it: registers the replica hook giving replicas their source's owner
    "s3_replication_owner_override",  # after s3_object_owners: its hook runs last
    "s3_replication_cross_account",
    "s3control_batch_replication",  # replicates existing versions through s3_object_replication
    # IAM for the sessions Lambda functions run with; the hub first, then what it consults.
    "iam_session_enforcement",
    "iam_policy_statements",
    "iam_policy_conditions",
    "iam_permissions_boundary",
    "iam_request_resources",
    "s3control_job_permissions",
    "iam_access_denied_errors",
    "iam_role_lookup_snapshot",
    "sts_access_key_info",
    "sts_assume_role_trust",
    "s3_iam_action_names",  # it wraps the S3 handlers the other S3 patches installed
    "s3_sse_kms_permissions",  # after it: adds the KMS calls S3 makes to its S3 permissions
)


def apply_patches(disabled: set[str] | frozenset[str] = frozenset()) -> list[str]:
    unknown = set(disabled) - set(PATCH_MODULES)
    if unknown:
        raise SystemExit(f"unknown patch names: {', '.join(sorted(unknown))}; known: {', '.join(PATCH_MODULES)}")
    applied = []
    for name in PATCH_MODULES:
        if name in disabled:
            continue
        importlib.import_module(f"{__name__}.{name}").apply()
        applied.append(name)
    return applied
