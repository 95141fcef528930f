# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A DR drill for one bucket pair: canary object, observed RPO, replica checks, drift, object counts, cleanup.

``run_drill(clients, spec, check_mode)`` returns a report with a verdict (PASS, FAIL, or PLANNED in
check mode, where nothing is written) and, for each reason of a FAIL, what to fix. The canary is
written under the key a replication rule towards the DR bucket selects, with the tags that rule
filters on and the server-side encryption the bucket uses by default; its versions are deleted by
version ID on both sides (a version delete is never replicated), so the drill leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlencode

from . import buckets
from .clone import CloneSpec, drift_report
from .errors import describe_error, error_code
from .inventory_reports import compare_inventories
from .replication import normalize_configuration

PASS, FAIL, PLANNED = "PASS", "FAIL", "PLANNED"
DRILL_METADATA_KEY = "dr-drill"  # x-amz-meta-dr-drill on every canary: what wrote it, and when

# What to do about each kind of finding, in the words of someone fixing it.
FIXES = {
    "dest_missing": "Create the DR bucket and its replication: run playbooks/dr_buckets.yml for this bucket "
                    "(or resilience.s3_dr.s3_crr_enable).",
    "replication": "Enable replication towards the DR bucket: run playbooks/dr_buckets.yml for this bucket "
                   "(or resilience.s3_dr.s3_crr_enable).",
    "versioning": "Turn versioning on for both buckets (S3 replication needs it on both sides).",
    "sse_kms": "The bucket encrypts with SSE-KMS but no rule towards the DR bucket replicates SSE-KMS objects: set "
               "replica_kms_key_id with resilience.s3_dr.s3_crr_enable (SseKmsEncryptedObjects and ReplicaKmsKeyID).",
    "rpo": "Check the replication role's permissions (s3:GetObjectVersionForReplication, s3:ReplicateObject, and "
           "kms:Decrypt / kms:Encrypt for SSE-KMS), the DR bucket policy, and the ReplicationLatency metric; enable "
           "S3 Replication Time Control for a 15-minute bound.",
    "failed": "S3 marked the canary FAILED: check the replication role, the DR bucket's versioning and policy, and "
              "the KMS key policies; objects that failed need S3 Batch Replication (resilience.s3_dr.s3_crr_backfill).",
    "replica": "The replica differs from what was written: check the rule's storage class, ReplicaKmsKeyID and owner "
               "override, and that nothing in the DR account rewrites objects.",
    "drift": "Re-clone the bucket settings: run playbooks/dr_buckets.yml (resilience.s3_dr.s3_bucket_config_clone), "
             "then playbooks/dr_validate.yml.",
    "objects": "Copy the objects that are missing on the DR side: resilience.s3_dr.s3_crr_backfill (runs in "
               "playbooks/dr_buckets.yml).",
    "inventory": "Objects S3 marked FAILED are not retried by replication: replicate them with S3 Batch Replication "
                 "(resilience.s3_dr.s3_crr_backfill method=batch_replication) once the cause (role, KMS key or DR "
                 "bucket policy) is fixed; a DR inventory that lists fewer objects needs the same backfill.",
    "cleanup": "Delete the listed canary versions by version ID (s3:DeleteObjectVersion on both buckets).",
    "error": "Check the credentials' permissions on both buckets and that both Regions are reachable.",
}


@dataclass
class DrillSpec:
    """One pair to drill. ``clone`` carries the pair and the drift check's options."""
    clone: CloneSpec
    rpo_bound_seconds: float = 900.0
    poll_interval_seconds: float = 1.0
    canary_prefix: str = "dr-drill/"
    max_keys: int = 1000
    fail_on_drift: bool = True
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def drill_spec_problems(spec: DrillSpec) -> list[str]:
    problems = []
    if spec.rpo_bound_seconds <= 0:
        problems.append("rpo_bound must be more than 0 seconds")
    if not 0 < spec.poll_interval_seconds <= spec.rpo_bound_seconds:
        problems.append("poll_interval must be more than 0 and at most rpo_bound")
    if spec.max_keys < 1:
        problems.append("max_keys must be 1 or more")
    if not spec.canary_prefix or spec.canary_prefix.startswith("/"):
        problems.append("canary_prefix must be a non-empty key prefix that does not start with '/'")
    return problems


class _Findings:
    """Reasons for a FAIL, each with the fix for its kind (one fix line per kind)."""

    def __init__(self):
        self.reasons: list[str] = []
        self.kinds: list[str] = []

    def add(self, kind: str, reason: str) -> None:
        self.reasons.append(reason)
        if kind not in self.kinds:
            self.kinds.append(kind)

    @property
    def fixes(self) -> list[str]:
        return [FIXES[kind] for kind in self.kinds]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canary_rule(configuration: dict[str, Any] | None, dest_bucket: str) -> dict[str, Any] | None:
    """The enabled rule towards the DR bucket the canary goes through: the highest priority one."""
    arn_suffix = f":::{dest_bucket}"
    rules = [rule for rule in (normalize_configuration(configuration) or {}).get("Rules", [])
             if rule["Status"] == "Enabled" and str(rule["Destination"].get("Bucket", "")).endswith(arn_suffix)]
    return max(rules, key=lambda rule: rule.get("Priority", 0), default=None)


def rule_selection(rule: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(key prefix, tags) an object needs for this (normalized) rule to select it."""
    if "Prefix" in rule:  # a legacy V1 rule
        return rule["Prefix"] or "", {}
    selector = rule.get("Filter") or {}
    if "And" in selector:
        return selector["And"].get("Prefix") or "", {tag["Key"]: tag["Value"] for tag in selector["And"]["Tags"]}
    if "Tag" in selector:
        return "", {selector["Tag"]["Key"]: selector["Tag"]["Value"]}
    return selector.get("Prefix") or "", {}


def canary_encryption(s3, bucket: str) -> dict[str, str]:
    """The SSE request parameters of the bucket's default encryption (sent explicitly, as policies may require)."""
    for rule in buckets.default_encryption_rules(s3, bucket) or []:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm", "").startswith("aws:kms"):
            parameters = {"ServerSideEncryption": default["SSEAlgorithm"]}
            if default.get("KMSMasterKeyID"):
                parameters["SSEKMSKeyId"] = default["KMSMasterKeyID"]
            return parameters
    return {"ServerSideEncryption": "AES256"}


def _wait_for_replica(source_s3, dest_s3, source: str, dest: str, key: str, version_id: str, spec: DrillSpec,
                      written_at: float, clock: Callable[[], float], sleep: Callable[[float], None]
                      ) -> tuple[float | None, str | None]:
    """(seconds until the replica version was readable, or None; the source's last replication status)."""
    deadline = written_at + spec.rpo_bound_seconds
    status = None
    while True:
        try:
            dest_s3.head_object(Bucket=dest, Key=key, VersionId=version_id)
            return clock() - written_at, status
        except Exception as error:  # not there yet
            if error_code(error) not in ("404", "NoSuchKey", "NoSuchVersion", "NotFound", "403", "AccessDenied"):
                raise
        status = source_s3.head_object(Bucket=source, Key=key, VersionId=version_id).get("ReplicationStatus")
        if status == "FAILED" or clock() >= deadline:
            return None, status
        sleep(min(spec.poll_interval_seconds, max(0.0, deadline - clock())))


def _replica_differences(dest_s3, dest: str, key: str, version_id: str, expected: dict[str, Any]) -> list[str]:
    replica = dest_s3.get_object(Bucket=dest, Key=key, VersionId=version_id)
    body = replica["Body"].read()
    tags = {tag["Key"]: tag["Value"] for tag in
            dest_s3.get_object_tagging(Bucket=dest, Key=key, VersionId=version_id)["TagSet"]}
    observed = {"content_sha256": hashlib.sha256(body).hexdigest(), "metadata": replica.get("Metadata", {}),
                "content_type": replica.get("ContentType"), "tags": tags,
                "encryption": replica.get("ServerSideEncryption"), "replication_status": replica.get("ReplicationStatus")}
    if expected.get("kms_key_id"):
        observed["kms_key_id"] = replica.get("SSEKMSKeyId")
    return [f"replica {name} is {observed[name]!r}, expected {value!r}" for name, value in expected.items()
            if observed.get(name) != value]


def remove_canaries(s3, bucket: str, prefix: str) -> list[str]:
    """Delete every version and delete marker under the drill's prefix by version ID; returns what was deleted."""
    removed = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
            removed.append(f"{item['Key']}?versionId={item['VersionId']}")
    return removed


def _leftovers(s3, bucket: str, prefix: str) -> list[str]:
    listing = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    return [f"{item['Key']}?versionId={item['VersionId']}"
            for item in listing.get("Versions", []) + listing.get("DeleteMarkers", [])]


def run_drill(clients, spec: DrillSpec, check_mode: bool = False, clock: Callable[[], float] = time.monotonic,
              sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Drill one pair; never raises for what it finds (a FAIL verdict with reasons), only for bad input."""
    source, dest = spec.clone.source_bucket, spec.clone.resolved_dest_bucket
    report: dict[str, Any] = {"source_bucket": source, "dest_bucket": dest, "dest_region": spec.clone.dest_region,
                              "started_at": _now(), "run_id": spec.run_id, "rpo_seconds": None,
                              "rpo_bound_seconds": spec.rpo_bound_seconds, "plan": [], "canary": None, "inventory": None}
    findings = _Findings()
    try:
        _drill(clients, spec, check_mode, clock, sleep, report, findings)
    except Exception as error:  # noqa: BLE001 - an unforeseen AWS error is this pair's FAIL, not the fleet's
        findings.add("error", f"the drill stopped: {describe_error(error)}")
    report["reasons"], report["fixes"] = findings.reasons, findings.fixes
    report["verdict"] = FAIL if findings.reasons else (PLANNED if check_mode else PASS)
    report["finished_at"] = _now()
    return report


def _drill(clients, spec: DrillSpec, check_mode: bool, clock, sleep, report: dict[str, Any], findings: _Findings) -> None:
    source, dest = spec.clone.source_bucket, spec.clone.resolved_dest_bucket
    drift = drift_report(clients, spec.clone, compare_objects=True, max_keys=spec.max_keys)
    report["source_region"] = drift.get("source_region")
    report["drift"] = {name: drift.get(name) for name in ("categories", "replication", "versioning")}
    report["objects"] = drift.get("objects")
    if not drift["dest_bucket_exists"]:
        findings.add("dest_missing", f"DR bucket {dest} does not exist in {spec.clone.dest_region}")
        return
    source_s3, dest_s3 = clients("s3", drift["source_region"]), clients("s3", spec.clone.dest_region)
    for side, status in drift["versioning"].items():
        if status != "Enabled":
            findings.add("versioning", f"versioning on the {side} bucket is {status}")
    report["inventory"] = compare_inventories(source_s3, source, dest_s3, dest)
    _note_inventory(report["inventory"], findings)
    rule = canary_rule(buckets.replication_configuration(source_s3, source), dest)
    if rule is None:
        findings.add("replication", f"replication to {dest} is not enabled")
    encryption = canary_encryption(source_s3, source)
    sse_kms = encryption["ServerSideEncryption"].startswith("aws:kms")
    if rule is not None and sse_kms and "SseKmsEncryptedObjects" not in rule.get("SourceSelectionCriteria", {}):
        findings.add("sse_kms", f"rule {rule['ID']} does not replicate SSE-KMS objects, and {source} encrypts with "
                                "SSE-KMS by default")
    _note_drift(drift, spec, findings)
    if rule is None or "versioning" in findings.kinds or "sse_kms" in findings.kinds:
        return  # a canary could not replicate: say why instead of waiting for it

    prefix, rule_tags = rule_selection(rule)
    canary_dir = f"{prefix}{spec.canary_prefix}"
    key = f"{canary_dir}{spec.run_id}.txt"
    body = f"resilience.s3_dr drill {spec.run_id} {_now()}\n".encode()
    metadata = {DRILL_METADATA_KEY: spec.run_id}
    tags = {**rule_tags, DRILL_METADATA_KEY: spec.run_id}
    replica_kms_key = (rule["Destination"].get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
    expected = {"content_sha256": hashlib.sha256(body).hexdigest(), "metadata": metadata,
                "content_type": "text/plain", "tags": tags, "replication_status": "REPLICA",
                "encryption": "aws:kms" if replica_kms_key else encryption["ServerSideEncryption"]}
    if replica_kms_key or encryption.get("SSEKMSKeyId"):
        expected["kms_key_id"] = replica_kms_key or encryption["SSEKMSKeyId"]
    report["canary"] = {"key": key, "rule": rule["ID"], "tags": tags, "encryption": encryption,
                        "expected_replica_encryption": expected["encryption"]}
    report["plan"] = [f"write canary s3://{source}/{key} ({encryption['ServerSideEncryption']}, tags {sorted(tags)})",
                      f"wait up to {spec.rpo_bound_seconds:g}s for s3://{dest}/{key} (same version ID)",
                      "verify the replica's content, metadata, tags, encryption and REPLICA status",
                      f"delete every version under s3://{source}/{canary_dir} and s3://{dest}/{canary_dir} by "
                      "version ID"]
    if check_mode:
        return

    try:
        put = source_s3.put_object(Bucket=source, Key=key, Body=body, Metadata=metadata, ContentType="text/plain",
                                   Tagging=urlencode(tags), **encryption)
        written_at = clock()
        version_id = put["VersionId"]
        report["canary"]["version_id"] = version_id
        rpo, status = _wait_for_replica(source_s3, dest_s3, source, dest, key, version_id, spec, written_at, clock,
                                        sleep)
        report["rpo_seconds"] = None if rpo is None else round(rpo, 3)
        if rpo is None and status == "FAILED":
            findings.add("failed", f"S3 reports replication of the canary as FAILED ({source} -> {dest})")
        elif rpo is None:
            findings.add("rpo", f"the canary was not readable in {dest} within {spec.rpo_bound_seconds:g}s "
                                f"(source replication status: {status})")
        else:
            differences = _replica_differences(dest_s3, dest, key, version_id, expected)
            report["canary"]["replica_checks"] = "passed" if not differences else differences
            for difference in differences:
                findings.add("replica", difference)
    finally:
        _clean_up(source_s3, dest_s3, source, dest, canary_dir, report, findings)


def _note_drift(drift: dict[str, Any], spec: DrillSpec, findings: _Findings) -> None:
    if spec.fail_on_drift:
        for name, entry in (drift.get("categories") or {}).items():
            if entry["status"] in ("drifted", "missing_on_dr"):
                detail = f" ({', '.join(entry['fields'][:5])})" if entry.get("fields") else ""
                findings.add("drift", f"configuration {name} {entry['status']}{detail}")
    objects = drift.get("objects") or {}
    if objects.get("missing_on_dr") or objects.get("different"):
        findings.add("objects", f"{objects['missing_on_dr']} of {objects['compared']} objects missing and "
                                f"{objects['different']} different on the DR side")


def _note_inventory(inventory: dict[str, Any] | None, findings: _Findings) -> None:
    """From the newest inventory reports: objects S3 failed to replicate, and fewer objects on the DR side."""
    if not inventory:
        return
    source = inventory["source"]
    failed = (source.get("replication_status") or {}).get("FAILED", 0)
    if failed:
        findings.add("inventory", f"{failed} object(s) have replication status FAILED in the source inventory of "
                                  f"{source['delivered_at']}")
    if inventory.get("missing_on_dr"):
        findings.add("inventory", f"the DR inventory of {inventory['dest']['delivered_at']} lists "
                                  f"{inventory['dest']['objects']} object(s), {inventory['missing_on_dr']} fewer than "
                                  f"the source inventory of {source['delivered_at']}")


def _clean_up(source_s3, dest_s3, source: str, dest: str, canary_dir: str, report: dict[str, Any],
              findings: _Findings) -> None:
    """Remove the canaries on both sides; a replica still in flight (a FAIL) is removed when it lands, or next time."""
    removed = remove_canaries(source_s3, source, canary_dir) + remove_canaries(dest_s3, dest, canary_dir)
    left = [f"s3://{source}/{item}" for item in _leftovers(source_s3, source, canary_dir)] + \
        [f"s3://{dest}/{item}" for item in _leftovers(dest_s3, dest, canary_dir)]
    report["cleanup"] = {"removed_versions": len(removed), "left": left}
    if left:
        findings.add("cleanup", f"canary versions left behind: {', '.join(left)}")
