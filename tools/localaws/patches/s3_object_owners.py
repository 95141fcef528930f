"""Each object version has an owner: the account that wrote it, with that account's canonical user ID.

Upstream gap (moto 5.2.5, ``S3Response._acl_to_dict``, ``S3Response.list_object_versions``): every owner is the
one constant canonical ID ``75aa57f0...``, whichever account wrote the object or owns the bucket, so nothing can
tell an object written by another account from the bucket owner's, nor who owns a replica.

On AWS ("Controlling ownership of objects", https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html;
"Find the canonical user ID", https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html):
an object is owned by the account that uploaded it, unless the bucket's Object Ownership is
``BucketOwnerEnforced`` (ACLs disabled), where the bucket owner owns every object; an owner is shown by its
canonical user ID (64 hex digits, one per account). A replica is owned by its source object's owner unless
the rule changes it (``s3_replication_owner_override``) ("Changing the replica owner", replication-change-owner.html).

This patch records the writer's account on each version written by PutObject / CopyObject /
CompleteMultipartUpload, gives each account its canonical user ID (moto's constant for moto's default account,
so single-account answers do not change; a stable hash of the account id for the others), and answers it as
``Owner`` (and the owner's grant) in GetObjectAcl and as ``Owner`` of ListObjectVersions entries. Replicas carry
their source's owner (``s3_object_replication.REPLICA_HOOKS``).

Not modelled: ``BucketOwnerPreferred`` with the ``bucket-owner-full-control`` ACL, owners in ListObjects(V2)
with FetchOwner, GetBucketAcl/ListBuckets owners (still moto's constant).
"""
from __future__ import annotations

import hashlib
import threading

NAME = "s3_object_owners"

_request = threading.local()


def canonical_user_id(account_id: str) -> str:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import OWNER

    if account_id == DEFAULT_ACCOUNT_ID:
        return OWNER
    return hashlib.sha256(f"localaws-canonical-user:{account_id}".encode()).hexdigest()


def owner_entry(account_id: str) -> dict[str, str]:
    """``Owner`` as S3 answers it; moto's default account keeps moto's display name."""
    from moto.core import DEFAULT_ACCOUNT_ID

    return {"ID": canonical_user_id(account_id), "DisplayName": "webfile" if account_id == DEFAULT_ACCOUNT_ID else account_id}


def owner_account(key) -> str:
    """The account owning this version: the bucket owner under BucketOwnerEnforced, else its writer."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(key.bucket_name)
    if owner:
        bucket = s3_backends[owner[1]][owner[0]].buckets.get(key.bucket_name)
        if bucket is not None and bucket.ownership_rule == "BucketOwnerEnforced":
            return bucket.account_id
    return getattr(key, "localaws_owner_account", None) or key.account_id


def apply() -> None:
    from moto.s3.models import OWNER, S3Backend
    from moto.s3.responses import S3Response

    from . import s3_object_replication

    original_put_object = S3Backend.put_object
    original_acl_to_dict = S3Response._acl_to_dict
    original_get_object_acl = S3Response.get_object_acl
    original_list_object_versions = S3Response.list_object_versions

    def put_object(self, *args, **kwargs):
        key = original_put_object(self, *args, **kwargs)
        key.localaws_owner_account = self.account_id  # the caller's backend: the writer's account
        return key

    def acl_to_dict(acl):
        result = original_acl_to_dict(acl)
        owner = getattr(_request, "owner", None)
        if owner:
            result["Owner"] = dict(owner)
            for grant in result["Grants"]:
                if grant["Grantee"].get("ID") == OWNER:
                    grant["Grantee"] = {**grant["Grantee"], **owner}
        return result

    def get_object_acl(self):
        try:
            key, _not_modified = self._get_key()
            _request.owner = owner_entry(owner_account(key))
        except Exception:  # noqa: BLE001 - the original answers the error (no such key, version...)
            _request.owner = None
        try:
            return original_get_object_acl(self)
        finally:
            _request.owner = None

    def list_object_versions(self):
        _request.versions = True
        try:
            return original_list_object_versions(self)
        finally:
            _request.versions = False

    original_serialized = S3Response.serialized

    def serialized(self, action_result):
        if getattr(_request, "versions", False):
            _set_version_owners(self, action_result)
        return original_serialized(self, action_result)

    def replica_owner(source_key, replica, _rule, _dest_bucket):
        replica.localaws_owner_account = owner_account(source_key)

    S3Backend.put_object = put_object
    S3Response._acl_to_dict = staticmethod(acl_to_dict)
    S3Response.get_object_acl = get_object_acl
    S3Response.list_object_versions = list_object_versions
    S3Response.serialized = serialized
    s3_object_replication.REPLICA_HOOKS.append(replica_owner)


def _set_version_owners(response, action_result) -> None:
    """Each ListObjectVersions entry's Owner: the owner of that version."""
    result = getattr(action_result, "result", None)
    if not isinstance(result, dict):
        return
    try:
        bucket = response.backend.get_bucket(response.bucket_name)
    except Exception:  # noqa: BLE001 - no such bucket: the original answers it
        return
    for entry in result.get("Versions") or []:
        version = next((item for item in bucket.keys.getlist(entry["Key"], [])
                        if str(item.version_id) == str(entry["VersionId"])), None)
        if version is not None:
            entry["Owner"] = owner_entry(owner_account(version))
