"""Replication into another account's bucket needs that account's bucket policy (and key policy) to allow the role.

Upstream gap (moto 5.2.5, and ``s3_object_replication`` alone): the endpoint replicates into a destination
bucket of any account, whatever that bucket's policy says, so a cross-account DR setup that forgot the DR
account's side looks healthy.

On AWS ("Configuring replication when the source and destination buckets are owned by different accounts",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-walkthrough-2.html, and "Granting
permissions when the source and destination buckets are owned by different AWS accounts" in
setting-repl-config-perm-overview.html) the destination bucket owner must grant the source account's
replication role, in the destination bucket policy, the replication actions on the replicas
(``s3:ReplicateObject``, ``s3:ReplicateDelete``, ``s3:ReplicateTags`` when the object has tags, and
``s3:ObjectOwnerOverrideToBucketOwner`` with ``AccessControlTranslation``); without them the source version's
replication status is FAILED. A replica KMS key of the destination account must, likewise, allow the role in
its key policy (``kms:GenerateDataKey``, ``kms:Encrypt``; replication-config-for-kms-objects.html, "Granting
additional permissions for cross-account scenarios").

This patch registers that check in ``s3_object_replication.DESTINATION_CHECKS``. Statements are evaluated with
the statement and condition code the other policy patches use (``s3_sse_kms_permissions.key_policy_decision``):
a statement applies when its Principal names the role, its account (id or root ARN) or ``*``; a matching Deny
refuses; an Allow naming the role allows; an Allow naming the role's account leaves it to that account's IAM
policies, which this endpoint does not evaluate for replication (allowed). Request keys: ``aws:PrincipalArn``,
``aws:PrincipalAccount``, ``aws:SecureTransport`` (true), ``aws:ResourceAccount``.

Same-account replication is not checked here (the role's own policies are not modelled).
"""
from __future__ import annotations

import json

NAME = "s3_replication_cross_account"

REPLICA_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Encrypt")


def apply() -> None:
    from . import s3_object_replication

    s3_object_replication.DESTINATION_CHECKS.append(cross_account_refusal)


def cross_account_refusal(source_bucket, rule: dict, dest_bucket, key_name: str, actions: list[str]) -> str | None:
    """Why the destination account's policies do not let the source's replication role write, or None."""
    if dest_bucket.account_id == source_bucket.account_id:
        return None
    role = (getattr(source_bucket, "replication", None) or {}).get("Role") or ""
    context = {"aws:PrincipalArn": role, "aws:PrincipalAccount": source_bucket.account_id,
               "aws:SecureTransport": True, "aws:ResourceAccount": dest_bucket.account_id,
               "s3:ResourceAccount": dest_bucket.account_id}
    policy = json.loads(dest_bucket.policy) if dest_bucket.policy else {}
    resource = f"arn:aws:s3:::{dest_bucket.name}/{key_name}"
    refused = [action for action in actions if not _allowed(policy, action, resource, role, context)]
    if refused:
        return (f"the bucket policy of {dest_bucket.name} (account {dest_bucket.account_id}) does not allow role "
                f"{role} {', '.join(refused)} on {resource}")
    replica_key = (rule["Destination"].get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
    key = _kms_key(replica_key) if replica_key else None
    if key is not None and key.account_id != source_bucket.account_id:
        kms_context = {**context, "aws:ResourceAccount": key.account_id, "kms:CallerAccount": source_bucket.account_id,
                       "kms:ViaService": f"s3.{dest_bucket.region_name}.amazonaws.com"}
        refused = [action for action in REPLICA_KEY_ACTIONS
                   if not _allowed(json.loads(key.policy), action, key.arn, role, kms_context)]
        if refused:
            return f"the key policy of {key.arn} does not allow role {role} {', '.join(refused)}"
    return None


def _allowed(policy: dict, action: str, resource: str, role: str, context: dict) -> bool:
    from .s3_sse_kms_permissions import key_policy_decision, principal_names

    if not role.startswith("arn:"):
        return False
    return key_policy_decision(policy, action, resource, principal_names(role, role), context) in ("Allow", "IAM")


def _kms_key(key_id: str):
    """The moto key an ARN names (a replica key of another account is always given as an ARN), or None."""
    from moto.kms.models import kms_backends

    parts = key_id.split(":", 5)
    if len(parts) != 6 or parts[2] != "kms":
        return None
    try:
        return kms_backends[parts[4]][parts[3]].describe_key(key_id)
    except Exception:  # noqa: BLE001 - an unknown key: S3 would fail the replication on its own terms, not modelled
        return None
