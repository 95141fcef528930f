# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Failover of a DR pair to the DR Region while the source Region is down, and failback when it is back.

``failover(clients, spec, check_mode)`` reads and writes only the DR Region (STS and S3 there, and the
Multi-Region Access Point control plane when the pair has one): it never needs the failed Region.

1. DR readiness from DR-side facts only: the DR bucket exists and is versioned, holds replicas (the
   newest REPLICA object is the last replication evidence, optionally bounded by
   ``max_replica_age_seconds``), and, when the last ``dr_drill`` report of the pair is given, its
   verdict and drift. A pair that is not ready is refused with the reasons unless ``force``.
2. The failover record on the DR bucket's tags (``s3dr:failover-state=failed-over``, time, who,
   reason). It is written first: it is also what pauses the pipeline's self-heal for the pair (the
   DR-Region handler reads it and leaves the pair alone), so nothing re-clones the source's settings
   over the ones step 3 applies.
3. The held-back settings: application-facing settings the DR bucket must not have while it is
   passive (e.g. a bucket policy that grants the application's DR role write access), stored by the
   user as a JSON document in the DR bucket itself (``held_back_key``, default ``_s3dr/held-back.json``):
   ``{"policy": {...}, "cors": [...]}``, one entry per category of ``HELD_BACK_CATEGORIES``,
   each value as the category reads it (the S3 API shape). Only a failover applies it.
4. Multi-Region Access Point routes to the DR bucket, when the pair has an MRAP (``route_mrap``).

``failback(clients, spec, check_mode)`` runs with both Regions up: replication DR -> source (rule
``dr-failback``, replica modification sync on), a copy back of what the DR bucket received since the
failover (the backfill copy engine), a check that every such object is in the source, routes back to
the source, the held-back categories re-cloned from the source, the pipeline resumed (the failover
record kept, with the failback time), and the reverse rule removed unless ``two_way`` or the pair is behind an MRAP (made by s3_dr_mrap).

Both read first and write only what differs: a rerun changes nothing; in check mode nothing is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import buckets, mrap
from .backfill import SOURCE_ETAG_METADATA, BackfillSpec, copy_objects
from .categories import REGISTRY
from .clone import CloneSpec, clone_configuration
from .crr import CrrSpec, apply_crr
from .errors import DRError, describe_error, error_code, invalid_input, named_errors
from .naming import dr_bucket_name, pair_name_problems
from .result import Result

STATE_TAG = "s3dr:failover-state"
AT_TAG = "s3dr:failover-at"
BY_TAG = "s3dr:failover-by"
REASON_TAG = "s3dr:failover-reason"
FAILBACK_AT_TAG = "s3dr:failback-at"
FAILED_OVER = "failed-over"
HELD_BACK_KEY = "_s3dr/held-back.json"
# Settings an application depends on and that a passive DR bucket may need to hold back until a failover.
HELD_BACK_CATEGORIES = ("public-access-block", "policy", "cors", "website")  # in the order they are applied
# The reverse rule s3_dr_mrap keeps for a pair behind an MRAP: one reverse rule per pair, whoever made it.
REVERSE_RULE_ID = mrap.DEFAULT_REVERSE_RULE_ID
REPLICA_EVIDENCE_HEADS = 5  # newest objects read (HeadObject) for their replication status
TAG_VALUE_MAX = 256
TAG_VALUE_FORBIDDEN = re.compile(r"[^\w\s+\-=.:/@]")  # what S3 allows in a tag value
MISMATCHES_SHOWN = 10


@dataclass
class FailoverSpec:
    """One DR pair to fail over or back. ``clone`` carries the pair's clone options (used by failback)."""
    source_bucket: str
    dest_region: str
    dest_bucket: str | None = None
    dest_suffix: str = "-dr"
    source_region: str | None = None  # failback: found with GetBucketLocation when not given
    reason: str = ""
    operator: str | None = None  # who fails over: the caller's ARN when not given
    force: bool = False
    held_back_key: str = HELD_BACK_KEY
    max_keys: int = 1000  # DR objects listed for the replication evidence
    max_replica_age_seconds: float | None = None
    drill_report: dict[str, Any] | None = None  # the pair's entry of the last dr_drill JSON report
    two_way: bool = False
    concurrency: int = 16
    clone_options: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_dest_bucket(self) -> str:
        return self.dest_bucket or dr_bucket_name(self.source_bucket, self.dest_suffix)


def spec_problems(spec: FailoverSpec) -> list[str]:
    problems = pair_name_problems(spec.source_bucket, spec.dest_bucket, spec.dest_suffix)
    if spec.max_keys < 1:
        problems.append("max_keys must be 1 or more")
    if spec.max_replica_age_seconds is not None and spec.max_replica_age_seconds <= 0:
        problems.append("max_replica_age must be more than 0 seconds")
    if not spec.held_back_key or spec.held_back_key.startswith("/"):
        problems.append("held_back_key must be an object key that does not start with '/'")
    if spec.concurrency < 1:
        problems.append("concurrency must be 1 or more")
    return problems


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_value(text: str) -> str:
    """``text`` as S3 accepts it in a tag value: forbidden characters replaced, at most 256 characters."""
    return TAG_VALUE_FORBIDDEN.sub("_", text or "")[:TAG_VALUE_MAX]


def failover_record(tags: dict[str, str] | None) -> dict[str, str] | None:
    """The failover recorded in a DR bucket's tags while it is failed over, or None."""
    if not tags or tags.get(STATE_TAG) != FAILED_OVER:
        return None
    return {"state": FAILED_OVER, "at": tags.get(AT_TAG), "by": tags.get(BY_TAG), "reason": tags.get(REASON_TAG)}


def failed_over(s3, dest_bucket: str) -> dict[str, str] | None:
    """Whether the DR bucket is failed over (its record), read in the DR Region only: the pipeline asks this
    before it touches a pair, so that its self-heal never fights a failover."""
    return failover_record(buckets.bucket_tags(s3, dest_bucket))


def route_mrap(clients, spec: FailoverSpec, active_bucket: str, check_mode: bool, two_way: bool) -> dict[str, Any]:
    """Route the pair's Multi-Region Access Point, if it has one, to ``active_bucket``: {"mrap": name or None, "changed"}.

    A pair behind an MRAP of s3_dr_mrap has two-way replication. Without the reverse rule on the DR bucket
    (``two_way``, read in the DR Region) no MRAP is looked for: a plain pair's failover asks only the DR Region.
    """
    if not two_way:
        return {"mrap": None, "changed": False}
    account_id = clients("sts", spec.dest_region).get_caller_identity()["Account"]
    found = mrap.find_pair_mrap(clients, account_id, spec.source_bucket, spec.resolved_dest_bucket)
    if not found:
        return {"mrap": None, "changed": False}
    changed = mrap.route_to(clients, account_id, found, active_bucket, check_mode=check_mode)
    return {"mrap": found["name"], "changed": bool(changed)}


# ------------------------------------------------------------------------------------------------
# held-back settings
# ------------------------------------------------------------------------------------------------

def read_held_back(s3, bucket: str, key: str) -> dict[str, Any] | None:
    """The held-back settings document of the DR bucket, or None when there is none; DRError when it is invalid."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as error:  # noqa: BLE001
        if error_code(error) in ("NoSuchKey", "404", "NotFound"):
            return None
        raise
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise DRError(f"The held-back settings s3://{bucket}/{key} are not a JSON object; write one like "
                      '{"policy": {...}, "cors": [...]}.', bucket=bucket)
    unknown = sorted(set(document) - set(HELD_BACK_CATEGORIES))
    if unknown:
        raise DRError(f"The held-back settings s3://{bucket}/{key} name {', '.join(unknown)}; held-back settings "
                      f"are one of {', '.join(HELD_BACK_CATEGORIES)}.", bucket=bucket)
    return document


# What S3 answers when a setting itself is wrong (a policy naming a deleted role, a CORS rule it cannot parse):
# running the failover again cannot help until the held-back document is corrected.
REFUSED_SETTING_CODES = ("MalformedPolicy", "MalformedXML", "InvalidArgument", "InvalidRequest")


def _apply_held_back(s3, spec: FailoverSpec, document: dict[str, Any], result: Result, check_mode: bool) -> dict[str, str]:
    bucket, applied = spec.resolved_dest_bucket, {}
    for name in HELD_BACK_CATEGORIES:  # public access block first: it may be what lets a policy in
        if name not in document:
            continue
        category = REGISTRY[name]
        wanted = document[name]
        current = category.read(s3, bucket)
        if category.normalize(current) == category.normalize(wanted):
            applied[name] = "in_place"
            continue
        if wanted is None:
            result.write(f"remove {name} from {bucket} (held back until failover)",
                         lambda category=category, current=current: category.delete(s3, bucket, current), check_mode)
        else:
            result.write(f"apply held-back {name} to {bucket}",
                         lambda category=category, name=name, wanted=wanted, current=current: _apply_setting(
                             s3, spec, category, name, wanted, current), check_mode)
        applied[name] = "applied"
    return applied


def _apply_setting(s3, spec: FailoverSpec, category, name: str, wanted, current) -> None:
    bucket = spec.resolved_dest_bucket
    try:
        category.apply(s3, bucket, wanted, current)
    except Exception as error:  # noqa: BLE001 - botocore ClientError; the core does not import botocore's types
        if error_code(error) not in REFUSED_SETTING_CODES:
            raise
        raise DRError(f"Bucket {spec.source_bucket}: S3 refused the held-back {name} of s3://{bucket}/"
                      f"{spec.held_back_key}: {describe_error(error)}. Correct '{name}' in that document (a policy must "
                      "name roles and users that exist now), then run the failover again.",
                      bucket=spec.source_bucket, region=spec.dest_region) from error


# ------------------------------------------------------------------------------------------------
# readiness
# ------------------------------------------------------------------------------------------------

def dr_readiness(clients, spec: FailoverSpec, now: datetime | None = None) -> dict[str, Any]:
    """Is the DR bucket ready to serve? Reads the DR Region only. {"ready", "reasons", "facts", "tags"}."""
    dest, s3 = spec.resolved_dest_bucket, clients("s3", spec.dest_region)
    now = now or _now()
    reasons: list[str] = []
    facts: dict[str, Any] = {"dest_bucket": dest, "dest_region": spec.dest_region}
    tags = buckets.bucket_tags(s3, dest)
    if tags is None:
        return {"ready": False, "reasons": [f"DR bucket {dest} does not exist in {spec.dest_region}"],
                "facts": {**facts, "dest_bucket_exists": False}, "tags": None}
    facts["dest_bucket_exists"] = True
    facts["versioning"] = buckets.versioning_status(s3, dest)
    if facts["versioning"] != "Enabled":
        reasons.append(f"versioning on DR bucket {dest} is {facts['versioning']}, so it holds no replica history")

    listing = s3.list_objects_v2(Bucket=dest, MaxKeys=spec.max_keys)
    objects = [item for item in listing.get("Contents", []) if not item["Key"].startswith(_reserved_prefix(spec))]
    facts["objects_listed"] = len(objects)
    facts["objects_truncated"] = bool(listing.get("IsTruncated"))
    replica = None
    for item in sorted(objects, key=lambda item: item["LastModified"], reverse=True)[:REPLICA_EVIDENCE_HEADS]:
        if s3.head_object(Bucket=dest, Key=item["Key"]).get("ReplicationStatus") == "REPLICA":
            replica = item
            break
    facts["last_replica_key"] = replica["Key"] if replica else None
    facts["last_replica_at"] = _iso(replica["LastModified"]) if replica else None
    drill = spec.drill_report
    drill_passed = bool(drill) and drill.get("verdict") == "PASS"
    if replica is None and not drill_passed:
        reasons.append(f"no replica among the newest {min(len(objects), REPLICA_EVIDENCE_HEADS)} object(s) of DR "
                       f"bucket {dest}: no evidence that replication delivers to it (a passing dr_drill report "
                       "given as drill_report is evidence too)")
    if replica is not None and spec.max_replica_age_seconds is not None:
        age = (now - replica["LastModified"]).total_seconds()
        facts["last_replica_age_seconds"] = round(age, 1)
        if age > spec.max_replica_age_seconds:
            reasons.append(f"the newest replica in {dest} is {age:.0f}s old, more than max_replica_age "
                           f"{spec.max_replica_age_seconds:g}s")
    if drill:
        facts["drill"] = {"verdict": drill.get("verdict"), "finished_at": drill.get("finished_at"),
                          "rpo_seconds": drill.get("rpo_seconds")}
        categories = ((drill.get("drift") or {}).get("categories") or {})
        facts["drift"] = {name: entry.get("status") for name, entry in categories.items()
                          if isinstance(entry, dict) and entry.get("status") not in ("in_sync", "skipped")}
        if drill.get("verdict") == "FAIL":
            reasons.append(f"the last drill of the pair failed: {'; '.join(drill.get('reasons') or []) or 'no reason given'}")
    else:
        facts["drift"] = None  # drift needs the source Region; the last drill report carries it
    try:
        held_back = read_held_back(s3, dest, spec.held_back_key)
        facts["held_back"] = sorted(held_back) if held_back else []
    except DRError as error:
        reasons.append(error.message)
    return {"ready": not reasons, "reasons": reasons, "facts": facts, "tags": tags}


def _reserved_prefix(spec: FailoverSpec) -> str:
    """Objects of this collection in the DR bucket (the held-back document): never application data."""
    return spec.held_back_key.rsplit("/", 1)[0] + "/" if "/" in spec.held_back_key else spec.held_back_key


# ------------------------------------------------------------------------------------------------
# failover
# ------------------------------------------------------------------------------------------------

def failover(clients, spec: FailoverSpec, check_mode: bool = False, now: datetime | None = None) -> Result:
    """Fail one pair over to its DR bucket, with the DR Region's API only. DRError for a refused pair."""
    return _run_pair_step(_failover, "Failover", clients, spec, check_mode, now)


def _run_pair_step(step, name: str, clients, spec: FailoverSpec, check_mode: bool, now: datetime | None) -> Result:
    """``step`` for one pair: input checked first, any error named after the pair with the steps already done."""
    problems = spec_problems(spec)
    if problems:
        raise invalid_input(spec.source_bucket, problems)
    result = Result()
    with named_errors(spec.source_bucket, lambda: result.done(check_mode), region=spec.dest_region,
                      doing=f"{name} of {spec.source_bucket} / {spec.resolved_dest_bucket} stopped (run again to "
                            "finish it: steps already done are not repeated)"):
        step(clients, spec, check_mode, now or _now(), result)
    return result


def _failover(clients, spec: FailoverSpec, check_mode: bool, now: datetime, result: Result) -> None:
    source, dest, region = spec.source_bucket, spec.resolved_dest_bucket, spec.dest_region
    s3 = clients("s3", region)
    readiness = dr_readiness(clients, spec, now)
    tags = readiness["tags"]
    record = failover_record(tags)
    result.data = {"source_bucket": source, "dest_bucket": dest, "dest_region": region, "ready": readiness["ready"],
                   "readiness": readiness["facts"], "reasons": readiness["reasons"], "forced": False}
    result.before = {"failover": record, "held_back": {}, "mrap": None}
    if tags is None:
        raise DRError(f"Bucket {source}: cannot fail over: DR bucket {dest} does not exist in {region}.",
                      bucket=source, region=region)
    if not readiness["ready"] and record is None:
        if not spec.force:
            raise DRError(f"Bucket {source}: failover to {dest} in {region} refused, the DR bucket is not ready: "
                          + "; ".join(readiness["reasons"]) + ". Fix that, or set force: true to fail over anyway.",
                          bucket=source, region=region)
        result.data["forced"] = True
        result.warnings.append(f"{source}: failing over although the DR bucket is not ready (force): "
                               + "; ".join(readiness["reasons"]))

    if record is None:
        operator = spec.operator or clients("sts", region).get_caller_identity()["Arn"]
        record = {"state": FAILED_OVER, "at": _iso(now), "by": tag_value(operator),
                  "reason": tag_value(spec.reason or "not given")}
        new_tags = {key: value for key, value in tags.items() if key != FAILBACK_AT_TAG}
        new_tags.update({STATE_TAG: FAILED_OVER, AT_TAG: record["at"], BY_TAG: record["by"],
                         REASON_TAG: record["reason"]})
        result.write(f"record the failover on {dest} (tags {STATE_TAG}, {AT_TAG}, {BY_TAG}, {REASON_TAG}); "
                     "the pipeline leaves the pair alone from now on",
                     lambda: s3.put_bucket_tagging(Bucket=dest, Tagging={"TagSet": [
                         {"Key": key, "Value": value} for key, value in sorted(new_tags.items())]}), check_mode)
    held_back = read_held_back(s3, dest, spec.held_back_key) or {}
    applied = _apply_held_back(s3, spec, held_back, result, check_mode)
    routed = route_mrap(clients, spec, dest, check_mode, _has_rule(s3, dest, REVERSE_RULE_ID))
    if routed["changed"]:
        result.record(f"route Multi-Region Access Point {routed['mrap']} to {dest}")
    result.after = {"failover": record, "held_back": applied, "mrap": routed["mrap"] and dest}
    result.data.update(failover=record, held_back=applied, mrap=routed)
    verb = "would fail over" if check_mode and result.changed else "failed over"
    result.data["summary"] = (
        f"{source} -> {dest}: {verb} at {record['at']} by {record['by']}; held-back settings: "
        f"{', '.join(f'{name} {state}' for name, state in applied.items()) or 'none'}; Multi-Region Access Point: "
        f"{routed['mrap'] or 'none'}; {len(result.actions)} write(s)")


# ------------------------------------------------------------------------------------------------
# failback
# ------------------------------------------------------------------------------------------------

def failback(clients, spec: FailoverSpec, check_mode: bool = False, now: datetime | None = None) -> Result:
    """Bring a failed-over pair back to its source bucket (both Regions up). DRError when it cannot."""
    return _run_pair_step(_failback, "Failback", clients, spec, check_mode, now)


def _merge(result: Result, step: Result) -> None:
    result.actions.extend(step.actions)
    result.changed = result.changed or step.changed
    result.warnings.extend(step.warnings)


def _failback(clients, spec: FailoverSpec, check_mode: bool, now: datetime, result: Result) -> None:
    source, dest, dest_region = spec.source_bucket, spec.resolved_dest_bucket, spec.dest_region
    dest_s3 = clients("s3", dest_region)
    tags = buckets.bucket_tags(dest_s3, dest)
    if tags is None:
        raise DRError(f"DR bucket {dest} does not exist in {dest_region}: nothing to fail back.", region=dest_region)
    record = failover_record(tags)
    source_region = spec.source_region or buckets.source_bucket_region(clients, source)
    reverse = CrrSpec(source_bucket=dest, dest_bucket=source, dest_region=source_region, create_dest_bucket=False,
                      rules=[{"id": REVERSE_RULE_ID, "replica_modifications": True}])
    result.before = {"failover": record, "reverse_replication": _has_rule(dest_s3, dest, REVERSE_RULE_ID)}
    result.data = {"source_bucket": source, "source_region": source_region, "dest_bucket": dest,
                   "dest_region": dest_region, "failover": record, "copied_back": None, "verified": None}
    if record is not None:
        reversed_replication = apply_crr(clients, reverse, check_mode)
        # The source bucket is the reverse rule's destination only for a while: its baseline is not a DR bucket's.
        reversed_replication.warnings = [warning for warning in reversed_replication.warnings
                                         if not warning.startswith(f"DR bucket {source} ")]
        _merge(result, reversed_replication)
        failover_at = datetime.strptime(record["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) \
            if record.get("at") else None
        written = _written_since(dest_s3, dest, failover_at, _reserved_prefix(spec))
        source_s3 = clients("s3", source_region)
        to_copy = [item for item in written if not _same_object(source_s3, source, item)]
        copy_spec = BackfillSpec(source_bucket=dest, dest_bucket=source, dest_region=source_region,
                                 concurrency=spec.concurrency)
        copied = copy_objects(dest_s3, source_s3, copy_spec, to_copy,
                              dest_is_kms=buckets.default_kms_key(source_s3, source) is not None, check_mode=check_mode)
        result.data["copied_back"] = {"written_in_dr": len(written), **copied}
        if to_copy:
            result.record(f"{'would copy' if check_mode else 'copy'} {len(to_copy)} object(s) written in {dest} since "
                          f"the failover back to {source}")
        if copied["objects_failed"]:
            raise DRError(f"{copied['objects_failed']} object(s) written in {dest} during the failover could not be "
                          f"copied back to {source}: {copied['failures'][:MISMATCHES_SHOWN]}. The pair stays failed "
                          "over; fix that and run again.", region=dest_region)
        if not check_mode:
            missing = [item["Key"] for item in written if not _same_object(source_s3, source, item)]
            result.data["verified"] = {"objects_checked": len(written), "missing_or_different": missing,
                                       "both_sides": _both_sides(dest_s3, dest, source_s3, source, spec)}
            only_in_source = result.data["verified"]["both_sides"]["only_in_source"]
            if only_in_source:
                result.warnings.append(
                    f"{source}: {len(only_in_source)} object(s) are in the source bucket but not in {dest} (written "
                    f"before the outage and never replicated, e.g. {only_in_source[:3]}); copy them with "
                    "resilience.s3_dr.s3_crr_backfill once the pair is back.")
            if missing:
                raise DRError(f"{len(missing)} object(s) written in {dest} during the failover are not the same in "
                              f"{source}: {missing[:MISMATCHES_SHOWN]}. The pair stays failed over; run again.",
                              region=dest_region)
    # The reverse rule is there now (or, in check mode, would be) when the pair was failed over.
    routed = route_mrap(clients, spec, source, check_mode, record is not None or result.before["reverse_replication"])
    if routed["changed"]:
        result.record(f"route Multi-Region Access Point {routed['mrap']} back to {source}")
    result.data["mrap"] = routed
    if record is not None:
        held_back = read_held_back(dest_s3, dest, spec.held_back_key) or {}
        if held_back:
            restore = CloneSpec(**{**spec.clone_options, "source_bucket": source, "dest_region": dest_region,
                                   "dest_bucket": dest, "categories": sorted(held_back)})
            _merge(result, clone_configuration(clients, restore, check_mode))
        new_tags = {key: value for key, value in tags.items() if key != STATE_TAG}
        new_tags[FAILBACK_AT_TAG] = _iso(now)
        result.write(f"record the failback on {dest} (tag {FAILBACK_AT_TAG}) and resume the pipeline for the pair",
                     lambda: dest_s3.put_bucket_tagging(Bucket=dest, Tagging={"TagSet": [
                         {"Key": key, "Value": value} for key, value in sorted(new_tags.items())]}), check_mode)
    # A pair behind an MRAP keeps its two-way replication: s3_dr_mrap owns the reverse rule then.
    two_way = spec.two_way or routed["mrap"] is not None
    if not two_way and (record is not None or result.before["reverse_replication"]):
        _merge(result, apply_crr(clients, CrrSpec(source_bucket=dest, dest_bucket=source, dest_region=source_region,
                                                  rules=[{"id": REVERSE_RULE_ID}], state="absent"), check_mode))
    result.after = {"failover": None, "reverse_replication": two_way and (
        record is not None or result.before["reverse_replication"])}
    copied, verified = result.data["copied_back"], result.data["verified"]
    result.data["summary"] = (
        f"{dest} -> {source}: " + ("not failed over, nothing to fail back" if record is None else
                                   f"failed back (failed over at {record['at']}); objects written in DR since then: "
                                   f"{copied['written_in_dr']}, copied back: {copied['objects_copied']}, "
                                   f"verified in the source: {verified['objects_checked'] if verified else 'not in check mode'}")
        + f"; reverse replication {'kept (two-way)' if two_way else 'removed'}; {len(result.actions)} write(s)")


def _both_sides(dest_s3, dest: str, source_s3, source: str, spec: FailoverSpec) -> dict[str, Any]:
    """The two listings compared by key (at most ``max_keys`` keys each, the reserved prefix left out)."""
    reserved = _reserved_prefix(spec)

    def keys(s3, bucket):
        listing = s3.list_objects_v2(Bucket=bucket, MaxKeys=spec.max_keys)
        return ({item["Key"] for item in listing.get("Contents", []) if not item["Key"].startswith(reserved)},
                bool(listing.get("IsTruncated")))

    (in_dr, dr_truncated), (in_source, source_truncated) = keys(dest_s3, dest), keys(source_s3, source)
    return {"only_in_dr": sorted(in_dr - in_source)[:MISMATCHES_SHOWN],
            "only_in_source": sorted(in_source - in_dr)[:MISMATCHES_SHOWN],
            "in_both": len(in_dr & in_source), "truncated": dr_truncated or source_truncated}


def _has_rule(s3, bucket: str, rule_id: str) -> bool:
    configuration = buckets.replication_configuration(s3, bucket) or {}
    return any(rule.get("ID") == rule_id for rule in configuration.get("Rules", []))


def _written_since(s3, bucket: str, since: datetime | None, reserved_prefix: str) -> list[dict[str, Any]]:
    """The DR bucket's current objects last modified at or after ``since`` (all of them when it is None)."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            if item["Key"].startswith(reserved_prefix):
                continue
            if since is None or item["LastModified"] >= since:
                found.append(item)
    return found


def _same_object(s3, bucket: str, item: dict[str, Any]) -> bool:
    """Whether ``bucket`` holds the listed object: same size and ETag, or a copy marked with its ETag."""
    try:
        head = s3.head_object(Bucket=bucket, Key=item["Key"])
    except Exception as error:  # noqa: BLE001
        if error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    etag = (item.get("ETag") or "").strip('"')
    return head.get("ContentLength") == item["Size"] and (
        (head.get("ETag") or "").strip('"') == etag or head.get("Metadata", {}).get(SOURCE_ETAG_METADATA) == etag)
