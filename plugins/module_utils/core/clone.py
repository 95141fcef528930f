# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket configuration: cloned to the DR bucket (``clone_configuration``) and compared (``drift_report``).

Both walk the category registry with the same plan: read both sides, rewrite the source value for
the DR side, lay the secure baseline on top, compare normalized values.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import buckets, validation
from .categories import REGISTRY, Category, RewriteContext, Unmapped
from .discovery import Discovery, PairFacts, new_dr_bucket_values
from .errors import DRError, describe_error, error_code, invalid_input, named_errors
from .naming import dr_bucket_name, pair_name_problems
from .policies import arn_partition, bucket_arn
from .replication import normalize_configuration
from .result import Result

LOG = logging.getLogger(__name__)
WRITE_VERBS = {"created": "create", "updated": "update", "deleted": "delete"}
READ_AHEAD = 4  # category reads of one bucket pair in flight at once


@dataclass
class CloneSpec:
    source_bucket: str
    dest_region: str
    dest_bucket: str | None = None
    dest_suffix: str = "-dr"
    categories: list[str] | None = None
    exclude_categories: list[str] = field(default_factory=list)
    kms_key_map: dict[str, str] = field(default_factory=dict)
    notification_target_map: dict[str, str] = field(default_factory=dict)
    bucket_map: dict[str, str] = field(default_factory=dict)
    policy_value_map: dict[str, str] = field(default_factory=dict)
    trigger_tag_key: str = "dr"
    on_unmapped: str = "skip"
    purge: bool = True
    secure_baseline: bool = True
    create_dest_bucket: bool = True
    dest_kms_key_id: str | None = None
    allow_unknown_region: bool = False
    harden_dest: bool = False
    # Buckets declared by infrastructure as code: CloudFormation stacks, or any of these tag keys.
    iac_owner_tags: list[str] = field(default_factory=list)
    iac_owned: str = "report"  # report: plan only, write nothing; clone: clone them like any other
    # A role of the DR bucket's account (cross-account DR): everything done to the DR bucket is done as that role.
    dest_account_role_arn: str | None = None

    @property
    def resolved_dest_bucket(self) -> str:
        return self.dest_bucket or dr_bucket_name(self.source_bucket, self.dest_suffix)

    @property
    def dest_account(self) -> str | None:
        """The DR bucket's account when it is another one (that of dest_account_role_arn), else None."""
        arn = validation.parse_arn(self.dest_account_role_arn)
        return arn["account"] if arn else None

    @property
    def selected_categories(self) -> list[str]:
        chosen = self.categories or list(REGISTRY)
        return [name for name in REGISTRY if name in chosen and name not in self.exclude_categories]


def clone_spec_problems(spec: CloneSpec) -> list[str]:
    problems = []
    unknown = sorted((set(spec.categories or []) | set(spec.exclude_categories)) - set(REGISTRY))
    if unknown:
        problems.append(f"unknown categories {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    problems += pair_name_problems(spec.source_bucket, spec.dest_bucket, spec.dest_suffix)
    problems += [problem for problem in (
        validation.kms_key_problem(target, f"kms_key_map[{key}]", spec.dest_region, "the DR Region")
        for key, target in sorted(spec.kms_key_map.items())) if problem]
    wrong_targets = sorted(target for target in spec.notification_target_map.values()
                           if target.startswith("arn:") and target.split(":")[3] != spec.dest_region)
    if wrong_targets:
        problems.append(f"notification_target_map maps to targets outside the DR Region {spec.dest_region}: "
                        f"{', '.join(wrong_targets)}")
    if spec.on_unmapped not in ("skip", "fail"):
        problems.append("on_unmapped must be skip or fail")
    problems += [problem for problem in (
        validation.region_problem(spec.dest_region, "dest_region", spec.allow_unknown_region),
        validation.kms_key_problem(spec.dest_kms_key_id, "dest_kms_key_id", spec.dest_region, "the DR Region"),
    ) if problem]
    if spec.iac_owned not in ("report", "clone"):
        problems.append("iac_owned must be report or clone")
    problems.append(validation.role_arn_problem(spec.dest_account_role_arn, "dest_account_role_arn",
                                                validation.partition_of(spec.dest_region)))
    if spec.harden_dest and not spec.secure_baseline:
        problems.append("harden_dest: true applies the secure baseline, which secure_baseline: false turns off; "
                        "choose one")
    return [problem for problem in problems if problem]


# The clone category that lays each piece of the secure baseline (buckets.baseline_gaps names) on the DR bucket.
BASELINE_CATEGORY = {category.baseline_gap: name for name, category in REGISTRY.items() if category.baseline_gap}


@dataclass
class _Pair:
    spec: CloneSpec
    source_s3: Any
    dest_s3: Any
    context: RewriteContext
    dest_clients: Any = None  # the DR account's, with dest_account_role_arn; else ``clients``
    adopted: bool = False  # the DR bucket existed before this run
    facts: PairFacts = field(default_factory=PairFacts)
    clients: Any = None
    iac_owner: str | None = None  # who declares the source bucket in code, when someone does
    hands_off: bool = False  # plan only: check mode, or an IaC-owned source without iac_owned: clone
    owner_unknown: str | None = None  # why the tags that say who owns the source could not be read

    def source(self, category: Category) -> Any:
        """What the category reads the source bucket with (the S3 client of its Region, or another)."""
        return category.client(self.clients, self.context.source_region, self.context.account_id)

    def dest(self, category: Category) -> Any:
        """What the category reads and writes the DR bucket with; None while the DR bucket does not exist."""
        if self.dest_s3 is None:
            return None
        return category.client(self.dest_clients, self.context.dest_region, self.context.dest_account)

    def source_value(self, name: str) -> Any:
        """A source category's value, read once per pair (the replication step reuses it)."""
        if name not in self.facts.source_values:
            self.facts.source_values[name] = REGISTRY[name].read(self.source(REGISTRY[name]), self.spec.source_bucket)
        return self.facts.source_values[name]

    def dest_value(self, name: str) -> Any:
        """A DR category's value: as this run made it, else read once."""
        if name not in self.facts.dest_values:
            self.facts.dest_values[name] = REGISTRY[name].read(self.dest(REGISTRY[name]), self.context.dest_bucket)
        return self.facts.dest_values[name]

    def read_failure(self, name: str) -> dict[str, Any] | None:
        """Both sides of a category read (once); None when they were read, else the category's outcome: skipped
        where its API is not offered (a Region or an S3-compatible store without it), failed otherwise."""
        try:
            self.source_value(name)
            if self.dest_s3 is not None:
                self.dest_value(name)
        except Exception as error:  # pylint: disable=broad-exception-caught  # this category's outcome
            category = REGISTRY[name]
            reason = category.unsupported_read(error)
            if reason:
                return {"status": "skipped", "reason": reason}
            return {"status": "failed", "reason": category.explain(error, self.dest(category), self.context.dest_bucket),
                    "error_code": error_code(error)}
        return None

    def optional_source_value(self, name: str) -> Any:
        """A source value where the run can go on without it (its read failure is the category's, reported when
        the category is cloned): None when it cannot be read."""
        return None if self.read_failure(name) else self.facts.source_values.get(name)


def _open_pair(clients, spec: CloneSpec, check_mode: bool, result: Result, create: bool,
               discovery: Discovery | None = None, facts: PairFacts | None = None) -> _Pair | None:
    problems = clone_spec_problems(spec)
    if problems:
        raise invalid_input(spec.source_bucket, problems)
    dest = spec.resolved_dest_bucket
    discovery = discovery or Discovery()
    facts = facts if facts is not None else PairFacts()
    identity = discovery.identity(clients, spec.dest_region)
    account_id, partition = identity["Account"], arn_partition(identity["Arn"])
    source_region = discovery.source_region(clients, spec.source_bucket, spec.dest_region)
    validation.require_no_problems(spec.source_bucket, [
        validation.same_region_problem(spec.source_bucket, source_region, spec.dest_region)], region=source_region)
    dest_clients, dest_account_id = clients, account_id
    if spec.dest_account_role_arn:
        dest_clients = discovery.assumed_clients(clients, spec.dest_account_role_arn, spec.dest_region)
        dest_account_id = spec.dest_account
    source_s3, dest_s3 = clients("s3", source_region), dest_clients("s3", spec.dest_region)
    context = RewriteContext(spec.source_bucket, dest, source_region, spec.dest_region, account_id,
                             kms_key_map=dict(spec.kms_key_map), notification_target_map=dict(spec.notification_target_map),
                             bucket_map=dict(spec.bucket_map), policy_value_map=dict(spec.policy_value_map),
                             trigger_tag_key=spec.trigger_tag_key, on_unmapped=spec.on_unmapped, partition=partition,
                             dest_account_id=dest_account_id)
    pair = _Pair(spec, source_s3, None, context, dest_clients=dest_clients, facts=facts, clients=clients)
    # The tags come from the tagging category's read, which the clone shares. Tags that cannot be read leave the
    # owner unknown: then nothing is written (the tagging category reports why), as for a bucket declared in code.
    tags_read = pair.read_failure("tagging")
    if tags_read and tags_read["status"] == "failed":
        pair.owner_unknown = tags_read["reason"]
    pair.iac_owner = buckets.iac_owner(pair.facts.source_values.get("tagging") or {}, spec.iac_owner_tags)
    check_mode = pair.hands_off = check_mode or bool(pair.iac_owner and spec.iac_owned != "clone") \
        or bool(pair.owner_unknown)
    if facts.dest_exists is None:
        facts.dest_exists = buckets.dest_bucket_state(dest_s3, dest, spec.dest_region, dest_account_id)
    if not facts.dest_exists:
        if not create:
            return pair
        if not spec.create_dest_bucket:
            raise DRError(f"Bucket {spec.source_bucket}: DR bucket {dest} does not exist in {spec.dest_region} and "
                          "create_dest_bucket is false. Create it, or set create_dest_bucket: true.",
                          bucket=spec.source_bucket)
        lock_read = pair.read_failure("object-lock")
        if lock_read and lock_read["status"] == "failed":  # Object Lock can only be turned on at creation: ask first
            raise DRError(f"Bucket {spec.source_bucket}: cannot tell whether it uses Object Lock, which DR bucket {dest} "
                          f"would need from its creation: {lock_read['reason']}", bucket=spec.source_bucket)
        object_lock = (pair.facts.source_values.get("object-lock") or {}).get("ObjectLockEnabled") == "Enabled"
        buckets.create_secure_bucket(dest_s3, dest, spec.dest_region, spec.dest_kms_key_id, object_lock, result,
                                     check_mode, partition)
        if check_mode:
            return pair
        # Known, not read back: what CreateBucket and the baseline writes just made (its owner: the source's, unless
        # the DR bucket is another account's).
        owner = (pair.optional_source_value("acl") or {}).get("Owner") \
            if "acl" in spec.selected_categories and dest_account_id == account_id else None
        facts.dest_exists, facts.dest_created = True, True
        facts.dest_values = new_dr_bucket_values(dest, spec.dest_kms_key_id, object_lock, owner, partition)
        pair.dest_s3 = dest_s3
        return pair
    pair.dest_s3, pair.adopted = dest_s3, True
    return pair


def _close_baseline_gaps(pair: _Pair, result: Result, check_mode: bool) -> tuple[list[str], list[str]] | None:
    """An adopted DR bucket's baseline gaps that the selected categories do not close: closed with harden_dest,
    else each named in a warning. Returns those gaps before and after (None: they could not be read)."""
    spec = pair.spec
    try:
        known = {name: pair.dest_value(name) for name in BASELINE_CATEGORY.values()}  # read once, for the clone too
        gaps, policy = buckets.baseline_gaps(pair.dest_s3, pair.context.dest_bucket, known)
    except Exception as error:  # pylint: disable=broad-exception-caught  # the category that failed says why
        result.warnings.append(f"DR bucket {pair.context.dest_bucket} in {spec.dest_region}: its secure baseline could "
                               f"not be checked ({describe_error(error)})")
        return None
    left = [gap for gap in gaps if not (spec.secure_baseline and BASELINE_CATEGORY[gap] in spec.selected_categories)]
    if left and spec.harden_dest:
        buckets.harden_bucket(pair.dest_s3, pair.context.dest_bucket, left, policy, spec.dest_kms_key_id, result,
                              check_mode, pair.context.partition)
        return left, []
    if left:
        result.warnings.append(buckets.baseline_gaps_warning(pair.context.dest_bucket, spec.dest_region, left))
    return left, left


def _desired(name: str, source_value: Any, dest_value: Any, pair: _Pair) -> Any:
    """The DR value: the rewritten source value with the secure baseline on top."""
    category = REGISTRY[name]
    desired = (category.rewrite(source_value, pair.context) if source_value is not None
               else category.rewrite_absent(pair.context))
    if desired is None and not pair.spec.purge:
        desired = dest_value
    desired = category.desired_given_dest(desired, dest_value)
    return category.secure_baseline(desired, dest_value, pair.context) if pair.spec.secure_baseline else desired


def _plan(name: str, pair: _Pair, dest_value: Any) -> dict[str, Any]:
    """What one category needs: status and values, with nothing written."""
    category = REGISTRY[name]
    source_value = pair.source_value(name)
    pair.context.skipped = []
    if source_value is not None and pair.dest_s3 is not None:
        reason = category.unsupported(source_value, pair.dest_value, pair.context.dest_bucket)
        if reason:
            return {"status": "skipped", "reason": reason, "before": dest_value, "after": dest_value}
    try:
        desired = _desired(name, source_value, dest_value, pair)
    except Unmapped as problem:
        if pair.spec.on_unmapped == "fail":
            raise DRError(f"Bucket {pair.spec.source_bucket}: {name}: {problem}", bucket=pair.spec.source_bucket,
                          cause=problem)
        return {"status": "skipped", "reason": str(problem), "before": dest_value, "after": dest_value}
    plan: dict[str, Any] = {"before": dest_value, "after": desired, "desired": desired}
    if category.normalize(desired) == category.normalize(dest_value):
        plan["status"] = "unchanged"
    elif desired is None:
        plan["status"] = "deleted"
    elif dest_value is None or category.normalize(dest_value) is None:
        plan["status"] = "created"
    else:
        plan["status"] = "updated"
    if pair.context.skipped:
        plan["skipped_parts"] = list(pair.context.skipped)
    return plan


def clone_configuration(clients, spec: CloneSpec, check_mode: bool = False, discovery: Discovery | None = None,
                        facts: PairFacts | None = None) -> Result:
    """Clone every selected category. Only a DR bucket that cannot be made raises; a category that
    fails (read, plan or write) is reported in ``categories``, ``failed_categories``, the warnings and
    ``Result.failure``, and the other categories are cloned all the same (data first: the caller goes
    on to replication)."""
    result = Result()
    with named_errors(spec.source_bucket, lambda: result.done(check_mode)):
        pair = _open_pair(clients, spec, check_mode, result, create=True, discovery=discovery, facts=facts)
        planning_only = pair.hands_off and not check_mode  # IaC-owned: the plan is reported, nothing written
        check_mode = pair.hands_off
        _read_ahead(pair, spec.selected_categories)
        gaps = _close_baseline_gaps(pair, result, check_mode) if pair.adopted else None
    outcomes = {name: _clone_category(name, pair, result, check_mode) for name in spec.selected_categories}
    result.before = {name: outcome["before"] for name, outcome in outcomes.items()}
    result.after = {name: outcome["after"] for name, outcome in outcomes.items()}
    if gaps is not None:
        result.before["dest_baseline_gaps"], result.after["dest_baseline_gaps"] = gaps
    failed = {name: outcome["reason"] for name, outcome in outcomes.items() if outcome["status"] == "failed"}
    result.data = {
        "source_bucket": spec.source_bucket, "source_region": pair.context.source_region,
        "dest_bucket": pair.context.dest_bucket, "dest_region": spec.dest_region,
        "categories": {name: {key: value for key, value in outcome.items() if key not in ("before", "after")}
                       for name, outcome in outcomes.items()},
        "failed_categories": sorted(failed),
        "iac_owner": pair.iac_owner,
    }
    # Replication is a bucket setting too, but s3_crr_enable's (rules, role and versioning together).
    result.data["categories"]["replication"] = {"status": "skipped", "reason": "managed by s3_crr_enable"}
    if planning_only:
        result.data["planned_actions"], result.actions, result.changed = result.actions, [], False
        if pair.iac_owner:
            result.warnings.append(
                f"Bucket {spec.source_bucket}: declared by {pair.iac_owner}: nothing was written, the planned changes "
                "are in planned_actions. Its DR bucket and settings belong in that code; set iac_owned: clone to clone "
                "it all the same.")
    result.warnings += [f"Bucket {spec.source_bucket}: {name}: {reason}" for name, reason in failed.items()]
    if pair.owner_unknown:
        result.failure = (f"Bucket {spec.source_bucket}: its tags could not be read ({pair.owner_unknown}), so whether "
                          "infrastructure as code declares it is unknown: nothing was written to "
                          f"{pair.context.dest_bucket}; the planned changes are in planned_actions.")
    elif failed:
        result.failure = (f"Bucket {spec.source_bucket}: could not clone to {pair.context.dest_bucket}: "
                          + "; ".join(f"{name}: {reason}" for name, reason in failed.items())
                          + ". The other categories were cloned.")
    return result


def _read_ahead(pair: _Pair, names: list[str]) -> None:
    """Read the categories of both sides ``READ_AHEAD`` at a time rather than one after the other: a pair then
    waits about as long as its slowest few reads, not their sum. A read that fails is left to ``_clone_category``,
    which reads it again and reports the error as that category's."""
    reads = [(pair.source_value, name) for name in names if name not in pair.facts.source_values]
    if pair.dest_s3 is not None:
        reads += [(pair.dest_value, name) for name in names if name not in pair.facts.dest_values]

    def read(item) -> None:
        reader, name = item
        try:
            reader(name)
        except Exception:  # pylint: disable=broad-exception-caught  # reported by _clone_category
            LOG.debug("Bucket %s: reading %s ahead failed; read again when cloned", pair.spec.source_bucket, name)

    with ThreadPoolExecutor(max_workers=READ_AHEAD) as pool:
        list(pool.map(read, reads))


def _clone_category(name: str, pair: _Pair, result: Result, check_mode: bool) -> dict[str, Any]:
    """One category read, planned and written; whatever fails is this category's outcome, not the clone's."""
    category, dest = REGISTRY[name], pair.context.dest_bucket
    unread = pair.read_failure(name)
    dest_value = pair.facts.dest_values.get(name) if pair.dest_s3 else None
    if unread:
        if unread["status"] == "failed":
            LOG.warning("Bucket %s: reading %s failed: %s", pair.spec.source_bucket, name, unread["reason"])
        return {**unread, "before": dest_value, "after": dest_value}
    try:
        plan = _plan(name, pair, dest_value)
        if plan["status"] in WRITE_VERBS:
            if plan["status"] == "deleted":
                write = functools.partial(category.delete, pair.dest(category), dest, dest_value)
            else:
                write = functools.partial(category.apply, pair.dest(category), dest, plan["desired"], dest_value)
            pair.facts.dest_values.pop(name, None)  # unknown until the write succeeded
            result.write(f"{WRITE_VERBS[plan['status']]} {name} on {dest}", write, check_mode)
            if not check_mode and plan["status"] != "deleted":  # a delete may leave a default: read it if needed
                pair.facts.dest_values[name] = plan["desired"]
    except Exception as error:  # one category failing never stops the others
        reason = str(error.cause) if isinstance(error, DRError) else category.explain(error, pair.dest(category), dest)
        LOG.warning("Bucket %s: %s failed: %s", pair.spec.source_bucket, name, reason)
        return {"status": "failed", "reason": reason, "error_code": error_code(error), "before": dest_value,
                "after": dest_value}
    plan.pop("desired", None)
    return plan


def drift_report(clients, spec: CloneSpec, compare_objects: bool = False, max_keys: int = 1000,
                 discovery: Discovery | None = None) -> dict[str, Any]:
    """Per category in_sync / drifted / missing_on_dr / skipped, plus replication and versioning."""
    with named_errors(spec.source_bucket):
        pair = _open_pair(clients, spec, True, Result(), create=False, discovery=discovery)
    dest = pair.context.dest_bucket
    report: dict[str, Any] = {"source_bucket": spec.source_bucket, "source_region": pair.context.source_region,
                              "dest_bucket": dest, "dest_region": spec.dest_region, "dest_bucket_exists": bool(pair.dest_s3),
                              "iac_owner": pair.iac_owner}
    if pair.iac_owner:
        report["iac_advice"] = (f"declared by {pair.iac_owner}: declare its DR bucket, replication and settings in that "
                                "code; the clone only reports its drift unless iac_owned: clone is given")
    if pair.dest_s3 is None:
        report.update(dr_ready=False, categories={}, problems=[f"DR bucket {dest} does not exist in {spec.dest_region}"])
        return report
    categories = {}
    for name in spec.selected_categories:
        category = REGISTRY[name]
        unread = pair.read_failure(name)
        if unread:  # skipped where the API is not offered; failed: this category cannot be compared
            categories[name] = {"status": unread["status"], "reason": unread["reason"]}
            continue
        dest_value = pair.dest_value(name)
        plan = _plan(name, pair, dest_value)
        if plan["status"] == "unchanged":
            entry = {"status": "in_sync"}
        elif plan["status"] == "skipped":
            entry = {"status": "skipped", "reason": plan["reason"]}
        else:
            entry = {"status": "missing_on_dr" if plan["status"] == "created" else "drifted",
                     "fields": changed_fields(category.normalize(dest_value), category.normalize(plan["after"]))}
        if plan.get("skipped_parts"):
            entry["skipped_parts"] = plan["skipped_parts"]
        categories[name] = entry
    report["categories"] = categories
    report["replication"] = _replication_status(pair.source_s3, spec.source_bucket, dest, pair.context.partition)
    report["versioning"] = {"source": buckets.versioning_status(pair.source_s3, spec.source_bucket),
                            "dest": buckets.versioning_status(pair.dest_s3, dest)}
    if compare_objects:
        report["objects"] = compare_object_listings(pair.source_s3, spec.source_bucket, pair.dest_s3, dest, max_keys)
    problems = [f"{name} {entry['status']}" for name, entry in categories.items()
                if entry["status"] in ("drifted", "missing_on_dr")]
    problems += [f"{name} could not be read: {entry['reason']}" for name, entry in categories.items()
                 if entry["status"] == "failed"]
    if not report["replication"]["enabled"]:
        problems.append(f"replication to {dest} is not enabled")
    problems += [f"versioning on the {side} bucket is {status}" for side, status in report["versioning"].items()
                 if status != "Enabled"]
    if compare_objects and (report["objects"]["missing_on_dr"] or report["objects"]["different"]):
        problems.append(f"{report['objects']['missing_on_dr']} objects missing and {report['objects']['different']} "
                        "different on the DR side")
    report["problems"] = problems
    report["dr_ready"] = not problems
    return report


def _replication_status(s3, source: str, dest: str, partition: str) -> dict[str, Any]:
    configuration = buckets.replication_configuration(s3, source)
    rules = (normalize_configuration(configuration) or {}).get("Rules", [])
    towards_dr = [rule["ID"] for rule in rules if rule["Destination"].get("Bucket") == bucket_arn(dest, partition)
                  and rule["Status"] == "Enabled"]
    return {"enabled": bool(towards_dr), "rules": towards_dr}


def compare_object_listings(source_s3, source: str, dest_s3, dest: str, max_keys: int) -> dict[str, Any]:
    """Keys missing or different (size, ETag) on the DR side, among the first ``max_keys`` source keys."""
    def listing(s3, bucket, limit):
        objects = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"MaxItems": limit}):
            for item in page.get("Contents", []):
                objects[item["Key"]] = (item["Size"], item["ETag"])
        return objects

    source_objects = listing(source_s3, source, max_keys)
    dest_objects = listing(dest_s3, dest, None)
    missing = sorted(key for key in source_objects if key not in dest_objects)
    different = sorted(key for key in source_objects if key in dest_objects and dest_objects[key] != source_objects[key])
    return {"compared": len(source_objects), "missing_on_dr": len(missing), "different": len(different),
            "sample_missing": missing[:20], "sample_different": different[:20], "truncated": len(source_objects) >= max_keys}


def changed_fields(before: Any, after: Any, path: str = "") -> list[str]:
    """Dotted paths where two normalized values differ (list items by index; a missing dict is empty)."""
    if before is None and isinstance(after, dict):
        before = {}
    if after is None and isinstance(before, dict):
        after = {}
    if isinstance(before, dict) and isinstance(after, dict):
        fields = []
        for key in sorted(set(before) | set(after), key=str):
            fields += changed_fields(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return fields
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        fields = []
        for index, (left, right) in enumerate(zip(before, after)):
            fields += changed_fields(left, right, f"{path}[{index}]")
        return fields
    return [] if before == after else [path or "(value)"]
