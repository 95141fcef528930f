# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed replication role: created or brought in line, never wider than needed."""

from __future__ import annotations

import json
import threading
import weakref
from typing import Any

from .errors import DRError, absent_on, error_code
from .policies import (BOUNDARY_POLICY_PATH, DEFAULT_PARTITION, boundary_policy_arn, boundary_policy_name, canonical_policy,
                       replication_boundary_policy)
from .result import Result
from .waiting import retry_while

INLINE_POLICY_NAME = "s3-replication"
ROLE_PATH = "/service-role/"
MANAGED_BY_TAG = {"Key": "managed-by", "Value": "resilience.s3_dr"}
MAX_POLICY_VERSIONS = 5  # IAM keeps at most five versions of a managed policy
ROLE_READABLE_SECONDS = 30


def managed_role(iam, account_id: str, role_name: str, partition: str = DEFAULT_PARTITION
                 ) -> tuple[str, dict[str, Any] | None]:
    """The ARN of the role, existing (whatever its path) or as ensure_role will create it, and the role as read
    (None: missing), which ``ensure_role(current=...)`` takes instead of reading it again.

    An existing role must carry our managed-by tag: ensure_role rewrites its trust and inline policy,
    which must never happen to a role someone else relies on.
    """
    role = _get_role(iam, role_name)
    if role is None:
        return managed_role_arn(account_id, role_name, partition), None
    if MANAGED_BY_TAG not in (role.get("Tags") or []):
        raise DRError(f"IAM role {role_name} exists and is not managed by resilience.s3_dr (it has no tag "
                      f"{MANAGED_BY_TAG['Key']}={MANAGED_BY_TAG['Value']}), so its policies are left as they are. "
                      f"Give it as role_arn to use it unchanged, or choose another role_name.")
    return role["Arn"], role


_UNREAD = object()


def managed_role_arn(account_id: str, role_name: str, partition: str = DEFAULT_PARTITION) -> str:
    """The ARN of a role the collection makes (under ROLE_PATH), known before the role exists."""
    return f"arn:{partition}:iam::{account_id}:role{ROLE_PATH}{role_name}"


def ensure_replication_boundary(iam, partition: str, account_id: str, dest_accounts, result: Result,
                                check_mode: bool, scope: Any = None) -> tuple[str, Any, dict[str, Any]]:
    """Create the collection's permissions boundary for replication roles, or bring its default version in line.

    Returns its ARN, the document it held before (None when it did not exist) and the document it holds now.
    The threads of a fleet ensure it once per ``scope`` (the run's Discovery, which every pair worker shares
    while each has its own IAM client), else once per IAM client: one check, never a CreatePolicy race
    between them; a CreatePolicy that finds it already there (another run, or a retry after a lost
    reply) converges on it.
    """
    others = sorted(set(dest_accounts) - {account_id})
    arn = boundary_policy_arn(partition, account_id, others)
    document = replication_boundary_policy(partition, account_id, others)
    key = (arn, canonical_policy(document))
    with _BOUNDARY_LOCK:
        ensured = _ENSURED_BOUNDARIES.setdefault(iam if scope is None else scope, set())
        if key in ensured:
            return arn, document, document
        previous = _ensure_managed_policy(iam, arn, boundary_policy_name(others), document, result, check_mode)
        if not check_mode:
            ensured.add(key)
    return arn, previous, document


_BOUNDARY_LOCK = threading.Lock()
# IAM client or run scope -> the boundaries already ensured through it (weak: its entries go with it).
_ENSURED_BOUNDARIES: "weakref.WeakKeyDictionary[Any, set[tuple[str, str]]]" = weakref.WeakKeyDictionary()


def _ensure_managed_policy(iam, arn: str, name: str, document: dict[str, Any], result: Result, check_mode: bool) -> Any:
    """Create the managed policy, or make ``document`` its default version. Returns the document it held before."""
    try:
        policy = (absent_on(("NoSuchEntity",), iam.get_policy, PolicyArn=arn) or {}).get("Policy")
    except Exception as error:
        raise DRError(f"Cannot read the permissions boundary policy {arn}: {error}. Check iam:GetPolicy "
                      "permission, or give permissions_boundary.", cause=error) from error
    if policy is None:
        try:
            result.write(f"create IAM policy {name} (permissions boundary of replication roles)", lambda: iam.create_policy(
                PolicyName=name, Path=BOUNDARY_POLICY_PATH, PolicyDocument=json.dumps(document), Tags=[MANAGED_BY_TAG],
                Description="resilience.s3_dr: the most an S3 replication role it creates may do"), check_mode)
            return None
        except Exception as error:
            if error_code(error) != "EntityAlreadyExists":
                raise
            policy = iam.get_policy(PolicyArn=arn)["Policy"]
    current = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    if canonical_policy(current) != canonical_policy(document):
        def new_default_version():
            versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
            if len(versions) >= MAX_POLICY_VERSIONS:
                oldest = min((version for version in versions if not version["IsDefaultVersion"]),
                             key=lambda version: version["CreateDate"])
                iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
        result.write(f"update IAM policy {name} (permissions boundary of replication roles)", new_default_version,
                     check_mode)
    return current


def ensure_role(iam, account_id: str, role_name: str, trust_policy: dict[str, Any], policy: dict[str, Any], description: str,
                result: Result, check_mode: bool, boundary_arn: str | None = None, current: Any = _UNREAD,
                partition: str = DEFAULT_PARTITION) -> tuple[str, bool]:
    """Create or update the role, its permissions boundary and its inline policy. Returns (role ARN, created now).

    The boundary is set before the inline policy is written, so the role never holds a policy without it.
    ``current``: the role as ``managed_role`` read it moments ago (None: missing), so it is not read again.
    """
    role = _get_role(iam, role_name) if current is _UNREAD else current

    def put_inline_policy():
        iam.put_role_policy(RoleName=role_name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(policy))

    if role is None:
        created = {}
        boundary = {"PermissionsBoundary": boundary_arn} if boundary_arn else {}

        def create_role():
            try:
                created.update(iam.create_role(
                    RoleName=role_name, Path=ROLE_PATH, Description=description,
                    AssumeRolePolicyDocument=json.dumps(trust_policy), Tags=[MANAGED_BY_TAG], **boundary)["Role"])
            except Exception as error:
                if error_code(error) != "EntityAlreadyExists":
                    raise
                # Our own CreateRole applied before its reply was lost (botocore repeated it), or a parallel run:
                # converge on it below, once it is proven ours.
                created["existing"] = True

        result.write(f"create IAM role {role_name}", create_role, check_mode)
        if not created.get("existing"):
            result.write(f"put inline policy {INLINE_POLICY_NAME} on IAM role {role_name}", put_inline_policy,
                         check_mode)
            return created.get("Arn") or managed_role_arn(account_id, role_name, partition), True
        role = _owned_role(iam, role_name)
        arn, _created = _converge_role(iam, role, role_name, trust_policy, policy, result, check_mode, boundary_arn,
                                       put_inline_policy)
        return arn, True  # seconds old, as far as we know: S3 may not accept it yet
    return _converge_role(iam, role, role_name, trust_policy, policy, result, check_mode, boundary_arn,
                          put_inline_policy)


def _owned_role(iam, role_name: str) -> dict[str, Any]:
    """The role that CreateRole found already there, if it carries our managed-by tag; a clear error otherwise."""
    # IAM is eventually consistent: the role CreateRole just saw may not be readable for a few seconds.
    role = retry_while(lambda: iam.get_role(RoleName=role_name)["Role"], ("NoSuchEntity",), ROLE_READABLE_SECONDS,
                       f"waiting for IAM role {role_name}, which CreateRole reported as existing, to be readable")
    if MANAGED_BY_TAG not in (role.get("Tags") or []):
        raise DRError(f"IAM role {role_name} was created meanwhile by someone else (it has no tag "
                      f"{MANAGED_BY_TAG['Key']}={MANAGED_BY_TAG['Value']}), so its policies are left as they are. "
                      "Give it as role_arn to use it unchanged, or choose another role_name.")
    return role


def _converge_role(iam, role: dict[str, Any], role_name: str, trust_policy: dict[str, Any], policy: dict[str, Any],
                   result: Result, check_mode: bool, boundary_arn: str | None, put_inline_policy) -> tuple[str, bool]:
    """Bring an existing managed role in line: boundary first, then trust, then the inline policy (which a run
    interrupted between CreateRole and PutRolePolicy left missing)."""
    current_boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary_arn and current_boundary != boundary_arn:
        result.write(f"set permissions boundary {boundary_arn} on IAM role {role_name}",
                     lambda: iam.put_role_permissions_boundary(RoleName=role_name, PermissionsBoundary=boundary_arn),
                     check_mode)
    if canonical_policy(role["AssumeRolePolicyDocument"]) != canonical_policy(trust_policy):
        result.write(f"update the trust policy of IAM role {role_name}", lambda: iam.update_assume_role_policy(
            RoleName=role_name, PolicyDocument=json.dumps(trust_policy)), check_mode)
    if canonical_policy(_inline_policy(iam, role_name)) != canonical_policy(policy):
        result.write(f"put inline policy {INLINE_POLICY_NAME} on IAM role {role_name}", put_inline_policy, check_mode)
    return role["Arn"], False


def _get_role(iam, role_name: str) -> dict[str, Any] | None:
    try:
        response = absent_on(("NoSuchEntity",), iam.get_role, RoleName=role_name)
    except Exception as error:  # botocore ClientError; the core does not import botocore's types
        raise DRError(f"Cannot read IAM role {role_name}: {error}. Check iam:GetRole permission.", cause=error)
    return response["Role"] if response else None


def _inline_policy(iam, role_name: str) -> Any:
    response = absent_on(("NoSuchEntity",), iam.get_role_policy, RoleName=role_name, PolicyName=INLINE_POLICY_NAME)
    return response["PolicyDocument"] if response else None
