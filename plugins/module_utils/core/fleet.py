# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one core function over many buckets with bounded concurrency; one failure stops nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .buckets import bucket_tags, region_of_location
from .clients import worker_clients
from .discovery import Discovery
from .errors import DRError, describe_error, error_code
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
            return FleetOutcome(bucket, error=describe_error(error))

    buckets = list(buckets)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(buckets) or 1))) as pool:
        return list(pool.map(one, buckets))


# S3 answers at most this many buckets per ListBuckets page; AWS refuses unpaginated ListBuckets for
# accounts whose bucket quota is above 10,000.
LIST_BUCKETS_PAGE_SIZE = 10000
FILTER_UNSUPPORTED_CODES = ("InvalidArgument", "InvalidRequest", "NotImplemented", "MalformedXML")


def buckets_in_region(clients, region: str) -> list[str]:
    """This account's buckets in ``region``: ListBuckets paginated and filtered by ``BucketRegion`` on the
    server; where the store refuses that filter (some S3-compatible stores), all buckets listed and each one
    without a ``BucketRegion`` in the answer located with GetBucketLocation."""
    s3 = clients("s3", region)
    paginator = s3.get_paginator("list_buckets")
    try:
        listed = [bucket for page in paginator.paginate(BucketRegion=region, PaginationConfig={
            "PageSize": LIST_BUCKETS_PAGE_SIZE}) for bucket in page.get("Buckets", [])]
    except Exception as error:
        if error_code(error) not in FILTER_UNSUPPORTED_CODES:
            raise
        listed = [bucket for page in paginator.paginate(PaginationConfig={"PageSize": LIST_BUCKETS_PAGE_SIZE})
                  for bucket in page.get("Buckets", [])]
        return [bucket["Name"] for bucket in listed if (bucket.get("BucketRegion") or region_of_location(
            s3.get_bucket_location(Bucket=bucket["Name"])["LocationConstraint"])) == region]
    # The filter was applied: a bucket without BucketRegion in the answer is in the Region asked for.
    return [bucket["Name"] for bucket in listed if bucket.get("BucketRegion", region) == region]


def buckets_with_tags(clients, region: str, tags: dict[str, str], concurrency: int,
                      discovery: Discovery | None = None) -> list[str]:
    """Names of this account's buckets in ``region`` that carry every one of ``tags``.

    With ``discovery``, each selected bucket's Region and tags are remembered, so the steps that follow
    neither locate it nor read its tags again.
    """
    problem = tag_filter_problem(tags)
    if problem:  # also guards the pipeline's sweep, which passes its trigger tag here
        raise DRError(f"Nothing was selected: {problem}.", region=region)
    names = buckets_in_region(clients, region)

    def tags_of(name: str) -> dict[str, str] | None:  # each thread its own client: its own retry quota
        return bucket_tags(worker_clients(clients)("s3", region), name)  # None: deleted since the listing

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        present = list(pool.map(tags_of, names))
    selected = []
    for name, bucket_tag_set in zip(names, present):
        if bucket_tag_set is not None and all(bucket_tag_set.get(key) == str(value) for key, value in tags.items()):
            selected.append(name)
            if discovery is not None:
                discovery.remember(name, region, bucket_tag_set)
    return sorted(selected)
