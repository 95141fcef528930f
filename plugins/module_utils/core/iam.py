# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed replication role: created or brought in line, never wider than needed."""

from __future__ import annotations

import json
from typing import Any

from .errors import DRError, error_code
from .policies import canonical_policy
from .result import Result

INLINE_POLICY_NAME = "s3-replication"
ROLE_PATH = "/service-role/"
MANAGED_BY_TAG = {"Key": "managed-by", "Value": "resilience.s3_dr"}


def role_arn(iam, account_id: str, role_name: str) -> str:
    """The ARN of the role, existing (whatever its path) or as ensure_role will create it.

    An existing role must carry our managed-by tag: ensure_role rewrites its trust and inline policy,
    which must never happen to a role someone else relies on.
    """
    role = _get_role(iam, role_name)
    if role is None:
        return _new_role_arn(account_id, role_name)
    if MANAGED_BY_TAG not in (role.get("Tags") or []):
        raise DRError(f"IAM role {role_name} exists and is not managed by resilience.s3_dr (it has no tag "
                      f"{MANAGED_BY_TAG['Key']}={MANAGED_BY_TAG['Value']}), so its policies are left as they are. "
                      f"Give it as role_arn to use it unchanged, or choose another role_name.")
    return role["Arn"]


def _new_role_arn(account_id: str, role_name: str) -> str:
    return f"arn:aws:iam::{account_id}:role{ROLE_PATH}{role_name}"


def ensure_role(iam, account_id: str, role_name: str, trust_policy: dict[str, Any], policy: dict[str, Any], description: str,
                result: Result, check_mode: bool) -> tuple[str, bool]:
    """Create or update the role and its inline policy. Returns (role ARN, created now)."""
    role = _get_role(iam, role_name)

    def put_inline_policy():
        iam.put_role_policy(RoleName=role_name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(policy))

    if role is None:
        created = {}
        result.write(f"create IAM role {role_name}", lambda: created.update(iam.create_role(
            RoleName=role_name, Path=ROLE_PATH, Description=description,
            AssumeRolePolicyDocument=json.dumps(trust_policy), Tags=[MANAGED_BY_TAG])["Role"]), check_mode)
        result.write(f"put inline policy {INLINE_POLICY_NAME} on IAM role {role_name}", put_inline_policy, check_mode)
        return created.get("Arn") or _new_role_arn(account_id, role_name), True

    if canonical_policy(role["AssumeRolePolicyDocument"]) != canonical_policy(trust_policy):
        result.write(f"update the trust policy of IAM role {role_name}", lambda: iam.update_assume_role_policy(
            RoleName=role_name, PolicyDocument=json.dumps(trust_policy)), check_mode)
    if canonical_policy(_inline_policy(iam, role_name)) != canonical_policy(policy):
        result.write(f"put inline policy {INLINE_POLICY_NAME} on IAM role {role_name}", put_inline_policy, check_mode)
    return role["Arn"], False


def _get_role(iam, role_name: str) -> dict[str, Any] | None:
    try:
        return iam.get_role(RoleName=role_name)["Role"]
    except Exception as error:  # botocore ClientError; the core does not import botocore's types
        if error_code(error) == "NoSuchEntity":
            return None
        raise DRError(f"Cannot read IAM role {role_name}: {error}. Check iam:GetRole permission.", cause=error)


def _inline_policy(iam, role_name: str) -> Any:
    try:
        return iam.get_role_policy(RoleName=role_name, PolicyName=INLINE_POLICY_NAME)["PolicyDocument"]
    except Exception as error:
        if error_code(error) == "NoSuchEntity":
            return None
        raise
