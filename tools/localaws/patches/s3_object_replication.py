"""Objects written to a bucket with replication rules are replicated, asynchronously, per the rules.

Upstream gap (moto 5.2.5, ``S3Backend.put_bucket_replication``): the replication configuration is
stored and never acted on; no object reaches the destination and no object has a replication status.

This patch follows the S3 User Guide (https://docs.aws.amazon.com/AmazonS3/latest/userguide/):
- replication.html, replication-what-is-isnot-replicated.html: new object versions written by
  PutObject, CopyObject and CompleteMultipartUpload are replicated asynchronously, with their
  metadata, tags, ACL, Object Lock retention and the same version ID; replicas are not replicated
  again (no chains, no loops); a DELETE with a version ID is never replicated.
- replication-add-config.html / API ReplicationRule: a rule's ``Filter`` is a ``Prefix``, a ``Tag``
  or an ``And`` of both (legacy V1 rules: a rule-level ``Prefix``); when several enabled rules with
  the same destination bucket match, the one with the highest ``Priority`` (the larger number) wins;
  ``Destination.StorageClass`` sets the replica's storage class (default: the source's).
- delete-marker-replication.html: a DeleteObject without a version ID adds a delete marker, which is
  replicated only when the rule says ``DeleteMarkerReplication`` Enabled (V1 rules always do) and
  never for tag-based rules.
- replication-config-for-kms-objects.html: SSE-KMS objects are replicated only when the rule has
  ``SourceSelectionCriteria.SseKmsEncryptedObjects`` Enabled; ``ReplicaKmsKeyID`` re-encrypts the
  replica with that key.
- replication-for-metadata-changes.html: tag changes on a source version reach its replica; with
  ``ReplicaModifications`` Enabled on the replica's bucket, tag changes on a replica flow back.
- replication-status.html: the source version answers ``x-amz-replication-status`` PENDING, then
  COMPLETED, or FAILED (e.g. the destination bucket is missing or not versioned); the replica REPLICA.

Latency: ``LOCALAWS_REPLICATION_DELAY_MS`` (default 100) milliseconds after the write, one worker
in write order. Not modelled here: the replication role's permissions, Replication Time Control
metrics. Other patches plug in through ``DESTINATION_CHECKS`` (what S3 checks
before it writes to a destination: ``s3_replication_cross_account``) and ``REPLICA_HOOKS`` (what a
new replica carries besides the source's data: ``s3_object_owners``, ``s3_replication_owner_override``).
S3 Batch Replication (``s3control_batch_replication``) replicates existing versions through the same
``version_rules`` and ``replicate_object``.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

NAME = "s3_object_replication"

DEFAULT_DELAY_MS = 100

# One worker keeps replication in write order (a delete marker never overtakes its object).
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localaws-replication")
# function(source_bucket, rule, dest_bucket, key_name, actions) -> why S3 may not write there, or None.
# ``actions``: the replication actions the write needs (s3:ReplicateObject, s3:ReplicateDelete, ...).
DESTINATION_CHECKS: list = []
# function(source_key, replica, rule, dest_bucket): finishes a new replica before it is stored.
REPLICA_HOOKS: list = []
# What the current request wrote; replication is decided once the request is complete (metadata and
# tags are set after moto's put_object returns).
_request = threading.local()


def delay_seconds() -> float:
    return int(os.environ.get("LOCALAWS_REPLICATION_DELAY_MS", DEFAULT_DELAY_MS)) / 1000


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _enabled(container, *path: str) -> bool:
    for name in path:
        container = (container or {}).get(name)
    return (container or {}).get("Status") == "Enabled"


def rule_filter(rule: dict) -> tuple[str, dict[str, str], bool]:
    """(prefix, tags, is_v1) of a stored rule (xmltodict shape: ``Tag`` one dict or a list)."""
    if "Filter" not in rule:
        return rule.get("Prefix") or "", {}, True
    selector = rule.get("Filter") or {}
    if "And" in selector:
        selector = selector["And"] or {}
    tags = {tag["Key"]: tag.get("Value") or "" for tag in _as_list(selector.get("Tag"))}
    return selector.get("Prefix") or "", tags, False


def destination_bucket(rule: dict) -> str:
    return rule["Destination"]["Bucket"].split(":::", 1)[-1]


def winning_rules(configuration: dict | None, key_name: str, tags: dict[str, str] | None,
                  sse_kms: bool = False) -> list[dict]:
    """The rules that replicate this object (``tags`` None: a delete marker), one per destination bucket."""
    best: dict[str, dict] = {}
    for rule in _as_list((configuration or {}).get("Rule")):
        if rule.get("Status") != "Enabled":
            continue
        prefix, rule_tags, is_v1 = rule_filter(rule)
        if not key_name.startswith(prefix):
            continue
        if tags is None:
            if rule_tags or not (is_v1 or _enabled(rule, "DeleteMarkerReplication")):
                continue
        elif any(tags.get(name) != value for name, value in rule_tags.items()):
            continue
        if sse_kms and not _enabled(rule, "SourceSelectionCriteria", "SseKmsEncryptedObjects"):
            continue
        bucket = destination_bucket(rule)
        if bucket not in best or int(rule.get("Priority") or 0) > int(best[bucket].get("Priority") or 0):
            best[bucket] = rule
    return list(best.values())


def _backend_of(bucket_name: str):
    """The S3 backend (any account) that owns the bucket, or None."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket_name)
    if owner is None:
        return None
    partition, account_id = owner
    backend = s3_backends[account_id][partition]
    return backend if bucket_name in backend.buckets else None


def _tags_of(backend, key) -> dict[str, str]:
    return backend.tagger.get_tag_dict_for_resource(key.arn)


def _set_tags(backend, key, tags: dict[str, str]) -> None:
    backend.tagger.delete_all_tags_for_resource(key.arn)
    if tags:
        backend.tagger.tag_resource(key.arn, [{"Key": name, "Value": value} for name, value in tags.items()])


def _version_in(bucket, key_name: str, version_id: str):
    return next((version for version in bucket.keys.getlist(key_name, [])
                 if str(version.version_id) == str(version_id)), None)


def _versioned_destination(bucket_name: str):
    """(backend, bucket) of a destination that can take replicas, or None (replication FAILED)."""
    backend = _backend_of(bucket_name)
    if backend is None:
        return None
    bucket = backend.buckets[bucket_name]
    return (backend, bucket) if bucket.is_versioned else None


def refusal(source_bucket, rule: dict, dest_bucket, key_name: str, actions: list[str]) -> str | None:
    """Why S3 may not write this to the destination (the first check that refuses), or None."""
    for check in DESTINATION_CHECKS:
        reason = check(source_bucket, rule, dest_bucket, key_name, actions)
        if reason:
            print(f"localaws replication: {source_bucket.name}/{key_name} -> {dest_bucket.name}: {reason}", flush=True)
            return reason
    return None


def object_actions(rule: dict, tags: dict[str, str]) -> list[str]:
    """The permissions S3 needs on the destination to replicate an object version (replication-walkthrough-2)."""
    actions = ["s3:ReplicateObject"] + (["s3:ReplicateTags"] if tags else [])
    if (rule["Destination"].get("AccessControlTranslation") or {}).get("Owner") == "Destination":
        actions.append("s3:ObjectOwnerOverrideToBucketOwner")
    return actions


def version_rules(backend, bucket, version) -> list[dict]:
    """The rules of ``bucket``'s replication configuration that replicate this object version or delete marker
    (a delete marker has a ``key`` attribute and no tags)."""
    configuration = getattr(bucket, "replication", None)
    if hasattr(version, "key"):
        return winning_rules(configuration, version.name, None)
    return winning_rules(configuration, version.name, _tags_of(backend, version), version.encryption == "aws:kms")


def replicate_object(source_backend, key, rules: list[dict]) -> str | None:
    """Replicate one object version per its rules now; its new replication status (None: the version is gone)."""
    from moto.s3.models import FakeKey

    source_bucket = source_backend.buckets.get(key.bucket_name)
    if source_bucket is None or _version_in(source_bucket, key.name, key.version_id) is None:
        return None  # the version was deleted before its turn: there is nothing left to replicate
    statuses = []
    for rule in rules:
        destination = _versioned_destination(destination_bucket(rule))
        if destination is None:
            statuses.append("FAILED")
            continue
        backend, bucket = destination
        if refusal(source_bucket, rule, bucket, key.name, object_actions(rule, _tags_of(source_backend, key))):
            statuses.append("FAILED")
            continue
        if _version_in(bucket, key.name, key.version_id) is None:
            replica_kms_key = ((rule["Destination"].get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID"))
            replica = FakeKey(
                name=key.name, value=key.value, account_id=bucket.account_id, region_name=bucket.region_name,
                storage=rule["Destination"].get("StorageClass") or key.storage_class, etag=key.etag.strip('"'),
                is_versioned=True, version_id=key.version_id, bucket_name=bucket.name,
                encryption="aws:kms" if replica_kms_key else key.encryption,
                kms_key_id=replica_kms_key or key.kms_key_id, bucket_key_enabled=key.bucket_key_enabled,
                lock_mode=key.lock_mode, lock_legal_status=key.lock_legal_status, lock_until=key.lock_until,
                checksum_value=key.checksum_value)
            replica.set_metadata(dict(key.metadata), replace=True)
            replica.set_acl(key.acl)
            replica.last_modified = key.last_modified
            replica.website_redirect_location = key.website_redirect_location
            replica.checksum_algorithm = key.checksum_algorithm
            replica.replication_status = "REPLICA"
            _set_tags(backend, replica, _tags_of(source_backend, key))
            for hook in REPLICA_HOOKS:
                hook(key, replica, rule, bucket)
            bucket.keys.setlist(key.name, bucket.keys.getlist(key.name, []) + [replica])
        statuses.append("COMPLETED")
    key.replication_status = "FAILED" if "FAILED" in statuses else "COMPLETED"
    return key.replication_status


def replicate_delete_marker(marker, rules: list[dict]) -> str:
    """Replicate one delete marker per its rules now: COMPLETED, or FAILED when a destination cannot take it."""
    from moto.s3.models import FakeDeleteMarker

    source_backend = _backend_of(marker.key.bucket_name)
    source_bucket = source_backend.buckets[marker.key.bucket_name] if source_backend else None
    status = "COMPLETED"
    for rule in rules:
        destination = _versioned_destination(destination_bucket(rule))
        if destination is None:
            status = "FAILED"
            continue
        bucket = destination[1]
        if source_bucket is None or refusal(source_bucket, rule, bucket, marker.name, ["s3:ReplicateDelete"]):
            status = "FAILED"
            continue
        if _version_in(bucket, marker.name, marker.version_id) is None:
            replica = FakeDeleteMarker(key=marker.key)
            replica._version_id = marker.version_id
            bucket.keys.setlist(marker.name, bucket.keys.getlist(marker.name, []) + [replica])
    return status


def sync_tags(source_backend, key, rules: list[dict]) -> None:
    """A version's new tags reach the same version in each destination (replica modification sync)."""
    tags = _tags_of(source_backend, key)
    source_bucket = source_backend.buckets.get(key.bucket_name)
    for rule in rules:
        destination = _versioned_destination(destination_bucket(rule))
        if destination is None or source_bucket is None:
            continue
        backend, bucket = destination
        if refusal(source_bucket, rule, bucket, key.name, ["s3:ReplicateTags"]):
            continue
        version = _version_in(bucket, key.name, key.version_id)
        if version is not None and not hasattr(version, "key"):  # a delete marker has no tags
            _set_tags(backend, version, tags)


def _after(delay: float, function, *args) -> None:
    due = time.monotonic() + delay

    def run():
        time.sleep(max(0.0, due - time.monotonic()))
        try:
            function(*args)
        except Exception:  # noqa: BLE001 - one failed replication must not stop the worker; it is logged
            import traceback

            traceback.print_exc()

    _worker.submit(run)


def in_order(function, *args):
    """Run ``function(*args)`` on the replication worker, after what live replication queued before, and return its
    result: Batch Replication and live replication never replicate the same version at the same time."""
    return _worker.submit(function, *args).result()


def dispatch(writes: list[tuple[str, object, object]]) -> None:
    """Decide, for what one request wrote, what replicates (the source status goes PENDING now)."""
    for kind, backend, item in writes:
        if kind == "marker":
            bucket_name, item = item
        else:
            bucket_name = item.bucket_name
        bucket = backend.buckets.get(bucket_name)
        if bucket is None:
            continue
        if kind == "object":
            if getattr(item, "replication_status", None) == "REPLICA":
                continue
            rules = version_rules(backend, bucket, item)
            if rules:
                item.replication_status = "PENDING"
                _after(delay_seconds(), replicate_object, backend, item, rules)
        elif kind == "marker":
            rules = version_rules(backend, bucket, item)
            if rules:
                _after(delay_seconds(), replicate_delete_marker, item, rules)
        elif kind == "tags":
            status = getattr(item, "replication_status", None)
            if status not in ("COMPLETED", "REPLICA"):
                continue  # a new version carries its tags; an unreplicated one has nothing to sync
            rules = version_rules(backend, bucket, item)
            if status == "REPLICA":
                rules = [rule for rule in rules if _enabled(rule, "SourceSelectionCriteria", "ReplicaModifications")]
            if rules:
                _after(delay_seconds(), sync_tags, backend, item, rules)


def _record(kind: str, backend, item) -> None:
    writes = getattr(_request, "writes", None)
    if writes is not None:
        writes.append((kind, backend, item))


def apply() -> None:
    from moto.s3.models import FakeKey, S3Backend
    from moto.s3.responses import S3Response

    original_put_object = S3Backend.put_object
    original_set_delete_marker = S3Backend._set_delete_marker
    original_put_tagging = S3Backend.put_object_tagging
    original_delete_tagging = S3Backend.delete_object_tagging
    original_response_dict = FakeKey.response_dict

    def put_object(self, *args, **kwargs):
        key = original_put_object(self, *args, **kwargs)
        _record("object", self, key)
        return key

    def _set_delete_marker(self, bucket_name, key_name):
        marker = original_set_delete_marker(self, bucket_name, key_name)
        _record("marker", self, (bucket_name, marker))
        return marker

    def put_object_tagging(self, key, tags):
        result = original_put_tagging(self, key, tags)
        _record("tags", self, key)
        return result

    def delete_object_tagging(self, bucket_name, key_name, version_id=None):
        original_delete_tagging(self, bucket_name, key_name, version_id=version_id)
        _record("tags", self, self.get_object(bucket_name, key_name, version_id=version_id))

    def response_dict(self):
        headers = original_response_dict.fget(self)
        status = getattr(self, "replication_status", None)
        if status:
            headers["x-amz-replication-status"] = status
        return headers

    def collecting(handler):
        def wrapper(self, *args, **kwargs):
            _request.writes = []
            try:
                return handler(self, *args, **kwargs)
            finally:
                writes, _request.writes = _request.writes, None
                dispatch(writes)
        return wrapper

    S3Backend.put_object = put_object
    S3Backend._set_delete_marker = _set_delete_marker
    S3Backend.put_object_tagging = put_object_tagging
    S3Backend.delete_object_tagging = delete_object_tagging
    FakeKey.response_dict = property(response_dict)
    S3Response._key_response = collecting(S3Response._key_response)
    S3Response._bucket_response = collecting(S3Response._bucket_response)
