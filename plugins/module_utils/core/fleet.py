# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one core function over many buckets with bounded concurrency; one failure stops nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .buckets import bucket_tags, region_of_location
from .errors import DRError
from .validation import tag_filter_problem


@dataclass
class FleetOutcome:
    bucket: str
    result: Any = None  # what the work returned: a Result, or a report
    error: str | None = None
    done: list[str] | None = None


def run_fleet(buckets: Iterable[str], work: Callable[[str], Any], concurrency: int) -> list[FleetOutcome]:
    """``work(bucket)`` for every bucket, ``concurrency`` at a time; outcomes in input order."""
    def one(bucket: str) -> FleetOutcome:
        try:
            return FleetOutcome(bucket, result=work(bucket))
        except DRError as error:
            return FleetOutcome(bucket, error=error.message, done=error.done)
        except Exception as error:  # noqa: BLE001 - reported per bucket; the other buckets go on
            return FleetOutcome(bucket, error=f"{type(error).__name__}: {error}")

    buckets = list(buckets)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(buckets) or 1))) as pool:
        return list(pool.map(one, buckets))


def buckets_with_tags(clients, region: str, tags: dict[str, str], concurrency: int) -> list[str]:
    """Names of this account's buckets in ``region`` that carry every one of ``tags``."""
    problem = tag_filter_problem(tags)
    if problem:  # also guards the pipeline's sweep, which passes its trigger tag here
        raise DRError(f"Nothing was selected: {problem}.", region=region)
    s3 = clients("s3", region)
    listed: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_buckets").paginate():
        listed.extend(page.get("Buckets", []))

    def matches(bucket: dict[str, Any]) -> bool:
        name = bucket["Name"]
        bucket_region = bucket.get("BucketRegion") or region_of_location(
            s3.get_bucket_location(Bucket=name)["LocationConstraint"])
        if bucket_region != region:
            return False
        present = bucket_tags(s3, name) or {}  # a bucket deleted since the listing has none
        return all(present.get(key) == str(value) for key, value in tags.items())

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        selected = list(pool.map(matches, listed))
    return sorted(bucket["Name"] for bucket, keep in zip(listed, selected) if keep)
