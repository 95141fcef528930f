# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Object counts from the newest delivered S3 Inventory report of each side of a pair.

A listing compares at most ``max_keys`` objects; an inventory report counts the whole bucket, and its
``ReplicationStatus`` column (when the configuration lists it) tells how many objects S3 failed to replicate.
Layout read ("Locating your inventory list", S3 User Guide): ``<prefix>/<bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/
manifest.json`` in the configuration's destination bucket, which S3 requires in the bucket's own Region; the
manifest names the gzip CSV files and their ``fileSchema``. ORC and Parquet reports are reported, not counted.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from typing import Any

from .categories import REGISTRY
from .errors import absent_on, describe_error

DELIVERY = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z")


def _delivery_folders(s3, bucket: str, root: str) -> list[str]:
    folders = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=root, Delimiter="/"):
        folders += [entry["Prefix"] for entry in page.get("CommonPrefixes", [])
                    if DELIVERY.fullmatch(entry["Prefix"][len(root):-1])]
    return sorted(folders)


def _count_rows(s3, bucket: str, manifest: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """Current objects (not older versions, not delete markers) and their count per replication status."""
    columns = [column.strip() for column in manifest["fileSchema"].split(",")]
    objects, statuses = 0, {}
    for entry in manifest["files"]:
        body = s3.get_object(Bucket=bucket, Key=entry["key"])["Body"]
        with gzip.GzipFile(fileobj=body) as unpacked:  # streamed: reports of large buckets are large
            for row in csv.reader(io.TextIOWrapper(unpacked, encoding="utf-8", newline="")):
                record = dict(zip(columns, row))
                if record.get("IsLatest", "true") != "true" or record.get("IsDeleteMarker") == "true":
                    continue
                objects += 1
                status = record.get("ReplicationStatus")
                if status:
                    statuses[status] = statuses.get(status, 0) + 1
    return objects, statuses


def newest_report(s3, bucket: str, configuration: dict[str, Any]) -> dict[str, Any]:
    """{"id", "delivered_at" (None before the first delivery), "objects", "replication_status"} or with "error"."""
    destination = configuration["Destination"]["S3BucketDestination"]
    report_bucket = destination["Bucket"].split(":::", 1)[-1]
    prefix = destination.get("Prefix", "").strip("/")
    root = f"{prefix + '/' if prefix else ''}{bucket}/{configuration['Id']}/"
    found: dict[str, Any] = {"id": configuration["Id"], "report": f"s3://{report_bucket}/{root}", "delivered_at": None}
    try:
        for folder in reversed(_delivery_folders(s3, report_bucket, root)):
            response = absent_on(("NoSuchKey",), s3.get_object, Bucket=report_bucket, Key=f"{folder}manifest.json")
            if response is None:
                continue  # a delivery still being written
            manifest = json.loads(response["Body"].read())
            day, hour, minute = DELIVERY.fullmatch(folder[len(root):-1]).groups()
            found.update(delivered_at=f"{day}T{hour}:{minute}:00Z", report=f"s3://{report_bucket}/{folder}manifest.json")
            if manifest.get("fileFormat") != "CSV":
                found["error"] = f"{manifest.get('fileFormat')} reports are not counted (CSV only)"
                return found
            found["objects"], found["replication_status"] = _count_rows(s3, report_bucket, manifest)
            return found
    except Exception as error:  # noqa: BLE001 - an unreadable report is this side's finding, not the drill's end
        found["error"] = f"cannot read the inventory reports under {found['report']}: {describe_error(error)}"
    return found


def compare_inventories(source_s3, source: str, dest_s3, dest: str) -> dict[str, Any] | None:
    """The newest reports of the source's first enabled inventory configuration with a delivery, and of the DR
    bucket's configuration of the same Id (the clone keeps Ids); None when the source has no inventory."""
    inventory = REGISTRY["inventory"]
    enabled = {config_id: configuration for config_id, configuration in (inventory.read(source_s3, source) or {}).items()
               if configuration.get("IsEnabled")}
    if not enabled:
        return None
    reports = [newest_report(source_s3, source, enabled[config_id]) for config_id in sorted(enabled)]
    source_report = next((report for report in reports if report["delivered_at"]), reports[0])
    dest_configuration = (inventory.read(dest_s3, dest) or {}).get(source_report["id"])
    dest_report = newest_report(dest_s3, dest, dest_configuration) if dest_configuration else {
        "id": source_report["id"], "delivered_at": None,
        "error": f"DR bucket {dest} has no inventory configuration {source_report['id']}"}
    comparison: dict[str, Any] = {"source": source_report, "dest": dest_report, "comparable": False}
    if "objects" not in source_report or "objects" not in dest_report:
        comparison["reason"] = "; ".join(f"{side}: {report.get('error') or 'no report delivered yet'}"
                                         for side, report in (("source", source_report), ("DR", dest_report))
                                         if "objects" not in report)
    elif dest_report["delivered_at"] < source_report["delivered_at"]:
        comparison["reason"] = (f"the DR report ({dest_report['delivered_at']}) is older than the source report "
                                f"({source_report['delivered_at']})")
    else:
        comparison.update(comparable=True, missing_on_dr=max(0, source_report["objects"] - dest_report["objects"]))
    return comparison
