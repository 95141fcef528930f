# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket facts and the secure DR bucket: Region, ownership, versioning, object lock, creation."""

from __future__ import annotations

import json
from typing import Any

from .errors import DRError, absent_on, error_code, error_message
from .policies import DEFAULT_PARTITION, tls_only_bucket_policy
from .result import Result
from .waiting import BUCKET_SETTLING_CODES, retry_while

BLOCK_ALL_PUBLIC_ACCESS = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                           "RestrictPublicBuckets": True}
DISCOVERY_REGION = "us-east-1"  # where a bucket's Region is asked when no Region of the task's partition is known
BUCKET_SETTLING_SECONDS = 60


def region_of_location(location_constraint: str | None) -> str:
    """GetBucketLocation reports us-east-1 as no constraint and eu-west-1 as the legacy 'EU'."""
    if not location_constraint:
        return "us-east-1"
    return "eu-west-1" if location_constraint == "EU" else location_constraint


def head_bucket_region(response: dict[str, Any]) -> str | None:
    """The Region HeadBucket answered (``BucketRegion``, the x-amz-bucket-region header), or None when the store
    sent none (some S3-compatible stores)."""
    headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    return response.get("BucketRegion") or headers.get("x-amz-bucket-region")


def source_bucket_region(clients, bucket: str, expected_owner: str | None = None, near_region: str | None = None
                         ) -> str:
    """The Region of a bucket this account must own, or a clear error.

    HeadBucket's x-amz-bucket-region first, which AWS recommends over GetBucketLocation (GetBucketLocation, S3 API
    Reference), asked in ``near_region`` (any Region of the task's partition: botocore follows S3's redirect to
    the bucket's Region). Where HeadBucket is refused (it needs s3:ListBucket) or names no Region, GetBucketLocation,
    which S3 keeps for backward compatibility. With ``expected_owner`` (an account id), S3 refuses a bucket of any
    other account (AccessDenied).
    """
    owner = {"ExpectedBucketOwner": expected_owner} if expected_owner else {}
    s3 = clients("s3", near_region or DISCOVERY_REGION)
    try:
        region = head_bucket_region(s3.head_bucket(Bucket=bucket, **owner))
    except Exception as error:
        if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
            raise DRError(f"Source bucket {bucket} does not exist. Check the name, or create it first.",
                          bucket=bucket, cause=error) from error
        region = None
    if region:
        return region
    try:
        location = s3.get_bucket_location(Bucket=bucket, **owner)["LocationConstraint"]
    except Exception as error:
        code = error_code(error)
        if code == "NoSuchBucket":
            raise DRError(f"Source bucket {bucket} does not exist. Check the name, or create it first.",
                          bucket=bucket, cause=error)
        if code in ("AccessDenied", "AllAccessDisabled"):
            raise DRError(f"Source bucket {bucket} is not readable with these credentials (AccessDenied): it belongs "
                          "to another account or s3:GetBucketLocation is not allowed.", bucket=bucket, cause=error)
        raise DRError(f"Cannot find the Region of source bucket {bucket}: {error_message(error)}",
                      bucket=bucket, cause=error)
    return region_of_location(location)


def listed_buckets(s3) -> list[dict[str, Any]]:
    """Every bucket of the account as ListBuckets answers it (``Name``, ``BucketRegion`` where S3 gives it), all pages."""
    listed: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_buckets").paginate():
        listed.extend(page.get("Buckets", []))
    return listed


def listed_bucket_region(s3, listed: dict[str, Any]) -> str:
    """The Region of a bucket from ``listed_buckets``: its ``BucketRegion``, or GetBucketLocation where S3 gave none."""
    return listed.get("BucketRegion") or region_of_location(
        s3.get_bucket_location(Bucket=listed["Name"])["LocationConstraint"])


def dest_bucket_state(s3, bucket: str, region: str, account_id: str) -> bool:
    """True when the DR bucket exists in ``region`` and this account owns it; False when it is missing.

    A bucket owned by another account, or in another Region, is an error: replicating into it
    would either fail later or send the data somewhere the user did not ask for.
    """
    try:
        response = s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=account_id)
    except Exception as error:
        code = error_code(error)
        if code in ("404", "NoSuchBucket", "NotFound"):
            return False
        if code in ("403", "AccessDenied", "Forbidden"):
            raise DRError(f"DR bucket {bucket} exists but is not owned by account {account_id} (or is not readable "
                          "with these credentials). Choose another dest_bucket or dest_suffix; for a DR bucket in "
                          "another account, set dest_account (s3_crr_enable) or dest_account_role_arn (the clone).", bucket=bucket, region=region, cause=error)
        raise DRError(f"Cannot check DR bucket {bucket}: {error_message(error)}", bucket=bucket, region=region,
                      cause=error)
    _require_dr_region(s3, bucket, region, head_bucket_region(response))
    return True


def _require_dr_region(s3, bucket: str, region: str, known_region: str | None = None) -> None:
    """The bucket, which exists (HeadBucket or CreateBucket said so), is in ``region``; S3 may still answer
    NoSuchBucket for a bucket seconds old, which is waited out."""
    actual = known_region or region_of_location(retry_while(
        lambda: s3.get_bucket_location(Bucket=bucket)["LocationConstraint"], ("NoSuchBucket",), BUCKET_SETTLING_SECONDS,
        f"waiting for DR bucket {bucket}, which S3 reported as existing, to be readable", first_delay=0.5))
    if actual != region:
        raise DRError(f"DR bucket {bucket} exists in {actual}, not in the DR Region {region}. Choose another "
                      "dest_bucket, or set dest_region to {actual}.".replace("{actual}", actual),
                      bucket=bucket, region=region)


# Tags CloudFormation puts on every bucket a stack creates.
CLOUDFORMATION_STACK_TAG = "aws:cloudformation:stack-name"


def iac_owner(tags: dict[str, str], owner_tag_keys: list[str]) -> str | None:
    """Who declares the bucket in code ('CloudFormation stack app', 'tag managed-by=terraform'), or None."""
    if CLOUDFORMATION_STACK_TAG in tags:
        return f"CloudFormation stack {tags[CLOUDFORMATION_STACK_TAG]}"
    key = next((key for key in owner_tag_keys if key in tags), None)
    return f"tag {key}={tags[key]}" if key else None


def bucket_tags(s3, bucket: str, expected_owner: str | None = None) -> dict[str, str] | None:
    """The bucket's tags ({} when it has none), or None when the bucket does not exist.

    With ``expected_owner`` (an account id) S3 itself refuses a bucket of any other account
    (ExpectedBucketOwner: 403 AccessDenied, raised to the caller), so a name cannot stand in for
    someone else's bucket.
    """
    owner = {"ExpectedBucketOwner": expected_owner} if expected_owner else {}
    try:
        response = absent_on(("NoSuchTagSet",), s3.get_bucket_tagging, Bucket=bucket, **owner)
    except Exception as error:
        if error_code(error) == "NoSuchBucket":
            return None
        raise
    return {tag["Key"]: tag["Value"] for tag in (response or {}).get("TagSet", [])}


def versioning_status(s3, bucket: str, known: dict[str, Any] | None = None) -> str:
    """Enabled, Suspended, or Disabled (never enabled): from the versioning category value in ``known`` (category
    values a run read or wrote), else read."""
    if known and "versioning" in known:
        return (known["versioning"] or {}).get("Status") or "Disabled"
    return s3.get_bucket_versioning(Bucket=bucket).get("Status") or "Disabled"


def replication_configuration(s3, bucket: str) -> dict[str, Any] | None:
    """The bucket's replication configuration as S3 answers it, or None when it has none."""
    response = absent_on(("ReplicationConfigurationNotFoundError",), s3.get_bucket_replication, Bucket=bucket)
    return response["ReplicationConfiguration"] if response else None


def ensure_versioning(s3, bucket: str, current: str, result: Result, check_mode: bool) -> str:
    """Enable versioning (never suspend it). Returns the status after."""
    if current == "Enabled":
        return current
    result.write(f"enable versioning on {bucket}", lambda: retry_while(
        lambda: s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}),
        BUCKET_SETTLING_CODES, BUCKET_SETTLING_SECONDS, f"enable versioning on {bucket}"), check_mode)
    return "Enabled"


def object_lock_enabled(s3, bucket: str) -> bool:
    response = absent_on(("ObjectLockConfigurationNotFoundError",), s3.get_object_lock_configuration, Bucket=bucket)
    return (response or {}).get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"


def object_lock_advice(bucket: str, region: str | None = None) -> str:
    """What to do about a DR bucket without Object Lock ("Configuring S3 Object Lock", S3 User Guide): S3 enables
    it at creation, or on an existing bucket whose versioning is Enabled with PutObjectLockConfiguration."""
    where, region_option = (f" in {region}", f"--region {region} ") if region else ("", "")
    return (f"Enable Object Lock on DR bucket {bucket}{where} (it cannot be turned off again): turn its "
            f"versioning on, then `aws s3api put-object-lock-configuration {region_option}--bucket {bucket} "
            "--object-lock-configuration ObjectLockEnabled=Enabled`; or use a new dest_bucket, which is created "
            "with Object Lock")


def create_secure_bucket(s3, bucket: str, region: str, kms_key_id: str | None, object_lock: bool,
                         result: Result, check_mode: bool, partition: str = DEFAULT_PARTITION) -> None:
    """Create a DR bucket locked down by default.

    Public access blocked, object ownership BucketOwnerEnforced (ACLs off), default encryption
    (SSE-S3, or SSE-KMS with ``kms_key_id``), a TLS-only bucket policy, versioning on, and
    Object Lock when the source has it (it can only be turned on at creation).
    """
    create: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if object_lock:
        create["ObjectLockEnabledForBucket"] = True

    def create_bucket():
        try:
            s3.create_bucket(**create)
        except Exception as error:
            code = error_code(error)
            if code == "BucketAlreadyExists":
                raise DRError(f"DR bucket name {bucket} is taken by another AWS account. Choose another dest_bucket "
                              "or dest_suffix.", bucket=bucket, region=region, cause=error)
            if code != "BucketAlreadyOwnedByYou":
                raise
            # Created a moment ago by a parallel run (a duplicate event, two jobs sharing a DR bucket):
            # lock it down the same way, which is idempotent, unless it is in another Region.
            _require_dr_region(s3, bucket, region)

    result.write(f"create DR bucket {bucket} in {region}" + (" with Object Lock" if object_lock else ""),
                 create_bucket, check_mode)
    # Ownership is set by CreateBucket itself; the other baseline pieces are separate calls.
    steps = baseline_writes(s3, bucket, kms_key_id, partition=partition)
    for gap in ("public access block", "default encryption", "TLS-only bucket policy"):
        _settled_write(bucket, *steps[gap], result, check_mode)
    _settled_write(bucket, "enable versioning", lambda: s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}), result, check_mode)
    if not check_mode:
        # S3 may answer NoSuchBucket to the first reads of a bucket seconds old; what reads it next must not fail.
        retry_while(lambda: s3.head_bucket(Bucket=bucket), ("NoSuchBucket", "404", "NotFound"), BUCKET_SETTLING_SECONDS,
                    f"waiting for new DR bucket {bucket} in {region} to be readable", first_delay=0.5)


def _settled_write(bucket: str, action: str, call, result: Result, check_mode: bool) -> None:
    """One write on a bucket that may be seconds old, retried while S3 still settles it."""
    result.write(f"{action} on {bucket}", lambda: retry_while(
        call, BUCKET_SETTLING_CODES, BUCKET_SETTLING_SECONDS, f"{action} on bucket {bucket}"), check_mode)


def baseline_writes(s3, bucket: str, kms_key_id: str | None, current_policy: dict[str, Any] | None = None,
                    partition: str = DEFAULT_PARTITION):
    """Gap name -> (action, call) that closes it: the secure baseline every DR bucket of the collection gets."""
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    if kms_key_id:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_id},
                "BucketKeyEnabled": True}
    policy = with_tls_only_statement(current_policy, bucket, partition)
    return {
        "public access block": ("block public access", lambda: s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=dict(BLOCK_ALL_PUBLIC_ACCESS))),
        "default encryption": ("set default encryption", lambda: s3.put_bucket_encryption(
            Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})),
        "TLS-only bucket policy": ("put TLS-only bucket policy", lambda: s3.put_bucket_policy(
            Bucket=bucket, Policy=json.dumps(policy))),
        "object ownership BucketOwnerEnforced": ("enforce bucket owner (ACLs off)", lambda: s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})),
    }


def with_tls_only_statement(policy: dict[str, Any] | None, bucket: str, partition: str = DEFAULT_PARTITION
                            ) -> dict[str, Any]:
    """``policy`` with the TLS-only deny statement added (kept as it is when it has one)."""
    baseline = tls_only_bucket_policy(bucket, partition)["Statement"][0]
    statements = list((policy or {}).get("Statement", []))
    if not any(statement.get("Sid") == baseline["Sid"] or _denies_plain_http(statement) for statement in statements):
        statements.append(baseline)
    return {"Version": (policy or {}).get("Version", "2012-10-17"), **(policy or {}), "Statement": statements}


def _denies_plain_http(statement: dict[str, Any]) -> bool:
    condition = (statement.get("Condition") or {}).get("Bool") or {}
    return statement.get("Effect") == "Deny" and str(condition.get("aws:SecureTransport", "")).lower() == "false"


def baseline_gaps(s3, bucket: str, known: dict[str, Any] | None = None) -> tuple[list[str], dict[str, Any] | None]:
    """Where an existing bucket is weaker than the baseline (gap names of ``baseline_writes``), and its policy.

    Reads only what ``known`` (clone category name -> value as the categories read it) does not hold.
    On AWS every bucket has at least SSE-S3 since 2023, so "default encryption" is a gap only when
    GetBucketEncryption says there is none.
    """
    from .categories import REGISTRY  # here: the categories themselves use this module

    known = known or {}

    def value(name: str) -> Any:
        return known[name] if name in known else REGISTRY[name].read(s3, bucket)

    block, encryption = value("public-access-block"), value("encryption")
    policy, ownership = value("policy"), value("ownership-controls")
    gaps = []
    if any(not (block or {}).get(name) for name in BLOCK_ALL_PUBLIC_ACCESS):
        gaps.append("public access block")
    if encryption is None:
        gaps.append("default encryption")
    if not any(_denies_plain_http(statement) for statement in (policy or {}).get("Statement", [])):
        gaps.append("TLS-only bucket policy")
    if ownership != "BucketOwnerEnforced":
        gaps.append("object ownership BucketOwnerEnforced")
    return gaps, policy


def harden_bucket(s3, bucket: str, gaps: list[str], policy: dict[str, Any] | None, kms_key_id: str | None,
                  result: Result, check_mode: bool, partition: str = DEFAULT_PARTITION) -> None:
    """Close the gaps ``baseline_gaps`` found, with the same writes a new DR bucket gets."""
    steps = baseline_writes(s3, bucket, kms_key_id, policy, partition)
    for gap in gaps:
        _settled_write(bucket, *steps[gap], result, check_mode)


def baseline_gaps_warning(bucket: str, region: str, gaps: list[str]) -> str:
    return (f"DR bucket {bucket} in {region} is weaker than the DR buckets this collection creates: "
            + "; ".join(f"no {gap}" if gap != "public access block" else "public access not fully blocked"
                        for gap in gaps)
            + ". Set harden_dest: true to apply the secure baseline, or fix it yourself.")


def default_encryption_rules(s3, bucket: str) -> list[dict[str, Any]] | None:
    """The bucket's default encryption rules, or None when it has none."""
    response = absent_on(("ServerSideEncryptionConfigurationNotFoundError",), s3.get_bucket_encryption, Bucket=bucket)
    return response["ServerSideEncryptionConfiguration"]["Rules"] if response else None


def default_kms_key(s3, bucket: str) -> str | None:
    """The KMS key of the bucket's default encryption, if it uses one."""
    for rule in default_encryption_rules(s3, bucket) or []:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm", "").startswith("aws:kms") and default.get("KMSMasterKeyID"):
            return default["KMSMasterKeyID"]
    return None
