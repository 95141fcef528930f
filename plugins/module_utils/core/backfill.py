# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backfill: copy the objects that replication never will (those written before it was enabled).

Two engines behind one ``backfill(clients, spec, check_mode, progress)``:

``copy`` (this machine, server-side copies)
    The source and DR listings (ListObjectsV2, both in key order) are walked side by side, so
    memory stays flat however large the bucket is and copying starts with the first page. An
    object is copied when it is missing on the DR side or differs (size, or ETag). Copies are
    server-side (CopyObject; UploadPartCopy above ``multipart_threshold``) from a pool of
    ``concurrency`` threads, preserving user metadata, content headers, tags and storage class,
    encrypted with the DR bucket's default or ``dest_kms_key_id``. Equal objects are skipped, so a
    second run copies nothing and an interrupted run resumes where it stopped.

    Equality is size + ETag. Where S3 gives the copy another ETag than the source (multipart
    copies, SSE-KMS, a multipart source copied in one piece, SSE-KMS sources), the copy carries
    the source ETag in the user metadata key ``s3dr-source-etag`` (``x-amz-meta-s3dr-source-etag``)
    and equality is size + that marker (one HeadObject on the DR side, only for such objects).

``batch_replication`` (S3 Batch Operations)
    The ``CreateJob`` request for an S3ReplicateObject job over a manifest S3 generates from the
    source bucket, filtered on replication status NONE/FAILED, with a completion report. For
    buckets too large for one machine. A job with the same description that still runs, or that
    ended today (today's ClientRequestToken answers it), is reported instead of made again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlencode

from . import buckets, validation
from .clients import ClientFactory, Config, retry_config
from .discovery import Discovery, PairFacts
from .errors import DRError, describe_error, error_code, invalid_input, named_errors
from .naming import bucket_name_problem, dr_bucket_name, pair_name_problems
from .policies import DEFAULT_PARTITION, arn_partition, bucket_arn
from .replication import STORAGE_CLASSES
from .result import Result

LOG = logging.getLogger(__name__)

MIB = 1024 * 1024
GIB = 1024 * MIB
MIN_PART_SIZE = 5 * MIB          # S3's smallest part (except the last)
MAX_PART_SIZE = 5 * GIB          # S3's largest part, and the largest object CopyObject copies
MAX_PARTS = 10000
MAX_KEY_BYTES = 1024             # S3's longest object key
DEFAULT_CONCURRENCY = 32
DEFAULT_MULTIPART_THRESHOLD = 5 * GIB
DEFAULT_MULTIPART_CHUNKSIZE = 512 * MIB
DEFAULT_PROGRESS_INTERVAL = 30.0
MAX_FAILURES_RETURNED = 100
# User metadata key (x-amz-meta-s3dr-source-etag) carrying the source ETag on copies whose own ETag differs.
SOURCE_ETAG_METADATA = "s3dr-source-etag"
METHODS = ("copy", "batch_replication")
REPORT_SCOPES = ("AllTasks", "FailedTasksOnly")
REPLICATION_STATUSES = ("NONE", "FAILED", "COMPLETED", "REPLICA")
# Batch Operations job states in which a job still runs (or will); one of ours in them is reused.
ACTIVE_JOB_STATUSES = ["New", "Preparing", "Suspended", "Ready", "Active", "Pausing", "Paused"]
# A job of ours that ended in one of these today is the one CreateJob answers for today's token: it is reported
# (Complete: nothing to do; Failed: a clear error), not created again.
ENDED_JOB_STATUSES = ["Complete", "Failed"]
# HeadObject fields that CopyObject / CreateMultipartUpload take back when metadata is replaced.
CONTENT_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl",
                   "Expires", "WebsiteRedirectLocation")


@dataclass
class BackfillSpec:
    source_bucket: str
    dest_region: str | None = None
    dest_bucket: str | None = None
    dest_suffix: str = "-dr"
    prefix: str = ""
    method: str = "copy"
    concurrency: int = DEFAULT_CONCURRENCY
    storage_class: str | None = None
    dest_kms_key_id: str | None = None
    max_objects: int | None = None
    max_bytes: int | None = None
    # Resume after this key (every key up to it was handled by an earlier run: its data["resume_after"]).
    start_after: str | None = None
    # Start no copy after this many seconds (the copies under way finish); None: no time limit.
    max_seconds: float | None = None
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD
    multipart_chunksize: int = DEFAULT_MULTIPART_CHUNKSIZE
    progress_interval: float = DEFAULT_PROGRESS_INTERVAL
    # batch_replication
    batch_role_arn: str | None = None
    report_bucket: str | None = None
    report_prefix: str = "s3-dr-backfill"
    report_scope: str = "AllTasks"
    replication_statuses: list[str] = field(default_factory=lambda: ["NONE", "FAILED"])
    job_priority: int = 10
    allow_unknown_region: bool = False

    @property
    def resolved_dest_bucket(self) -> str:
        return self.dest_bucket or dr_bucket_name(self.source_bucket, self.dest_suffix)


def client_config(concurrency: int = DEFAULT_CONCURRENCY):
    """The retry config of every client, with a connection pool big enough for ``concurrency`` copies.

    The copy engine runs ``concurrency`` object workers, as many multipart part workers and two
    listing threads on one client per Region; botocore's default pool of 10 would make them queue.
    """
    base = retry_config()
    if base is None:
        return None
    return base.merge(Config(max_pool_connections=2 * max(1, concurrency) + 4))


def backfill_clients(session=None, concurrency: int = DEFAULT_CONCURRENCY) -> ClientFactory:
    """A client factory over a boto3 session with :func:`client_config` (Lambda handlers, scripts)."""
    import boto3

    session = session or boto3.session.Session()
    config = client_config(concurrency)
    return ClientFactory(lambda service, region: session.client(service, region_name=region, config=config))


def spec_problems(spec: BackfillSpec) -> list[str]:
    """Everything wrong with the spec, found before any AWS call."""
    problems = []
    if spec.method not in METHODS:
        problems.append(f"method must be one of {', '.join(METHODS)}, not {spec.method!r}")
    if spec.method == "copy":
        problems += pair_name_problems(spec.source_bucket, spec.dest_bucket, spec.dest_suffix)
        if not spec.dest_region:
            problems.append("method copy needs dest_region (the DR bucket's Region)")
    else:
        source_problem = bucket_name_problem(spec.source_bucket)
        if source_problem:
            problems.append(f"source_bucket {spec.source_bucket!r} is not a valid bucket name: it {source_problem}")
    if spec.concurrency < 1:
        problems.append("concurrency must be 1 or more")
    for name in ("max_objects", "max_bytes"):
        value = getattr(spec, name)
        if value is not None and value < 1:
            problems.append(f"{name} must be 1 or more (leave it out for no limit)")
    if spec.max_seconds is not None and spec.max_seconds <= 0:
        problems.append("max_seconds must be more than 0 (leave it out for no time limit)")
    if spec.start_after is not None and len(spec.start_after.encode()) > MAX_KEY_BYTES:
        problems.append(f"start_after must be an object key ({MAX_KEY_BYTES} bytes at most)")
    if not MIN_PART_SIZE <= spec.multipart_threshold <= MAX_PART_SIZE:
        problems.append(f"multipart_threshold must be between {MIN_PART_SIZE} (5 MiB) and {MAX_PART_SIZE} (5 GiB) bytes")
    if not MIN_PART_SIZE <= spec.multipart_chunksize <= MAX_PART_SIZE:
        problems.append(f"multipart_chunksize must be between {MIN_PART_SIZE} (5 MiB) and {MAX_PART_SIZE} (5 GiB) bytes")
    if spec.storage_class is not None and spec.storage_class not in STORAGE_CLASSES:
        problems.append(f"storage_class must be one of {', '.join(STORAGE_CLASSES)}")
    if spec.progress_interval <= 0:
        problems.append("progress_interval must be more than 0 seconds")
    if spec.method == "batch_replication":
        if not spec.batch_role_arn:
            problems.append("method batch_replication needs batch_role_arn (a role that "
                            "batchoperations.s3.amazonaws.com can assume, allowed s3:InitiateReplication on the "
                            "source objects and to write the report)")
        if not spec.report_bucket:
            problems.append("method batch_replication needs report_bucket (where S3 writes the manifest and the "
                            "completion report)")
        elif bucket_name_problem(spec.report_bucket):
            problems.append(f"report_bucket {spec.report_bucket!r} is not a valid bucket name")
        if spec.report_scope not in REPORT_SCOPES:
            problems.append(f"report_scope must be one of {', '.join(REPORT_SCOPES)}")
        unknown = sorted(set(spec.replication_statuses) - set(REPLICATION_STATUSES))
        if unknown or not spec.replication_statuses:
            problems.append(f"replication_statuses must be a non-empty list of {', '.join(REPLICATION_STATUSES)}")
        if not 0 <= spec.job_priority <= 2147483647:
            problems.append("job_priority must be 0 or more")
    problems += [problem for problem in (
        spec.dest_region is not None and validation.region_problem(spec.dest_region, "dest_region",
                                                                   spec.allow_unknown_region),
        validation.role_arn_problem(spec.batch_role_arn, "batch_role_arn", validation.partition_of(spec.dest_region)),
        validation.kms_key_problem(spec.dest_kms_key_id, "dest_kms_key_id", spec.dest_region, "the DR Region"),
    ) if problem]
    return problems


def backfill(clients, spec: BackfillSpec, check_mode: bool = False,
             progress: Callable[[dict[str, Any]], None] | None = None, discovery: Discovery | None = None,
             pool: ThreadPoolExecutor | None = None) -> Result:
    """Copy (or plan, in check mode) what the DR bucket misses; or create a Batch Replication job.

    Bad input, a missing bucket or a setup that cannot work raise DRError before anything is
    written. Failures of single objects do not stop the run: they are in ``data["failures"]``.
    """
    problems = spec_problems(spec)
    if problems:
        raise invalid_input(spec.source_bucket, problems, "copied")
    if spec.method == "batch_replication":
        return batch_replication(clients, spec, check_mode)
    return copy_missing(clients, spec, check_mode, progress, discovery, pool=pool)


# --------------------------------------------------------------------------------------------
# method: copy
# --------------------------------------------------------------------------------------------

class _Stats:
    """Counters shared by the workers (under one lock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.scanned = 0
        self.copied = 0
        self.skipped = 0
        self.failed = 0
        self.bytes = 0
        self.failed_bytes = 0
        self.multipart = 0
        self.failures: list[dict[str, str]] = []
        self.taken_objects = 0
        self.taken_bytes = 0
        self.limit_reached: str | None = None
        # The first key (in key order) that a worker left unhandled at a limit, and the key handled before it.
        self.first_refused: tuple[str, str | None] | None = None

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            seconds = max(time.monotonic() - self.started, 1e-6)
            return {"objects_scanned": self.scanned, "objects_copied": self.copied, "objects_skipped": self.skipped,
                    "objects_failed": self.failed, "bytes_copied": self.bytes, "seconds": round(seconds, 3),
                    "objects_per_second": round(self.copied / seconds, 1)}


class _Copier:
    """Copies one object (or, in check mode, counts it) the way the spec says."""

    def __init__(self, source_s3, dest_s3, spec: BackfillSpec, dest_bucket: str, dest_is_kms: bool,
                 stats: _Stats, check_mode: bool):
        self.source_s3, self.dest_s3, self.spec = source_s3, dest_s3, spec
        self.source, self.dest = spec.source_bucket, dest_bucket
        self.dest_is_kms = dest_is_kms
        self.stats = stats
        self.check_mode = check_mode
        self.stop = threading.Event()
        self._parts: ThreadPoolExecutor | None = None
        self._parts_lock = threading.Lock()

    # -- decisions --------------------------------------------------------------------------

    def take(self, size: int) -> bool:
        """Reserve one object of ``size`` bytes within max_objects / max_bytes; False when over."""
        spec, stats = self.spec, self.stats
        with stats.lock:
            if spec.max_objects is not None and stats.taken_objects + 1 > spec.max_objects:
                stats.limit_reached = stats.limit_reached or "max_objects"
            elif spec.max_bytes is not None and stats.taken_bytes + size > spec.max_bytes:
                stats.limit_reached = stats.limit_reached or "max_bytes"
            else:
                stats.taken_objects += 1
                stats.taken_bytes += size
                return True
        self.stop.set()
        return False

    def handle_same_size(self, source_item: dict[str, Any], dest_item: dict[str, Any],
                         previous_key: str | None = None) -> None:
        """Worker entry for a DR object of the same size but another ETag: equal if it carries the marker.

        ``previous_key``: the key handled before this one, where a later run resumes if this one is left at a limit.
        """
        try:
            if self._equal_by_marker(source_item, dest_item):
                self._count(skipped=1)
                return
            if self.stop.is_set() or not self.take(source_item["Size"]):
                with self.stats.lock:
                    if self.stats.first_refused is None or source_item["Key"] < self.stats.first_refused[0]:
                        self.stats.first_refused = (source_item["Key"], previous_key)
                return
            self.copy(source_item)
        except Exception as error:  # one key's failure never stops the run
            self._fail(source_item["Key"], source_item.get("Size", 0), error)

    def handle_taken(self, item: dict[str, Any]) -> None:
        """Worker entry for an object already reserved within the limits (missing, or of another size)."""
        try:
            self.copy(item)
        except Exception as error:  # one key's failure never stops the run
            self._fail(item["Key"], item.get("Size", 0), error)

    def _equal_by_marker(self, source_item, dest_item) -> bool:
        head = self.dest_s3.head_object(Bucket=self.dest, Key=dest_item["Key"])
        return head.get("Metadata", {}).get(SOURCE_ETAG_METADATA) == _etag(source_item)

    # -- copies -----------------------------------------------------------------------------

    def copy(self, item: dict[str, Any]) -> None:
        size = item["Size"]
        if self.check_mode:
            self._count(copied=1, size=size)
            return
        if size > self.spec.multipart_threshold:
            self._multipart_copy(item)
            self._count(copied=1, size=size, multipart=1)
            return
        # S3 gives the copy another ETag than the source here: carry the source ETag in the metadata.
        if "-" in _etag(item) or self.dest_is_kms:
            self._copy_with_marker(item)
        else:
            response = self.dest_s3.copy_object(**self._copy_args(item), MetadataDirective="COPY",
                                                TaggingDirective="COPY")
            if _strip(response.get("CopyObjectResult", {}).get("ETag")) != _etag(item):
                self._copy_with_marker(item)  # e.g. an SSE-KMS source: S3 made a new ETag
        self._count(copied=1, size=size)

    def _copy_args(self, item: dict[str, Any]) -> dict[str, Any]:
        args: dict[str, Any] = {
            "Bucket": self.dest, "Key": item["Key"], "CopySource": {"Bucket": self.source, "Key": item["Key"]},
            "CopySourceIfMatch": item["ETag"],
            "StorageClass": self.spec.storage_class or item.get("StorageClass") or "STANDARD",
        }
        args.update(self._encryption())
        return args

    def _encryption(self) -> dict[str, Any]:
        if self.spec.dest_kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.spec.dest_kms_key_id}
        return {}  # the DR bucket's default encryption

    def _replaced_metadata(self, item: dict[str, Any]) -> dict[str, Any]:
        """Metadata and content headers of the source object, plus the source ETag marker."""
        head = self.source_s3.head_object(Bucket=self.source, Key=item["Key"], IfMatch=item["ETag"])
        args = {name: head[name] for name in CONTENT_HEADERS if head.get(name) is not None}
        args["Metadata"] = {**head.get("Metadata", {}), SOURCE_ETAG_METADATA: _etag(item)}
        return args

    def _copy_with_marker(self, item: dict[str, Any]) -> None:
        self.dest_s3.copy_object(**self._copy_args(item), **self._replaced_metadata(item),
                                 MetadataDirective="REPLACE", TaggingDirective="COPY")

    def _multipart_copy(self, item: dict[str, Any]) -> None:
        key, size = item["Key"], item["Size"]
        create = {"Bucket": self.dest, "Key": key,
                  "StorageClass": self.spec.storage_class or item.get("StorageClass") or "STANDARD",
                  **self._encryption(), **self._replaced_metadata(item)}
        tags = self.source_s3.get_object_tagging(Bucket=self.source, Key=key).get("TagSet", [])
        if tags:
            create["Tagging"] = urlencode([(tag["Key"], tag["Value"]) for tag in tags])
        upload_id = self.dest_s3.create_multipart_upload(**create)["UploadId"]
        try:
            part_size = part_size_for(size, self.spec.multipart_chunksize)
            ranges = [(number, start, min(start + part_size, size) - 1)
                      for number, start in enumerate(range(0, size, part_size), start=1)]

            def part(number: int, first: int, last: int) -> dict[str, Any]:
                response = self.dest_s3.upload_part_copy(
                    Bucket=self.dest, Key=key, UploadId=upload_id, PartNumber=number,
                    CopySource={"Bucket": self.source, "Key": key}, CopySourceIfMatch=item["ETag"],
                    CopySourceRange=f"bytes={first}-{last}")
                return {"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]}

            futures = [self._part_pool().submit(part, *bounds) for bounds in ranges]
            parts = [future.result() for future in futures]
            self.dest_s3.complete_multipart_upload(Bucket=self.dest, Key=key, UploadId=upload_id,
                                                   MultipartUpload={"Parts": parts})
        except BaseException:
            try:
                self.dest_s3.abort_multipart_upload(Bucket=self.dest, Key=key, UploadId=upload_id)
            except Exception:  # noqa: BLE001 - the copy error is the one to report
                LOG.warning("could not abort multipart upload %s of %s/%s", upload_id, self.dest, key)
            raise

    def _part_pool(self) -> ThreadPoolExecutor:
        with self._parts_lock:
            if self._parts is None:
                self._parts = ThreadPoolExecutor(max_workers=max(1, self.spec.concurrency),
                                                 thread_name_prefix="s3dr-part")
            return self._parts

    def close(self) -> None:
        if self._parts is not None:
            self._parts.shutdown(wait=True)

    # -- bookkeeping ------------------------------------------------------------------------

    def _count(self, copied: int = 0, skipped: int = 0, size: int = 0, multipart: int = 0) -> None:
        with self.stats.lock:
            self.stats.copied += copied
            self.stats.skipped += skipped
            self.stats.bytes += size
            self.stats.multipart += multipart

    def _fail(self, key: str, size: int, error: Exception) -> None:
        message = failure_message(error, self.source, self.dest)
        LOG.warning("copy of s3://%s/%s to %s failed: %s", self.source, key, self.dest, message)
        with self.stats.lock:
            self.stats.failed += 1
            self.stats.failed_bytes += size
            if len(self.stats.failures) < MAX_FAILURES_RETURNED:
                self.stats.failures.append({"key": key, "error": message})


def failure_message(error: Exception, source: str, dest: str) -> str:
    """One line per failed key: the AWS code and what to do about it."""
    code = error_code(error)
    if code in ("InvalidObjectState", "ObjectNotInActiveTierError"):
        return ("InvalidObjectState: the object is archived (GLACIER / DEEP_ARCHIVE / an archive tier); "
                "restore it, then run again")
    if code in ("AccessDenied", "403"):
        return (f"AccessDenied: allow s3:GetObject, s3:GetObjectTagging on {source}, s3:PutObject, "
                f"s3:PutObjectTagging on {dest}, and kms:Decrypt / kms:GenerateDataKey for KMS-encrypted objects")
    if code in ("PreconditionFailed", "412"):
        return "PreconditionFailed: the object changed during the copy; run again to copy its new version"
    if code in ("NoSuchKey", "404"):
        return "NoSuchKey: the object was deleted during the run"
    return describe_error(error)


def part_size_for(size: int, chunksize: int) -> int:
    """``chunksize``, or bigger (in whole MiB) when ``size`` would need more than 10,000 parts."""
    smallest = math.ceil(size / MAX_PARTS)
    if smallest > chunksize:
        return math.ceil(smallest / MIB) * MIB
    return chunksize


def _strip(etag: str | None) -> str:
    return (etag or "").strip('"')


def _etag(item: dict[str, Any]) -> str:
    return _strip(item.get("ETag"))


def _listing(s3, bucket: str, prefix: str, start_after: str | None = None) -> Iterator[dict[str, Any]]:
    """Objects in key order (S3 lists UTF-8 binary order, which is str order in Python), after ``start_after``."""
    resume = {"StartAfter": start_after} if start_after else {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **resume):
        yield from page.get("Contents", [])


def _prefetched(iterator: Iterator[Any], depth: int = 4000) -> Iterator[Any]:
    """Run ``iterator`` (a paginated listing) in a thread, ``depth`` items ahead of the consumer."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    cancelled = threading.Event()

    def produce():
        try:
            for item in iterator:
                while not cancelled.is_set():
                    try:
                        items.put(("item", item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if cancelled.is_set():
                    return
            items.put(("end", done))
        except BaseException as error:  # handed to the consumer
            items.put(("error", error))

    thread = threading.Thread(target=produce, name="s3dr-list", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = items.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        cancelled.set()


def paired(source_items: Iterator[dict[str, Any]], dest_items: Iterator[dict[str, Any]]):
    """``(source object, DR object or None)`` for each source object: a merge of two key-ordered listings."""
    dest = next(dest_items, None)
    for source in source_items:
        while dest is not None and dest["Key"] < source["Key"]:
            dest = next(dest_items, None)
        if dest is not None and dest["Key"] == source["Key"]:
            yield source, dest
        else:
            yield source, None


def copy_missing(clients, spec: BackfillSpec, check_mode: bool = False,
                 progress: Callable[[dict[str, Any]], None] | None = None, discovery: Discovery | None = None,
                 facts: PairFacts | None = None, pool: ThreadPoolExecutor | None = None) -> Result:
    """Copy what the DR bucket misses. A fleet passes what it knows (``discovery``, ``facts``) and one ``pool``
    of object workers shared by all its buckets: one object-level concurrency budget for the whole fleet."""
    source, dest, dest_region = spec.source_bucket, spec.resolved_dest_bucket, spec.dest_region
    discovery, facts = discovery or Discovery(), facts or PairFacts()
    source_region = discovery.source_region(clients, source, dest_region)
    validation.require_no_problems(source, [validation.same_region_problem(source, source_region, dest_region)],
                                   region=source_region)
    with named_errors(source, region=source_region, doing=f"cannot prepare the backfill to {dest} in {dest_region}"):
        account_id = discovery.identity(clients, dest_region)["Account"]
        source_s3, dest_s3 = clients("s3", source_region), clients("s3", dest_region)
        if facts.dest_exists is None:
            facts.dest_exists = buckets.dest_bucket_state(dest_s3, dest, dest_region, account_id)
        if not facts.dest_exists:
            raise DRError(f"DR bucket {dest} does not exist in {dest_region}, so {source} cannot be backfilled. "
                          "Create it first (resilience.s3_dr.s3_crr_enable does), or set dest_bucket.",
                          bucket=source, region=source_region)
        dest_is_kms = bool(spec.dest_kms_key_id) or _default_kms_key(facts, dest_s3, dest) is not None

    stats = _Stats()
    copier = _Copier(source_s3, dest_s3, spec, dest, dest_is_kms, stats, check_mode)
    ticker = _Ticker(stats, spec.progress_interval, progress, f"backfill {source} -> {dest}")
    in_flight = threading.BoundedSemaphore(spec.concurrency * 4)
    deadline = None if spec.max_seconds is None else time.monotonic() + spec.max_seconds
    handled_through = spec.start_after  # every key up to this one is decided: skipped, or handed to a worker
    own_pool = pool is None
    workers = ThreadPoolExecutor(max_workers=spec.concurrency, thread_name_prefix="s3dr-copy") if own_pool else pool
    pending: set = set()
    pending_lock = threading.Lock()

    def finished(future) -> None:
        in_flight.release()
        with pending_lock:
            pending.discard(future)

    try:
        def submit(function, *args):
            in_flight.acquire()
            future = workers.submit(function, *args)
            with pending_lock:
                pending.add(future)
            future.add_done_callback(finished)

        source_listing = _prefetched(_listing(source_s3, source, spec.prefix, spec.start_after))
        # A DR bucket this run created holds no object yet: nothing to list.
        dest_listing = (iter(()) if facts.dest_created
                        else _prefetched(_listing(dest_s3, dest, spec.prefix, spec.start_after)))
        try:
            for source_item, dest_item in paired(source_listing, dest_listing):
                if copier.stop.is_set():
                    break
                # At least one object per run, so that a chain of runs always gets on.
                if deadline is not None and handled_through != spec.start_after and time.monotonic() >= deadline:
                    with stats.lock:  # no new copy; those under way finish before the pool closes
                        stats.limit_reached = stats.limit_reached or "max_seconds"
                    break
                with stats.lock:
                    stats.scanned += 1
                if dest_item is not None and dest_item["Size"] == source_item["Size"]:
                    if _etag(dest_item) == _etag(source_item):
                        with stats.lock:
                            stats.skipped += 1
                    else:  # copied with a marker, or changed: HeadObject on the DR side decides
                        submit(copier.handle_same_size, source_item, dest_item, handled_through)
                    handled_through = source_item["Key"]
                    continue
                if not copier.take(source_item["Size"]):
                    break
                submit(copier.handle_taken, source_item)
                handled_through = source_item["Key"]
        finally:
            source_listing.close()
            if not facts.dest_created:
                dest_listing.close()
            if own_pool:
                workers.shutdown(wait=True)
            else:  # the shared pool goes on for other buckets: wait for this bucket's copies only
                with pending_lock:
                    waiting_for = list(pending)
                futures_wait(waiting_for)
    except Exception as error:  # a listing failed: what was copied so far stays, and is reported
        raise DRError(f"Bucket {source}: listing {source} or {dest} failed after {stats.copied} object(s) were "
                      f"copied: {describe_error(error)}. Run again to "
                      "resume; objects already copied are skipped.", bucket=source, region=source_region,
                      done=[] if check_mode else [f"copied {stats.copied} object(s) to {dest}"], cause=error) from error
    finally:
        copier.close()
        ticker.stop()

    summary = stats.snapshot()
    result = Result()
    if stats.copied:
        verb = "would copy" if check_mode else "copy"
        result.record(f"{verb} {stats.copied} object(s) ({stats.bytes} bytes) from s3://{source}/{spec.prefix} "
                      f"to s3://{dest}")
    result.before = {"source_bucket": source, "dest_bucket": dest, "prefix": spec.prefix,
                     "objects_to_copy": stats.copied + stats.failed, "bytes_to_copy": stats.bytes + stats.failed_bytes}
    result.after = {**result.before, "objects_to_copy": stats.failed, "bytes_to_copy": stats.failed_bytes}
    result.data = {
        "method": "copy", "source_bucket": source, "source_region": source_region, "dest_bucket": dest,
        "dest_region": dest_region, "prefix": spec.prefix, **summary, "objects_multipart": stats.multipart,
        "complete": stats.limit_reached is None, "limit_reached": stats.limit_reached,
        # Where the next run goes on (its start_after) when this one stopped at a limit; None when complete.
        "resume_after": None if stats.limit_reached is None else (
            stats.first_refused[1] if stats.first_refused else handled_through),
        "failures": list(stats.failures),
    }
    if stats.failed > len(stats.failures):
        result.warnings.append(f"{stats.failed} objects failed; only the first {MAX_FAILURES_RETURNED} are listed")
    if stats.limit_reached:
        result.warnings.append(f"Backfill of {source} stopped at {stats.limit_reached}; run again to copy the rest.")
    return result


def copy_objects(source_s3, dest_s3, spec: BackfillSpec, items: list[dict[str, Any]], dest_is_kms: bool,
                 check_mode: bool = False) -> dict[str, Any]:
    """Copy the given listed objects (ListObjectsV2 items: Key, Size, ETag, StorageClass) from the spec's source
    bucket to its DR bucket with the copy engine of ``copy_missing``; the caller decided which objects need it
    (e.g. a failback copies back only what was written after the failover). Returns the counters and failures."""
    stats = _Stats()
    copier = _Copier(source_s3, dest_s3, spec, spec.resolved_dest_bucket, dest_is_kms, stats, check_mode)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(spec.concurrency, len(items) or 1)),
                                thread_name_prefix="s3dr-copy") as workers:
            for item in items:
                workers.submit(copier.handle_taken, item)
    finally:
        copier.close()
    return {**stats.snapshot(), "failures": list(stats.failures)}


def _default_kms_key(facts: PairFacts, dest_s3, dest: str) -> str | None:
    """The DR bucket's default KMS key: from the encryption value this run knows, else read."""
    if "encryption" not in facts.dest_values:
        return buckets.default_kms_key(dest_s3, dest)
    for rule in facts.dest_values["encryption"] or []:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm", "").startswith("aws:kms") and default.get("KMSMasterKeyID"):
            return default["KMSMasterKeyID"]
    return None


class _Ticker:
    """Calls ``progress(summary)`` (and logs a line) every ``interval`` seconds until stopped."""

    def __init__(self, stats: _Stats, interval: float, progress, what: str):
        self._stats, self._interval, self._progress, self._what = stats, interval, progress, what
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="s3dr-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            summary = self._stats.snapshot()
            LOG.info("%s: %s", self._what, progress_line(summary))
            if self._progress:
                try:
                    self._progress(summary)
                except Exception:  # noqa: BLE001 - progress reporting must never break a copy
                    LOG.exception("progress callback failed")

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


def progress_line(summary: dict[str, Any]) -> str:
    return (f"scanned {summary['objects_scanned']}, copied {summary['objects_copied']} ({summary['bytes_copied']} bytes), "
            f"skipped {summary['objects_skipped']}, failed {summary['objects_failed']}, {summary['objects_per_second']} objects/s, "
            f"{summary['seconds']:.0f}s")


# --------------------------------------------------------------------------------------------
# method: batch_replication
# --------------------------------------------------------------------------------------------

def job_description(spec: BackfillSpec) -> str:
    """Names the job so that a rerun finds it among the active jobs (S3 allows 256 characters)."""
    return f"resilience.s3_dr backfill s3://{spec.source_bucket}/{spec.prefix}"[:256]


def batch_job_request(spec: BackfillSpec, account_id: str, partition: str = DEFAULT_PARTITION) -> dict[str, Any]:
    """The s3control CreateJob request: S3ReplicateObject over a manifest S3 generates from the source."""
    report_bucket_arn = bucket_arn(spec.report_bucket, partition)
    job_filter: dict[str, Any] = {"EligibleForReplication": True,
                                  "ObjectReplicationStatuses": list(spec.replication_statuses)}
    if spec.prefix:
        job_filter["KeyNameConstraint"] = {"MatchAnyPrefix": [spec.prefix]}
    return {
        "AccountId": account_id,
        "ConfirmationRequired": False,
        "Operation": {"S3ReplicateObject": {}},
        "Report": {"Bucket": report_bucket_arn, "Format": "Report_CSV_20180820", "Enabled": True,
                   "Prefix": spec.report_prefix, "ReportScope": spec.report_scope},
        "ManifestGenerator": {"S3JobManifestGenerator": {
            "ExpectedBucketOwner": account_id,
            "SourceBucket": bucket_arn(spec.source_bucket, partition),
            "ManifestOutputLocation": {"ExpectedManifestBucketOwner": account_id, "Bucket": report_bucket_arn,
                                       "ManifestPrefix": spec.report_prefix,
                                       "ManifestFormat": "S3InventoryReport_CSV_20211130"},
            "Filter": job_filter,
            "EnableManifestOutput": True,
        }},
        "Description": job_description(spec),
        "Priority": spec.job_priority,
        "RoleArn": spec.batch_role_arn,
    }


def batch_replication(clients, spec: BackfillSpec, check_mode: bool = False) -> Result:
    """Create (or find the active) S3 Batch Replication job for the source bucket.

    Checks first what S3 would reject only after the job is created (the job then fails later,
    far from the playbook): versioning on, a replication configuration with an enabled rule, the
    DR bucket among its destinations (when named), the report bucket in the source Region.
    """
    source = spec.source_bucket
    source_region = buckets.source_bucket_region(clients, source, near_region=spec.dest_region)
    with named_errors(source, region=source_region, doing=f"cannot prepare the Batch Replication job in {source_region}"):
        identity = clients("sts", source_region).get_caller_identity()
        account_id = identity["Account"]
        source_s3 = clients("s3", source_region)
        _check_batch_preconditions(clients, spec, source_s3, source_region, account_id)
        request = batch_job_request(spec, account_id, arn_partition(identity["Arn"]))
        s3control = clients("s3control", source_region)
        existing, existing_status = _existing_job(s3control, account_id, request["Description"])

    if existing_status == "Failed":
        raise DRError(f"Bucket {source}: the Batch Replication job {existing} made today in {source_region} for the same "
                      "request failed (see its FailureReasons: aws s3control describe-job). S3 answers today's request "
                      "with that job; fix the cause (batch_role_arn's permissions, the report bucket) and run again "
                      "tomorrow, or change report_prefix or job_priority to make a new job now.",
                      bucket=source, region=source_region)
    result = Result()
    data = {"method": "batch_replication", "source_bucket": source, "source_region": source_region,
            "prefix": spec.prefix, "request": request}
    result.before = {"source_bucket": source, "prefix": spec.prefix, "active_job": existing}
    if existing:
        result.after = dict(result.before)
        result.data = {**data, "job_id": existing, "job_created": False, "job_status": existing_status,
                       "report": report_location(spec, existing)}
        return result
    created: dict[str, str] = {}

    def create_job() -> None:
        try:
            created["JobId"] = s3control.create_job(**request, ClientRequestToken=batch_request_token(request))["JobId"]
        except Exception as error:
            raise DRError(f"Bucket {source}: S3 refused the Batch Replication job in {source_region}: "
                          f"{describe_error(error)}. Check that "
                          f"batch_role_arn {spec.batch_role_arn} trusts batchoperations.s3.amazonaws.com and this "
                          "identity may iam:PassRole it.", bucket=source, region=source_region, cause=error) from error

    result.write(f"create S3 Batch Replication job for s3://{source}/{spec.prefix} (statuses "
                 f"{', '.join(spec.replication_statuses)}, report to s3://{spec.report_bucket}/{spec.report_prefix})",
                 create_job, check_mode)
    job_id = created.get("JobId")
    result.after = {**result.before, "active_job": job_id or "(new job)"}
    result.data = {**data, "job_id": job_id, "job_created": not check_mode, "job_status": "New" if job_id else None,
                   "report": report_location(spec, job_id)}
    return result


def report_location(spec: BackfillSpec, job_id: str | None) -> str | None:
    """Where S3 writes the job's completion report (its manifest.json and results/): <prefix>/job-<id>/."""
    if not job_id:
        return None
    return f"s3://{spec.report_bucket}/{'/'.join(part for part in (spec.report_prefix.strip('/'), f'job-{job_id}') if part)}/"


def batch_request_token(request: dict[str, Any], today: datetime.date | None = None) -> str:
    """The CreateJob idempotency token: the same request on the same (UTC) day gets the same token, so two runs that
    both found no active job (a race the listing cannot close) make one job; tomorrow's run may make a new one."""
    day = (today or datetime.datetime.now(datetime.timezone.utc).date()).isoformat()
    return hashlib.sha256(f"{day} {json.dumps(request, sort_keys=True)}".encode()).hexdigest()[:64]


BATCH_OPERATIONS_PRINCIPAL = "batchoperations.s3.amazonaws.com"


def _check_batch_role(clients, spec: BackfillSpec, account_id: str) -> None:
    """A batch role of this account must trust S3 Batch Operations; the replication role trusts S3 only."""
    parts = spec.batch_role_arn.split(":", 5)
    if len(parts) < 6 or parts[4] != account_id:
        return  # another account's role: its owner vouches for its trust
    try:
        role = clients("iam", "us-east-1").get_role(RoleName=parts[5].rsplit("/", 1)[-1])["Role"]
    except Exception as error:
        if error_code(error) == "NoSuchEntity":
            raise DRError(f"batch_role_arn {spec.batch_role_arn} does not exist. Create a role trusting "
                          f"{BATCH_OPERATIONS_PRINCIPAL} (see the batch_role_arn option).",
                          bucket=spec.source_bucket, cause=error) from error
        return  # not allowed to read it: S3 says at CreateJob
    document = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(document, str):
        document = json.loads(unquote(document))
    if BATCH_OPERATIONS_PRINCIPAL not in json.dumps(document):
        raise DRError(f"batch_role_arn {spec.batch_role_arn} does not trust {BATCH_OPERATIONS_PRINCIPAL}, so S3 Batch "
                      "Operations cannot assume it (the replication role s3_crr_enable makes trusts "
                      "s3.amazonaws.com only). Use a role trusting that principal, allowed s3:InitiateReplication, "
                      "s3:GetReplicationConfiguration and s3:PutInventoryConfiguration on the source bucket, and "
                      "s3:PutObject and s3:GetObject on the report bucket.", bucket=spec.source_bucket)


def _check_batch_preconditions(clients, spec: BackfillSpec, source_s3, source_region: str, account_id: str) -> None:
    source = spec.source_bucket
    if buckets.versioning_status(source_s3, source) != "Enabled":
        raise DRError(f"Bucket {source} in {source_region} does not have versioning enabled, and Batch Replication "
                      "needs it (and a replication configuration). Run resilience.s3_dr.s3_crr_enable first, or use "
                      "method: copy.", bucket=source, region=source_region)
    configuration = buckets.replication_configuration(source_s3, source)
    rules = [rule for rule in (configuration or {}).get("Rules", []) if rule.get("Status") == "Enabled"]
    if not rules:
        raise DRError(f"Bucket {source} in {source_region} has no enabled replication rule, so a Batch Replication "
                      "job has nowhere to replicate to. Run resilience.s3_dr.s3_crr_enable first, or use method: copy.",
                      bucket=source, region=source_region)
    if spec.dest_bucket:
        destinations = sorted({rule["Destination"]["Bucket"].split(":::")[-1] for rule in rules})
        if spec.dest_bucket not in destinations:
            raise DRError(f"Bucket {source} in {source_region} does not replicate to {spec.dest_bucket} (its enabled "
                          f"rules replicate to {', '.join(destinations)}). Batch Replication replicates to the "
                          "configured destinations: add a rule with s3_crr_enable, or leave dest_bucket out.",
                          bucket=source, region=source_region)
    report_s3 = clients("s3", source_region)
    try:
        location = report_s3.get_bucket_location(Bucket=spec.report_bucket)["LocationConstraint"]
    except Exception as error:
        if error_code(error) in ("NoSuchBucket", "404"):
            raise DRError(f"Report bucket {spec.report_bucket} does not exist. Create it in {source_region} (the "
                          f"Region of {source}), or choose another report_bucket.", bucket=source,
                          region=source_region, cause=error) from error
        raise
    report_region = buckets.region_of_location(location)
    if report_region != source_region:
        raise DRError(f"Report bucket {spec.report_bucket} is in {report_region}, but the generated manifest must be "
                      f"written in the Region of {source} ({source_region}). Choose a report_bucket in {source_region}.",
                      bucket=source, region=source_region)
    _check_batch_role(clients, spec, account_id)


def _existing_job(s3control, account_id: str, description: str,
                  today: datetime.date | None = None) -> tuple[str | None, str | None]:
    """(id, status) of a job of ours (same description) that still runs or waits, or that ended today (the day of
    today's ClientRequestToken, which S3 answers with that job); (None, None) when there is none."""
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    request = {"AccountId": account_id, "JobStatuses": ACTIVE_JOB_STATUSES + ENDED_JOB_STATUSES}
    ended = None
    while True:
        page = s3control.list_jobs(**request)
        for job in page.get("Jobs", []):
            if job.get("Description") != description or job.get("Operation") != "S3ReplicateObject":
                continue
            if job.get("Status") not in ENDED_JOB_STATUSES:
                return job["JobId"], job.get("Status")
            created = job.get("CreationTime")
            if ended is None and created is not None and created.astimezone(datetime.timezone.utc).date() == today:
                ended = (job["JobId"], job["Status"])
        if not page.get("NextToken"):
            return ended or (None, None)
        request["NextToken"] = page["NextToken"]
