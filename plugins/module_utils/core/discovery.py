# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run learns once and every step reuses, so that no step asks AWS again.

``Discovery`` is shared by the threads of one run: the caller's identity (one STS call per run) and each
source bucket's Region (from the tag selection's listing, else one HeadBucket per bucket).
``PairFacts`` belongs to one bucket pair: the DR bucket's existence, and the category values each side
holds now, as read once or as written by this run. A DR bucket this run created is known, not read back.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .buckets import BLOCK_ALL_PUBLIC_ACCESS, source_bucket_region, with_tls_only_statement
from .clients import assumed_role_clients
from .errors import DRError, describe_error
from .policies import DEFAULT_PARTITION


class Discovery:
    """Facts about the account and the source buckets, asked for at most once per run."""

    def __init__(self, regions: dict[str, str] | None = None):
        self._lock = threading.Lock()
        self._identity: dict[str, Any] | None = None
        self._regions: dict[str, str] = dict(regions or {})
        self._tags: dict[str, dict[str, str]] = {}
        self._assumed: dict[str, Any] = {}

    def identity(self, clients, region: str) -> dict[str, Any]:
        """STS GetCallerIdentity (Account, Arn), once per run."""
        with self._lock:
            if self._identity is None:
                response = clients("sts", region).get_caller_identity()
                self._identity = {"Account": response["Account"], "Arn": response["Arn"]}
            return self._identity

    def assumed_clients(self, clients, role_arn: str, region: str):
        """Clients with the credentials of ``role_arn`` (the DR account's role), assumed once per run."""
        with self._lock:
            if role_arn not in self._assumed:
                try:
                    self._assumed[role_arn] = assumed_role_clients(clients, role_arn, region)
                except Exception as error:
                    caller = self._identity["Arn"] if self._identity else "the caller"
                    raise DRError(f"cannot assume {role_arn} ({describe_error(error)}): that role's trust policy must "
                                  f"let {caller} call sts:AssumeRole, and the caller must be allowed to assume it",
                                  region=region, cause=error) from error
            return self._assumed[role_arn]

    def remember(self, bucket: str, region: str, tags: dict[str, str] | None = None) -> None:
        """What a listing learnt about a source bucket: its Region, and its tags when they were read."""
        with self._lock:
            self._regions[bucket] = region
            if tags is not None:
                self._tags[bucket] = tags

    def known_source_values(self, bucket: str) -> dict[str, Any]:
        """Category values of the source bucket read by the selection (its tags): not read again."""
        with self._lock:
            return {"tagging": self._tags[bucket] or None} if bucket in self._tags else {}

    def source_region(self, clients, bucket: str, near_region: str | None = None) -> str:
        """The bucket's Region: known from the selection's listing, else asked once (``buckets.source_bucket_region``,
        in ``near_region``, a Region of the task's partition)."""
        with self._lock:
            known = self._regions.get(bucket)
        if known:
            return known
        region = source_bucket_region(clients, bucket, near_region=near_region)
        with self._lock:
            self._regions[bucket] = region
        return region


@dataclass
class PairFacts:
    """One bucket pair's state as this run knows it (a category missing from a dict: not known, read it)."""

    dest_exists: bool | None = None
    dest_created: bool = False  # by this run: its settings are the baseline, its object listing empty
    source_values: dict[str, Any] = field(default_factory=dict)
    dest_values: dict[str, Any] = field(default_factory=dict)


# What GetBucketVersioning, GetBucketOwnershipControls, ... answer for a bucket nothing was put on.
_UNSET_ON_NEW_BUCKET = ("lifecycle", "cors", "website", "logging", "notification", "tagging", "accelerate",
                        "request-payment", "analytics", "metrics", "inventory", "intelligent-tiering", "access-points")


def new_dr_bucket_values(bucket: str, kms_key_id: str | None, object_lock: bool, owner_id: str | None,
                         partition: str = DEFAULT_PARTITION) -> dict[str, Any]:
    """The category values of a DR bucket ``buckets.create_secure_bucket`` just made, as the categories read them.

    ``owner_id`` is the canonical id of the account (the source bucket's ACL owner; None: ACL not known).
    """
    encryption: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                  "BucketKeyEnabled": False}
    if kms_key_id:
        encryption = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_id},
                      "BucketKeyEnabled": True}
    values: dict[str, Any] = dict.fromkeys(_UNSET_ON_NEW_BUCKET)
    values.update({
        "ownership-controls": "BucketOwnerEnforced",
        "public-access-block": dict(BLOCK_ALL_PUBLIC_ACCESS),
        "policy": with_tls_only_statement(None, bucket, partition),
        "encryption": [encryption],
        "versioning": {"Status": "Enabled"},
        "object-lock": {"ObjectLockEnabled": "Enabled"} if object_lock else None,
    })
    if owner_id:
        values["acl"] = {"Owner": owner_id, "Grants": [
            {"Grantee": {"ID": owner_id, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]}
    return values
