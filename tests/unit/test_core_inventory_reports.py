"""Object counts from delivered S3 Inventory reports, in-process on moto (which never delivers one: the tests
deliver them as S3 does, in the layout and format of "Locating your inventory list" and "Inventory manifest")."""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import boto3
import jinja2
import pytest
from ansible.plugins.filter.core import FilterModule as CoreFilters

from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.clone import CloneSpec
from plugins.module_utils.core.drill import FAIL, PLANNED, DrillSpec, run_drill
from plugins.module_utils.core.inventory_reports import compare_inventories, newest_report

SOURCE_REGION, DR_REGION = "eu-west-1", "eu-central-1"
ROLE = "arn:aws:iam::123456789012:role/replication"
REPO_ROOT = Path(__file__).resolve().parents[2]
VERSIONS_SCHEMA = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, ReplicationStatus"


@pytest.fixture
def aws(moto_in_process):
    clients = boto3_clients(boto3.session.Session())
    for bucket, region in (("src", SOURCE_REGION), ("src-dr", DR_REGION), ("reports", SOURCE_REGION),
                           ("reports-dr", DR_REGION)):
        s3 = clients("s3", region)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield clients


def configure(s3, bucket: str, report_bucket: str, prefix: str = "inventory", enabled: bool = True) -> None:
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="daily", InventoryConfiguration={
        "Id": "daily", "IsEnabled": enabled, "IncludedObjectVersions": "All", "Schedule": {"Frequency": "Daily"},
        "OptionalFields": ["Size", "ReplicationStatus"],
        "Destination": {"S3BucketDestination": {"Bucket": f"arn:aws:s3:::{report_bucket}", "Format": "CSV",
                                                **({"Prefix": prefix} if prefix else {})}}})


def deliver(s3, bucket: str, report_bucket: str, stamp: str, rows: list[list[str]], prefix: str = "inventory",
            schema: str = VERSIONS_SCHEMA, file_format: str = "CSV", files: int = 2) -> None:
    """One delivery: the data split over ``files`` gzip CSV files, then the manifest naming them."""
    root = f"{prefix + '/' if prefix else ''}{bucket}/daily"
    keys = []
    for index in range(files):
        text = io.StringIO()
        csv.writer(text, quoting=csv.QUOTE_ALL).writerows(rows[index::files])
        key = f"{root}/data/{stamp}-{index}.csv.gz"
        s3.put_object(Bucket=report_bucket, Key=key, Body=gzip.compress(text.getvalue().encode()))
        keys.append(key)
    s3.put_object(Bucket=report_bucket, Key=f"{root}/{stamp}/manifest.json", Body=json.dumps({
        "sourceBucket": bucket, "destinationBucket": f"arn:aws:s3:::{report_bucket}", "version": "2016-11-30",
        "creationTimestamp": "1514944800000", "fileFormat": file_format, "fileSchema": schema,
        "files": [{"key": key, "size": 1, "MD5checksum": "0"} for key in keys]}).encode())


def rows(bucket: str, count: int, status: str = "COMPLETED", failed: int = 0) -> list[list[str]]:
    current = [[bucket, f"data/{index}", f"v{index}", "true", "false", "5", "FAILED" if index < failed else status]
               for index in range(count)]
    older = [[bucket, "data/0", "old", "false", "false", "5", status]]  # an older version: not an object
    deleted = [[bucket, "gone", "dm", "true", "true", "", ""]]  # a current delete marker: not an object
    return current + older + deleted


def test_the_newest_delivery_is_counted_current_objects_only_with_replication_statuses(aws):
    s3 = aws("s3", SOURCE_REGION)
    configure(s3, "src", "reports")
    deliver(s3, "src", "reports", "2026-12-05T01-00Z", rows("src", 3))
    deliver(s3, "src", "reports", "2026-12-06T01-00Z", rows("src", 7, failed=2))
    s3.put_object(Bucket="reports", Key="inventory/src/daily/2026-12-07T01-00Z/manifest.checksum", Body=b"x")
    configuration = s3.get_bucket_inventory_configuration(Bucket="src", Id="daily")["InventoryConfiguration"]
    report = newest_report(s3, "src", configuration)
    # The 12-07 delivery has no manifest yet (S3 writes it last): the newest complete one is counted.
    assert report == {"id": "daily", "delivered_at": "2026-12-06T01:00:00Z", "objects": 7,
                      "replication_status": {"FAILED": 2, "COMPLETED": 5},
                      "report": "s3://reports/inventory/src/daily/2026-12-06T01-00Z/manifest.json"}


def test_orc_reports_are_named_not_counted_and_no_delivery_is_said(aws):
    s3 = aws("s3", SOURCE_REGION)
    configure(s3, "src", "reports", prefix="")
    configuration = s3.get_bucket_inventory_configuration(Bucket="src", Id="daily")["InventoryConfiguration"]
    never_delivered = {"id": "daily", "delivered_at": None, "report": "s3://reports/src/daily/"}
    assert newest_report(s3, "src", configuration) == never_delivered
    deliver(s3, "src", "reports", "2026-12-06T01-00Z", rows("src", 2), prefix="", file_format="ORC")
    assert newest_report(s3, "src", configuration)["error"] == "ORC reports are not counted (CSV only)"


def test_comparison_needs_a_dr_report_at_least_as_new(aws):
    source_s3, dest_s3 = aws("s3", SOURCE_REGION), aws("s3", DR_REGION)
    assert compare_inventories(source_s3, "src", dest_s3, "src-dr") is None
    configure(source_s3, "src", "reports")
    deliver(source_s3, "src", "reports", "2026-12-06T01-00Z", rows("src", 5))
    assert compare_inventories(source_s3, "src", dest_s3, "src-dr")["reason"] == (
        "DR: DR bucket src-dr has no inventory configuration daily")
    configure(dest_s3, "src-dr", "reports-dr")
    deliver(dest_s3, "src-dr", "reports-dr", "2026-12-05T23-00Z", rows("src-dr", 1))
    older = compare_inventories(source_s3, "src", dest_s3, "src-dr")
    assert older["comparable"] is False and older["reason"] == (
        "the DR report (2026-12-05T23:00:00Z) is older than the source report (2026-12-06T01:00:00Z)")
    deliver(dest_s3, "src-dr", "reports-dr", "2026-12-06T02-00Z", rows("src-dr", 4, status="REPLICA"))
    newer = compare_inventories(source_s3, "src", dest_s3, "src-dr")
    assert newer["comparable"] is True and newer["missing_on_dr"] == 1 and newer["dest"]["objects"] == 4


def test_the_drill_fails_on_failed_replications_and_a_shorter_dr_inventory(aws):
    source_s3, dest_s3 = aws("s3", SOURCE_REGION), aws("s3", DR_REGION)
    source_s3.put_bucket_replication(Bucket="src", ReplicationConfiguration={"Role": ROLE, "Rules": [
        {"ID": "dr", "Priority": 1, "Status": "Enabled", "Filter": {}, "DeleteMarkerReplication": {"Status": "Disabled"},
         "Destination": {"Bucket": "arn:aws:s3:::src-dr"}}]})
    spec = DrillSpec(clone=CloneSpec(source_bucket="src", dest_region=DR_REGION, categories=["versioning"]))
    assert run_drill(aws, spec, check_mode=True)["verdict"] == PLANNED  # no inventory: nothing to say
    configure(source_s3, "src", "reports")
    configure(dest_s3, "src-dr", "reports-dr")
    deliver(source_s3, "src", "reports", "2026-12-06T01-00Z", rows("src", 6, failed=1))
    deliver(dest_s3, "src-dr", "reports-dr", "2026-12-06T01-00Z", rows("src-dr", 5, status="REPLICA"))
    report = run_drill(aws, spec, check_mode=True)
    assert report["verdict"] == FAIL
    assert report["reasons"] == [
        "1 object(s) have replication status FAILED in the source inventory of 2026-12-06T01:00:00Z",
        "the DR inventory of 2026-12-06T01:00:00Z lists 5 object(s), 1 fewer than the source inventory of "
        "2026-12-06T01:00:00Z"]
    assert "method=batch_replication" in report["fixes"][0]
    assert report["inventory"]["source"]["replication_status"] == {"FAILED": 1, "COMPLETED": 5}
    # The HTML report of dr_drill.yml shows the counts (rendered with Jinja and ansible-core's filters).
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO_ROOT / "playbooks" / "templates"))
    environment.filters.update(CoreFilters().filters())
    page = environment.get_template("dr_drill_report.html.j2").render(dr_drill_report={
        "drill": {"started_at": report["started_at"], "passed": False, "source_region": SOURCE_REGION,
                  "dest_region": DR_REGION, "rpo_bound_seconds": 900, "failed_pairs": ["src"]},
        "pairs": [report]})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Source report daily: 6 object(s) on 2026-12-06T01:00:00Z (replication status: COMPLETED 5, FAILED 1)" in text
    assert "DR report daily: 5 object(s) on 2026-12-06T01:00:00Z (replication status: REPLICA 5)" in text
    assert "1 object(s) fewer on the DR side" in text
