# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DR pairs in one pass per bucket: settings cloned, replication enabled, existing objects copied.

With a DR account (``clone.dest_account_role_arn``) the DR bucket is made and cloned as that account's role, which
then lets the pair's replication role in (``dest_access.grant_after_clone``); the rules name that account, which
owns the replicas. The copy backfill cannot write there (it would need the DR account to let this one write).

The same three core functions the separate modules call (``clone_configuration``, ``enable_replication``,
``copy_missing``), run back to back for each bucket and sharing what they learn: the caller's identity
once per run, each bucket's Region and its DR bucket's state once per bucket, and every category value
read (or written) by the clone, so that replication and backfill read nothing again. Each bucket is on
its own: a failure is recorded with its step, the other buckets go on.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .backfill import BackfillSpec, copy_missing
from .backfill import spec_problems as backfill_spec_problems
from .clients import worker_clients
from .clone import CloneSpec, clone_configuration, clone_spec_problems
from .crr import CrrSpec, enable_replication, spec_problems
from .dest_access import grant_after_clone
from .discovery import Discovery, PairFacts
from .errors import DRError, describe_error, invalid_input

CHANGED_STATUSES = ("created", "updated", "deleted")


@dataclass
class PairPlan:
    """The options of each step, the same for every bucket of the fleet (without the bucket names)."""

    dest_region: str
    clone: dict[str, Any] = field(default_factory=dict)  # CloneSpec fields
    replication: dict[str, Any] = field(default_factory=dict)  # CrrSpec fields
    backfill: dict[str, Any] | None = None  # BackfillSpec fields; None: no backfill

    def specs(self, source_bucket: str, dest_bucket: str | None) -> tuple[CloneSpec, CrrSpec, BackfillSpec | None]:
        pair = {"source_bucket": source_bucket, "dest_bucket": dest_bucket, "dest_region": self.dest_region}
        backfill = BackfillSpec(**pair, **self.backfill) if self.backfill is not None else None
        clone = CloneSpec(**pair, **self.clone)
        # A DR account (clone.dest_account_role_arn) owns the DR buckets and, by owner override, the replicas.
        owner = {"dest_account": clone.dest_account, "owner_override": True} if clone.dest_account else {}
        return clone, CrrSpec(**pair, **self.replication, **owner), backfill


def plan_problems(plan: PairPlan, source_bucket: str, dest_bucket: str | None) -> list[str]:
    """What the spec checks of the three steps refuse, before any AWS call."""
    clone_spec, crr_spec, backfill_spec = plan.specs(source_bucket, dest_bucket)
    problems = clone_spec_problems(clone_spec) + spec_problems(crr_spec)
    problems += backfill_spec_problems(backfill_spec) if backfill_spec else []
    if clone_spec.dest_account_role_arn and backfill_spec:
        problems.append("backfill copies existing objects with this account's credentials, which cannot write into the "
                        "DR account's buckets: set backfill to false and copy them with "
                        "resilience.s3_dr.s3_crr_backfill method=batch_replication (through the replication role)")
    return list(dict.fromkeys(problems))


def dr_pair(clients, plan: PairPlan, source_bucket: str, dest_bucket: str | None, discovery: Discovery,
            check_mode: bool = False, copy_pool: ThreadPoolExecutor | None = None) -> dict[str, Any]:
    """One bucket, one pass: clone, then replication (also when only some categories failed: data first),
    then backfill. Never raises: a failure is in the record (``failed``, ``failed_step``, ``msg``)."""
    clone_spec, crr_spec, backfill_spec = plan.specs(source_bucket, dest_bucket)
    facts = PairFacts(source_values=discovery.known_source_values(source_bucket))
    record: dict[str, Any] = {"source_bucket": source_bucket, "dest_bucket": clone_spec.resolved_dest_bucket,
                              "dest_region": plan.dest_region, "changed": False, "failed": False,
                              "actions": [], "warnings": []}
    failures: list[tuple[str, str]] = []
    step = "input"

    def absorb(result) -> None:
        record["changed"] = record["changed"] or result.changed
        record["actions"] += result.actions
        record["warnings"] += result.warnings

    try:
        problems = plan_problems(plan, source_bucket, dest_bucket)
        if problems:
            raise invalid_input(source_bucket, problems)
        step = "clone"
        clone = clone_configuration(clients, clone_spec, check_mode, discovery, facts)
        absorb(clone)
        record.update(source_region=clone.data["source_region"], categories=clone.data["categories"],
                      before={"settings": clone.before}, after={"settings": clone.after})
        if clone.failure:
            failures.append(("clone", clone.failure))
        if clone_spec.dest_account_role_arn:
            step = "dest_access"
            absorb(grant_after_clone(clients, clone_spec, discovery, check_mode, facts))
        step = "replication"
        crr = enable_replication(clients, crr_spec, check_mode, discovery, facts)
        absorb(crr)
        record["role_arn"] = crr.data["role_arn"]
        record["replication"] = "set up now" if crr.changed else "already in place"
        record["before"]["replication"], record["after"]["replication"] = crr.before, crr.after
        if backfill_spec is not None and facts.dest_exists:  # in check mode, a DR bucket to create has no objects
            step = "backfill"
            copied = copy_missing(clients, backfill_spec, check_mode, None, discovery, facts, copy_pool)
            absorb(copied)
            record["backfill"] = {key: copied.data[key] for key in (
                "objects_scanned", "objects_copied", "objects_skipped", "objects_failed", "bytes_copied") if key in copied.data}
            if copied.data.get("objects_failed"):
                first = "; ".join(f"{item['key']}: {item['error']}" for item in copied.data["failures"][:5])
                failures.append(("backfill", f"Bucket {source_bucket}: {copied.data['objects_failed']} object(s) failed "
                                             f"to copy ({first}); run again to copy them"))
    except DRError as error:
        failures.insert(0, (step, str(error)))
        record["actions"] += [action for action in error.done if action not in record["actions"]]
        record["changed"] = record["changed"] or bool(error.done)
    except Exception as error:  # noqa: BLE001 - an AWS error no step foresaw: this bucket's, not the fleet's
        failures.insert(0, (step, f"Bucket {source_bucket}: {describe_error(error)}."))
    if failures:
        record.update(failed=True, failed_step=failures[0][0], msg=" ".join(message for _step, message in failures))
    record["cloned"] = sorted(name for name, outcome in record.get("categories", {}).items()
                              if outcome["status"] in CHANGED_STATUSES)
    record["failed_categories"] = sorted(name for name, outcome in record.get("categories", {}).items()
                                         if outcome["status"] == "failed")
    return record


def run_pairs(clients, plan: PairPlan, selection: Iterable[tuple[str, str | None]], discovery: Discovery,
              on_done: Callable[[dict[str, Any]], None], concurrency: int, check_mode: bool = False,
              copy_concurrency: int = 32, fail_fast: bool = False) -> list[str]:
    """``dr_pair`` for each (source, DR bucket name or None), ``concurrency`` buckets at a time, each record handed
    to ``on_done`` as soon as it is done (from one thread at a time), none kept. The buckets' copies share one pool
    of ``copy_concurrency`` object workers. With ``fail_fast`` no bucket is started after the first failure.
    Returns the source buckets not started."""
    pending = iter(selection)
    lock = threading.Lock()
    stop = threading.Event()
    not_started: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, copy_concurrency), thread_name_prefix="s3dr-copy") as copy_pool, \
            ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="s3dr-pair") as pool:
        def one(source: str, dest: str | None) -> None:
            # Each pair worker has its own clients (own retry quotas), shared by the threads its bucket starts.
            record = dr_pair(worker_clients(clients), plan, source, dest, discovery, check_mode, copy_pool)
            with lock:
                if record["failed"] and fail_fast:
                    stop.set()
                on_done(record)

        running: set = set()
        for source, dest in pending:
            while len(running) >= max(1, concurrency):  # a bounded window: 10,000 buckets are not 10,000 futures
                _done, running = futures_wait(running, return_when=FIRST_COMPLETED)
            if stop.is_set():
                not_started.append(source)
                continue
            running.add(pool.submit(one, source, dest))
        futures_wait(running)
    return not_started


class FleetSummary:
    """Counts and the buckets that need attention: what a task result holds for a fleet of any size."""

    def __init__(self) -> None:
        self.buckets = self.changed = self.objects_copied = 0
        self.replication_set_up = 0
        self.failed: list[dict[str, str]] = []
        self.changed_buckets: list[str] = []

    def add(self, record: dict[str, Any]) -> None:
        self.buckets += 1
        if record["changed"]:
            self.changed += 1
            self.changed_buckets.append(record["source_bucket"])
        if record.get("replication") == "set up now":
            self.replication_set_up += 1
        self.objects_copied += (record.get("backfill") or {}).get("objects_copied", 0)
        if record["failed"]:
            self.failed.append({"source_bucket": record["source_bucket"], "step": record["failed_step"],
                                "msg": record["msg"]})

    def as_dict(self) -> dict[str, Any]:
        return {"buckets": self.buckets, "changed": self.changed, "failed": len(self.failed),
                "replication_set_up": self.replication_set_up, "objects_copied": self.objects_copied}
