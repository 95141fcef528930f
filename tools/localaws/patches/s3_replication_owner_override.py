"""Replicas of a rule with ``AccessControlTranslation`` (owner override) are owned by the destination bucket's account.

Upstream gap (moto 5.2.5, and ``s3_object_replication`` alone): the rule's ``Destination.AccessControlTranslation``
is stored and ignored; a replica in another account's bucket keeps its source object's owner, so the DR account
would not own its own copies.

On AWS ("Changing the replica owner", https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html):
"By default, the source object owner also owns the replica"; with ``AccessControlTranslation`` ``Owner:
Destination`` (which needs ``Destination.Account``) S3 makes the destination bucket's owner the replica's owner,
and the replica's ACL grants that owner full control. (A destination bucket with Object Ownership
``BucketOwnerEnforced`` owns every object anyway; ``s3_object_owners`` answers that.)

This patch registers, after ``s3_object_owners``' hook (which gives a replica its source's owner), a
``s3_object_replication.REPLICA_HOOKS`` hook that gives it the destination bucket's account instead when the
rule says so. The permission the override needs (``s3:ObjectOwnerOverrideToBucketOwner`` in the destination
bucket policy) is checked by ``s3_replication_cross_account``.
"""
from __future__ import annotations

NAME = "s3_replication_owner_override"


def apply() -> None:
    from . import s3_object_replication

    s3_object_replication.REPLICA_HOOKS.append(override_owner)


def override_owner(_source_key, replica, rule: dict, dest_bucket) -> None:
    if (rule["Destination"].get("AccessControlTranslation") or {}).get("Owner") == "Destination":
        replica.localaws_owner_account = dest_bucket.account_id
