# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM and bucket policy documents: the least-privilege ones we write, and how they are compared."""

from __future__ import annotations

import json
from typing import Any, Iterable

VERSION = "2012-10-17"
# The commercial partition: what a function builds ARNs in when its caller gives no partition (the core's callers
# always give the caller identity's, so that aws-cn and aws-us-gov get their own ARNs).
DEFAULT_PARTITION = "aws"

# The collection's permissions boundary for the replication roles it creates (IAM managed policy).
BOUNDARY_POLICY_PATH = "/resilience-s3dr/"
BOUNDARY_POLICY_NAME = "s3dr-replication-role-boundary"
# Every action a replication role may ever be given: S3 replication and KMS through S3, nothing else.
REPLICATION_SOURCE_ACTIONS = ("s3:GetReplicationConfiguration", "s3:ListBucket")
REPLICATION_SOURCE_OBJECT_ACTIONS = ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                                     "s3:GetObjectVersionTagging", "s3:GetObjectRetention", "s3:GetObjectLegalHold")
REPLICATION_WRITE_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
                             "s3:ObjectOwnerOverrideToBucketOwner")
REPLICATION_KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")


def bucket_arn(bucket: str, partition: str = DEFAULT_PARTITION) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def s3_endpoint_host(region: str, partition: str = DEFAULT_PARTITION) -> str:
    """S3's host name in a Region (``kms:ViaService`` values): s3.<region>.<the partition's DNS suffix>."""
    from .validation import dns_suffix  # botocore's partition data, read when needed

    return f"s3.{region}.{dns_suffix(partition)}"


def s3_encryption_contexts(arn: str) -> list[str]:
    """The ``kms:EncryptionContext:aws:s3:arn`` values S3 uses for a bucket's SSE-KMS objects.

    Without an S3 Bucket Key the context is the object ARN; with one it is the bucket ARN ("Changes to note
    before enabling an S3 Bucket Key", S3 User Guide). A bucket may switch, and objects keep the context they
    were written with, so a policy allows both.
    """
    return [arn, f"{arn}/*"]


def arn_partition(arn: str) -> str:
    """The partition of an ARN (aws, aws-cn, aws-us-gov, ...), e.g. of the caller's identity."""
    return arn.split(":")[1]


def boundary_policy_name(dest_accounts: Iterable[str] = ()) -> str:
    """One boundary per set of DR accounts: the same-account one, or one naming the other accounts it allows."""
    others = sorted(set(dest_accounts))
    return "-".join([BOUNDARY_POLICY_NAME, *others])


def boundary_policy_arn(partition: str, account_id: str, dest_accounts: Iterable[str] = ()) -> str:
    return f"arn:{partition}:iam::{account_id}:policy{BOUNDARY_POLICY_PATH}{boundary_policy_name(dest_accounts)}"


def replication_boundary_policy(partition: str, account_id: str, dest_accounts: Iterable[str] = ()) -> dict[str, Any]:
    """The most a replication role may ever do, whatever its own policy says.

    Reads only from this account's buckets; writes replicas only into buckets of this account or of
    the DR accounts named; KMS only through S3 with keys of those accounts. So a role created by a
    compromised pipeline function can never copy data out to an account nobody chose.
    """
    write_accounts = sorted({account_id, *dest_accounts})
    buckets, objects = f"arn:{partition}:s3:::*", f"arn:{partition}:s3:::*/*"
    return {"Version": VERSION, "Statement": [
        {"Sid": "ReadReplicationSourcesOfThisAccount", "Effect": "Allow",
         "Action": list(REPLICATION_SOURCE_ACTIONS + REPLICATION_SOURCE_OBJECT_ACTIONS), "Resource": [buckets, objects],
         "Condition": {"StringEquals": {"aws:ResourceAccount": account_id}}},
        {"Sid": "WriteReplicasIntoChosenAccounts", "Effect": "Allow", "Action": list(REPLICATION_WRITE_ACTIONS),
         "Resource": [objects], "Condition": {"StringEquals": {"aws:ResourceAccount": write_accounts}}},
        {"Sid": "UseKmsKeysOnlyThroughS3", "Effect": "Allow", "Action": list(REPLICATION_KMS_ACTIONS),
         "Resource": [f"arn:{partition}:kms:*:{account}:key/*" for account in write_accounts],
         "Condition": {"StringLike": {"kms:ViaService": s3_endpoint_host("*", partition)}}},
    ]}


def replication_trust_policy(account_id: str, source_bucket: str, partition: str = DEFAULT_PARTITION) -> dict[str, Any]:
    """S3 may assume the role, only on behalf of this account's source bucket (no confused deputy)."""
    return {
        "Version": VERSION,
        "Statement": [{
            "Sid": "S3ReplicationAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": bucket_arn(source_bucket, partition)},
            },
        }],
    }


def replication_role_policy(source_bucket: str, source_region: str, dest_bucket: str, dest_region: str,
                            source_kms_keys: Iterable[str] = (), replica_kms_keys: Iterable[str] = (),
                            owner_override: bool = False, object_lock: bool = False,
                            partition: str = DEFAULT_PARTITION) -> dict[str, Any]:
    """What S3 replication needs, scoped to the exact source and DR bucket ARNs and KMS keys."""
    source, dest = bucket_arn(source_bucket, partition), bucket_arn(dest_bucket, partition)
    read = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    if object_lock:
        # S3 copies each version's retention and legal hold, which it reads with these (Object Lock and replication).
        read += ["s3:GetObjectRetention", "s3:GetObjectLegalHold"]
    replicate = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    if owner_override:
        replicate.append("s3:ObjectOwnerOverrideToBucketOwner")
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadSourceReplicationConfiguration", "Effect": "Allow",
         "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": [source]},
        {"Sid": "ReadSourceObjectVersions", "Effect": "Allow", "Action": read, "Resource": [f"{source}/*"]},
        {"Sid": "WriteReplicasToDrBucket", "Effect": "Allow", "Action": replicate, "Resource": [f"{dest}/*"]},
    ]
    source_kms_keys, replica_kms_keys = sorted(set(source_kms_keys)), sorted(set(replica_kms_keys))
    if source_kms_keys:
        statements.append({
            "Sid": "DecryptSourceObjects", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": source_kms_keys,
            "Condition": {"StringLike": {"kms:ViaService": s3_endpoint_host(source_region, partition),
                                         "kms:EncryptionContext:aws:s3:arn": s3_encryption_contexts(source)}},
        })
    if replica_kms_keys:
        # kms:Decrypt too: S3 reads back the data key of a replica it writes with these keys (replication of
        # SSE-KMS objects, "Replicating encrypted objects" in the S3 User Guide).
        statements.append({
            "Sid": "EncryptReplicas", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": replica_kms_keys,
            "Condition": {"StringLike": {"kms:ViaService": s3_endpoint_host(dest_region, partition),
                                         "kms:EncryptionContext:aws:s3:arn": s3_encryption_contexts(dest)}},
        })
    return {"Version": VERSION, "Statement": statements}


def tls_only_bucket_policy(bucket: str, partition: str = DEFAULT_PARTITION) -> dict[str, Any]:
    arn = bucket_arn(bucket, partition)
    return {"Version": VERSION, "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]}


def canonical_policy(policy: str | dict[str, Any] | None) -> str:
    """A policy as a canonical JSON string: equal for documents IAM or S3 treat as equal."""
    if policy is None:
        return ""
    document = json.loads(policy) if isinstance(policy, str) else policy
    return json.dumps(_canonical(document), sort_keys=True)


def _canonical(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {name: _canonical(item, name) for name, item in value.items()}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        if len(items) == 1 and key not in ("Statement",):
            return items[0]  # "Action": ["x"] means "Action": "x"
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


# What a DR (vault) account grants the source account's replication role on its DR bucket ("Configuring
# replication when the source and destination buckets are owned by different accounts", S3 User Guide,
# replication-walkthrough-2): writing replicas, delete markers and tags; changing the replica owner when the
# rules ask for it; reading the bucket's versioning, which S3 checks before it replicates.
DR_BUCKET_OBJECT_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags")
DR_BUCKET_BUCKET_ACTIONS = ("s3:GetBucketVersioning", "s3:ListBucket")
# What the replication role does with a replica key of the DR account (the role policy's EncryptReplicas).
DR_KEY_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")


DR_ACCESS_SID_PREFIX = "S3DrReplicas"


def dr_access_sid(role_arn: str, part: str) -> str:
    """The Sid of a statement granting ``role_arn`` replication into the DR account: one per role and part, so
    several source accounts or roles can share a DR bucket and each run touches only its own statements."""
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    return DR_ACCESS_SID_PREFIX + part + account + "".join(char for char in name.title() if char.isalnum())[:40]


def dr_access_statements(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The statements of a DR bucket's policy that grant a source account's replication role access (the DR
    account's own, written by ``dest_access``): a clone of the source's policy keeps them."""
    statements = (policy or {}).get("Statement", [])
    return [statement for statement in ([statements] if isinstance(statements, dict) else statements)
            if str(statement.get("Sid", "")).startswith(DR_ACCESS_SID_PREFIX)]


def _role_principal(role_arn: str) -> dict[str, Any]:
    """Principal and Condition naming a role by its account and ARN. AWS refuses a policy whose Principal names a
    role that does not exist yet ("Invalid principal in policy"), and a role ARN Principal stops matching once
    the role is deleted and made again; the account with ``aws:PrincipalArn`` has neither problem, so the DR
    account can let a replication role in before the source account has made it."""
    root = f"arn:{arn_partition(role_arn)}:iam::{role_arn.split(':')[4]}:root"
    return {"Principal": {"AWS": root}, "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}}}


def dr_bucket_statements(dest_bucket: str, role_arn: str, owner_override: bool = False) -> list[dict[str, Any]]:
    """The DR bucket policy statements letting another account's replication role replicate into it."""
    arn = bucket_arn(dest_bucket, arn_partition(role_arn))
    objects = list(DR_BUCKET_OBJECT_ACTIONS) + (["s3:ObjectOwnerOverrideToBucketOwner"] if owner_override else [])
    return [
        {"Sid": dr_access_sid(role_arn, "Objects"), "Effect": "Allow", **_role_principal(role_arn),
         "Action": objects, "Resource": f"{arn}/*"},
        {"Sid": dr_access_sid(role_arn, "Bucket"), "Effect": "Allow", **_role_principal(role_arn),
         "Action": list(DR_BUCKET_BUCKET_ACTIONS), "Resource": arn},
    ]


def dr_key_statement(role_arn: str, dest_region: str) -> dict[str, Any]:
    """The key policy statement letting another account's replication role encrypt replicas, through S3 only."""
    principal = _role_principal(role_arn)
    return {"Sid": dr_access_sid(role_arn, "Key"), "Effect": "Allow", "Principal": principal["Principal"],
            "Action": list(DR_KEY_ACTIONS), "Resource": "*",
            "Condition": {**principal["Condition"],
                          "StringEquals": {"kms:ViaService": s3_endpoint_host(dest_region, arn_partition(role_arn))}}}


def with_statements(policy: dict[str, Any] | None, statements: list[dict[str, Any]], sids: Iterable[str]) -> dict[str, Any]:
    """``policy`` without its statements of ``sids``, plus ``statements`` (every other statement kept as it is)."""
    drop, current = set(sids), (policy or {}).get("Statement", [])
    kept = [statement for statement in ([current] if isinstance(current, dict) else current)
            if statement.get("Sid") not in drop]
    return {"Version": VERSION, **(policy or {}), "Statement": kept + list(statements)}
