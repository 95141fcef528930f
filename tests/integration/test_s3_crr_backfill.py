"""s3_crr_backfill through real ansible-playbook runs against the local endpoint."""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

PLAYBOOK = "tests/integration/playbooks/backfill/single.yml"
TASK = "Run s3_crr_backfill"
SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
MIB = 1024 * 1024
MARKER = "s3dr-source-etag"
CLASSES = ("STANDARD", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "INTELLIGENT_TIERING")
SMALL_MULTIPART = {"multipart_threshold": 8 * MIB, "multipart_chunksize": 5 * MIB}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def backfill(run_playbook, check: bool = False, diff: bool = False, **options) -> dict:
    run = run_playbook(PLAYBOOK, extra_vars={"backfill": options}, check=check, diff=diff)
    results = run.task_results(TASK)
    assert results, run
    return results[0]


def writes(localaws) -> list:
    return [call for call in localaws.recorded_calls() if call.is_write]


def make_pair(aws_client) -> tuple[str, str]:
    source = unique("bf-src")
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source,
                                                  CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    dest_s3 = aws_client("s3", DR_REGION)
    dest_s3.create_bucket(Bucket=f"{source}-dr", CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    dest_s3.put_bucket_encryption(Bucket=f"{source}-dr", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    return source, f"{source}-dr"


def fill(aws_client, bucket: str, count: int, big_sizes: tuple[int, ...] = (), **extra) -> None:
    s3 = aws_client("s3", SOURCE_REGION)

    def put(index: int) -> None:
        s3.put_object(Bucket=bucket, Key=f"data/{index:04d}.txt", Body=f"object {index} ".encode() * (1 + index % 50),
                      Metadata={"team": "payments", "serial": str(index)}, Tagging=f"tier=gold&index={index}",
                      ContentType="text/plain", CacheControl="max-age=300", ContentDisposition="inline",
                      StorageClass=CLASSES[index % len(CLASSES)], **extra)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(count)))
    for number, size in enumerate(big_sizes):
        s3.put_object(Bucket=bucket, Key=f"big/{number}.bin", Body=bytes([number % 251]) * size,
                      Metadata={"kind": "big"}, Tagging="tier=bulk&size=large", ContentType="application/octet-stream")


def objects(s3, bucket: str) -> dict[str, dict]:
    """Everything the backfill promises to keep, per key (the ETag marker left out)."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]

    def describe(key: str) -> dict:
        head = s3.head_object(Bucket=bucket, Key=key)
        return {"size": head["ContentLength"], "metadata": {k: v for k, v in head["Metadata"].items() if k != MARKER},
                "content": {name: head.get(name) for name in ("ContentType", "CacheControl", "ContentDisposition")},
                "storage_class": head.get("StorageClass", "STANDARD"),
                "tags": sorted((t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])}

    with ThreadPoolExecutor(8) as pool:
        return dict(zip(keys, pool.map(describe, keys)))


def test_backfill_interrupted_resumed_equal_and_rerun_copies_nothing(localaws, run_playbook, aws_client):
    source, dest = make_pair(aws_client)
    fill(aws_client, source, 300, big_sizes=(9 * MIB, 17 * MIB + 3))

    first = backfill(run_playbook, source_bucket=source, dest_region=DR_REGION, max_objects=120, **SMALL_MULTIPART)
    assert not first.get("failed") and first["changed"] is True, first
    assert first["objects_copied"] == 120 and first["complete"] is False and first["limit_reached"] == "max_objects"
    assert any("run again" in warning for warning in first.get("warnings", []))

    second = backfill(run_playbook, source_bucket=source, dest_region=DR_REGION, **SMALL_MULTIPART)
    assert not second.get("failed"), second
    assert second["objects_copied"] == 182 and second["objects_skipped"] == 120 and second["complete"] is True
    assert second["objects_scanned"] == 302 and second["objects_failed"] == 0
    assert first["objects_multipart"] + second["objects_multipart"] == 2

    source_objects = objects(aws_client("s3", SOURCE_REGION), source)
    dest_objects = objects(aws_client("s3", DR_REGION), dest)
    assert len(source_objects) == 302 and dest_objects == source_objects
    assert {item["storage_class"] for item in dest_objects.values()} == set(CLASSES)
    dest_s3 = aws_client("s3", DR_REGION)
    big = dest_s3.get_object(Bucket=dest, Key="big/1.bin")
    assert big["ETag"].strip('"').endswith("-4")  # 17 MiB in 5 MiB parts: copied in 4 parts
    assert big["Body"].read() == bytes([1]) * (17 * MIB + 3)
    assert big["Metadata"][MARKER] == aws_client("s3", SOURCE_REGION).head_object(
        Bucket=source, Key="big/1.bin")["ETag"].strip('"')
    assert big["ServerSideEncryption"] == "AES256"

    localaws.start_recording()
    third = backfill(run_playbook, source_bucket=source, dest_region=DR_REGION, **SMALL_MULTIPART)
    assert third["changed"] is False and third["objects_copied"] == 0 and third["objects_skipped"] == 302, third
    assert writes(localaws) == []


def test_check_mode_counts_and_writes_nothing(localaws, run_playbook, aws_client, tmp_path):
    source, dest = make_pair(aws_client)
    fill(aws_client, source, 40)
    expected_bytes = sum(len(f"object {i} ".encode()) * (1 + i % 50) for i in range(40))
    progress = tmp_path / "progress.log"
    localaws.start_recording()
    planned = backfill(run_playbook, check=True, diff=True, source_bucket=source, dest_region=DR_REGION,
                       progress_file=str(progress))
    assert writes(localaws) == []
    assert planned["changed"] is True and planned["objects_copied"] == 40 and planned["bytes_copied"] == expected_bytes
    assert planned["actions"] == [f"would copy 40 object(s) ({expected_bytes} bytes) from s3://{source}/ to s3://{dest}"]
    assert planned["diff"]["before"]["objects_to_copy"] == 40 and planned["diff"]["after"]["objects_to_copy"] == 0
    assert "(check mode)" in progress.read_text() and "copied 40" in progress.read_text()
    assert aws_client("s3", DR_REGION).list_objects_v2(Bucket=dest)["KeyCount"] == 0


def test_prefix_storage_class_and_bytes_limit(run_playbook, aws_client, tmp_path):
    source, dest = make_pair(aws_client)
    fill(aws_client, source, 20)
    aws_client("s3", SOURCE_REGION).put_object(Bucket=source, Key="other/x", Body=b"x")
    progress = tmp_path / "progress.log"
    result = backfill(run_playbook, source_bucket=source, dest_region=DR_REGION, prefix="data/", max_bytes=1000,
                      storage_class="STANDARD_IA", concurrency=4, progress_file=str(progress), progress_interval=0.01)
    assert not result.get("failed"), result
    assert 0 < result["objects_copied"] < 20 and result["bytes_copied"] <= 1000 and result["limit_reached"] == "max_bytes"
    listed = aws_client("s3", DR_REGION).list_objects_v2(Bucket=dest)["Contents"]
    assert all(item["Key"].startswith("data/") and item["StorageClass"] == "STANDARD_IA" for item in listed)
    assert progress.read_text().count("\n") >= 1


def test_failures_are_reported_per_key_and_do_not_stop_the_run(run_playbook, aws_client):
    source, dest = make_pair(aws_client)
    fill(aws_client, source, 30)
    s3 = aws_client("s3", SOURCE_REGION)
    for key in ("archive/2019.tar", "archive/2020.tar"):  # not restored: S3 refuses to copy them
        s3.put_object(Bucket=source, Key=key, Body=b"old", StorageClass="GLACIER")
    result = backfill(run_playbook, source_bucket=source, dest_region=DR_REGION)
    assert result.get("failed") is True
    assert result["objects_copied"] == 30 and result["objects_failed"] == 2
    assert sorted(item["key"] for item in result["failures"]) == ["archive/2019.tar", "archive/2020.tar"]
    assert all("restore it" in item["error"] for item in result["failures"]), result["failures"]
    assert source in result["msg"] and "archive/2019.tar" in result["msg"] and "2 object(s) failed" in result["msg"]
    assert aws_client("s3", DR_REGION).list_objects_v2(Bucket=dest)["KeyCount"] == 30


def _batch_source(aws_client, versioning=True, replication=True) -> tuple[str, str]:
    source, dest = make_pair(aws_client)
    s3 = aws_client("s3", SOURCE_REGION)
    reports = unique("bf-reports")
    s3.create_bucket(Bucket=reports, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    if versioning:
        s3.put_bucket_versioning(Bucket=source, VersioningConfiguration={"Status": "Enabled"})
        aws_client("s3", DR_REGION).put_bucket_versioning(Bucket=dest, VersioningConfiguration={"Status": "Enabled"})
    if replication:
        s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/r", "Rules": [
                {"ID": "dr", "Priority": 0, "Status": "Enabled", "Filter": {},
                 "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})
    return source, reports


BATCH_ROLE = "arn:aws:iam::123456789012:role/s3-batch-replication"


@pytest.mark.parametrize(("case", "message"), [
    ("missing-source", "Source bucket no-such-backfill-source does not exist"),
    ("missing-dest", "does not exist in us-west-2"),
    ("bad-limit", "max_objects must be 1 or more"),
    ("no-dest-region", "method is copy but all of the following are missing: dest_region"),
    ("batch-without-role", "method is batch_replication but all of the following are missing: batch_role_arn"),
    ("batch-versioning-off", "does not have versioning enabled"),
    ("batch-no-replication", "has no enabled replication rule"),
    ("batch-missing-report-bucket", "does not exist. Create it in eu-west-1"),
    ("batch-replication-role", "does not trust batchoperations.s3.amazonaws.com"),
])
def test_bad_input_is_a_clear_error_with_no_write(case, message, localaws, run_playbook, aws_client):
    batch = case.startswith("batch")
    if batch:
        source, reports = _batch_source(aws_client, versioning=case != "batch-versioning-off",
                                        replication=case not in ("batch-versioning-off", "batch-no-replication"))
        options = {"source_bucket": source, "method": "batch_replication", "batch_role_arn": BATCH_ROLE,
                   "report_bucket": "no-such-reports-bucket" if case == "batch-missing-report-bucket" else reports}
        if case == "batch-without-role":
            del options["batch_role_arn"]
        if case == "batch-replication-role":  # the trust s3_crr_enable's replication role has
            options["batch_role_arn"] = aws_client("iam").create_role(
                RoleName=unique("s3-crr-like"), AssumeRolePolicyDocument=json.dumps({
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                            "Principal": {"Service": "s3.amazonaws.com"}}]}))["Role"]["Arn"]
    else:
        source, dest = make_pair(aws_client)
        options = {"source_bucket": source, "dest_region": DR_REGION}
        if case == "missing-source":
            options["source_bucket"] = "no-such-backfill-source"
        elif case == "missing-dest":
            options["dest_bucket"] = unique("nowhere")
        elif case == "bad-limit":
            options["max_objects"] = 0
        elif case == "no-dest-region":
            del options["dest_region"]
    localaws.start_recording()
    result = backfill(run_playbook, **options)
    assert result.get("failed") is True, result
    assert message in result["msg"], result["msg"]
    if case not in ("no-dest-region", "batch-without-role"):  # those are Ansible's own argument checks
        assert options["source_bucket"] in result["msg"]
    assert "Traceback" not in result["msg"]
    assert writes(localaws) == []


def _batch_role(aws_client, source: str, reports: str) -> str:
    """The least-privilege role of the AWS example for a generated manifest (s3-batch-replication-policies.html)."""
    name = unique("s3-batch-replication")
    iam = aws_client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "batchoperations.s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=name, PolicyName="batch-replication", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:InitiateReplication", "Resource": f"arn:aws:s3:::{source}/*"},
            {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
             "Resource": f"arn:aws:s3:::{source}"},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
             "Resource": f"arn:aws:s3:::{reports}/*"}]}))
    return arn["Role"]["Arn"]


def test_batch_replication_end_to_end_existing_objects_reach_dr_and_rerun_makes_no_second_job(
        localaws, run_playbook, aws_client):
    """Objects written before replication was enabled reach the DR bucket through an S3 Batch Replication job the
    module creates (run by the endpoint: manifest generated, versions replicated, completion report written)."""
    from conftest import wait_for

    source, dest = make_pair(aws_client)
    s3, dest_s3 = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    s3.put_bucket_versioning(Bucket=source, VersioningConfiguration={"Status": "Enabled"})
    dest_s3.put_bucket_versioning(Bucket=dest, VersioningConfiguration={"Status": "Enabled"})
    fill(aws_client, source, 40)
    reports = unique("bf-reports")
    s3.create_bucket(Bucket=reports, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/r", "Rules": [
            {"ID": "dr", "Priority": 0, "Status": "Enabled", "Filter": {},
             "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})
    assert dest_s3.list_objects_v2(Bucket=dest)["KeyCount"] == 0  # replication does not copy what existed before
    options = {"source_bucket": source, "method": "batch_replication", "batch_role_arn": _batch_role(aws_client, source, reports),
               "report_bucket": reports, "report_prefix": "backfill-reports"}

    first = backfill(run_playbook, **options)
    assert first.get("failed") is not True, first
    assert first["changed"] is True and first["job_created"] is True and first["job_id"]
    job_id = first["job_id"]
    assert first["report"] == f"s3://{reports}/backfill-reports/job-{job_id}/"
    control = aws_client("s3control", SOURCE_REGION)
    job = wait_for(lambda: (found := control.describe_job(AccountId="123456789012", JobId=job_id)["Job"])["Status"]
                   in ("Complete", "Failed") and found, f"Batch Replication job {job_id} finished", interval=0.5)
    assert job["Status"] == "Complete", job
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 40 and job["ProgressSummary"]["NumberOfTasksSucceeded"] == 40
    assert objects(dest_s3, dest) == objects(s3, source)  # metadata, content headers, storage class, tags
    report = json.loads(s3.get_object(Bucket=reports, Key=f"backfill-reports/job-{job_id}/manifest.json")["Body"].read())
    assert [result["TaskExecutionStatus"] for result in report["Results"]] == ["succeeded"]

    localaws.start_recording()
    again = backfill(run_playbook, **options)
    assert again.get("failed") is not True, again
    assert again["changed"] is False and again["job_created"] is False, again
    assert again["job_id"] == job_id and again["job_status"] == "Complete" and again["report"] == first["report"]
    assert any("/v20180820/jobs" in call.operation for call in localaws.recorded_calls())  # ListJobs was asked
    assert [call for call in writes(localaws) if "/v20180820/jobs" in call.operation] == []  # no CreateJob
    ours = [item for item in control.list_jobs(AccountId="123456789012")["Jobs"]
            if item["Description"] == first["request"]["Description"]]
    assert [item["JobId"] for item in ours] == [job_id]


def _benchmark_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "backfill" / "run.py"
    spec = importlib.util.spec_from_file_location("backfill_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_correctness_check_small(localaws):
    """The benchmark's data and its check of what arrived, on 60 objects: the engine and the boto3 ceiling."""
    bench = _benchmark_module()
    source = unique("bench-src")
    plan = bench.make_source(localaws.endpoint_url, source, 60, seed=7)
    assert min(size for _key, size in plan) >= 1024 and max(size for _key, size in plan) <= 1024 * 1024
    for name, copy in (("engine", bench.copy_with_engine), ("boto3", bench.copy_with_boto3)):
        dest = unique(f"bench-{name}")
        bench.make_dest(localaws.endpoint_url, dest)
        copy(localaws.endpoint_url, source, dest, 8)
        assert bench.verify(localaws.endpoint_url, dest, plan) == {
            "expected": 60, "present": 60, "metadata_ok": 60, "content_type_ok": 60, "tags_ok": 60, "extra": 0}, name
        bench.drop_bucket(localaws.endpoint_url, dest)
    empty = unique("bench-empty")
    bench.make_dest(localaws.endpoint_url, empty)
    assert bench.verify(localaws.endpoint_url, empty, plan)["present"] == 0  # the check does catch a miss
