"""The backfill core: the copy engine in-process on moto, the Batch Replication request on botocore's model."""
from __future__ import annotations

import datetime
import json
import os

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.stub import ANY, Stubber

from plugins.module_utils.core import backfill as core
from plugins.module_utils.core.backfill import BackfillSpec, backfill, backfill_clients, batch_job_request, paired
from plugins.module_utils.core.errors import DRError

SOURCE, DEST = "src", "src-dr"
SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
ACCOUNT = "123456789012"
MIB = 1024 * 1024


@pytest.fixture
def aws(moto_in_process):
    clients = backfill_clients(boto3.session.Session(), concurrency=8)
    clients("s3", SOURCE_REGION).create_bucket(Bucket=SOURCE,
                                               CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    clients("s3", DR_REGION).create_bucket(Bucket=DEST, CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    yield clients


def put(clients, key: str, size: int = 10, **extra) -> None:
    body = (key.encode() * (size // max(1, len(key)) + 1))[:size]
    clients("s3", SOURCE_REGION).put_object(Bucket=SOURCE, Key=key, Body=body, **extra)


def dest_keys(clients) -> list[str]:
    pages = clients("s3", DR_REGION).get_paginator("list_objects_v2").paginate(Bucket=DEST)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def run(clients, check_mode=False, **options) -> dict:
    spec = BackfillSpec(source_bucket=SOURCE, dest_region=DR_REGION, **options)
    return backfill(clients, spec, check_mode=check_mode).data


def test_paired_merges_two_key_ordered_listings():
    source = [{"Key": key} for key in ("a", "b", "d", "é", "z")]
    dest = [{"Key": key} for key in ("0", "b", "c", "é", "zz")]
    pairs = [(s["Key"], d and d["Key"]) for s, d in paired(iter(source), iter(dest))]
    assert pairs == [("a", None), ("b", "b"), ("d", None), ("é", "é"), ("z", None)]


def test_part_size_grows_only_when_10000_parts_would_not_do():
    assert core.part_size_for(100 * MIB, 8 * MIB) == 8 * MIB
    assert core.part_size_for(5 * 1024 ** 4, 512 * MIB) == 525 * MIB  # 5 TiB: 10,000 parts of 525 MiB at most
    assert core.part_size_for(5 * 1024 ** 4, 512 * MIB) * core.MAX_PARTS >= 5 * 1024 ** 4


def test_client_config_pool_covers_the_workers():
    assert core.client_config(64).max_pool_connections >= 2 * 64
    assert core.client_config(64).retries == {"mode": "standard", "total_max_attempts": 11}


@pytest.mark.parametrize(("options", "message"), [
    ({"concurrency": 0}, "concurrency must be 1 or more"),
    ({"max_objects": 0}, "max_objects must be 1 or more"),
    ({"multipart_threshold": 1024}, "multipart_threshold must be between"),
    ({"storage_class": "COLD"}, "storage_class must be one of"),
    ({"dest_bucket": "Bad_Name"}, "dest_bucket 'Bad_Name' is not a valid bucket name"),
    ({"dest_bucket": SOURCE}, "cannot be its own DR copy"),
    ({"method": "batch_replication"}, "needs batch_role_arn"),
    ({"method": "batch_replication", "batch_role_arn": "arn:aws:iam::1:role/r"}, "needs report_bucket"),
    ({"method": "sync"}, "method must be one of copy, batch_replication"),
])
def test_bad_input_is_refused_before_any_call(options, message):
    with pytest.raises(DRError) as error:
        backfill(lambda service, region: pytest.fail("no AWS call expected"),
                 BackfillSpec(source_bucket=SOURCE, dest_region=DR_REGION, **options))
    assert message in str(error.value) and SOURCE in str(error.value)


def test_copy_preserves_everything_reruns_copy_nothing_and_limits_resume(aws):
    expires = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    for index in range(40):
        put(aws, f"small/{index:03d}", 100 + index, Metadata={"owner": "team-a", "index": str(index)},
            Tagging=f"tier=gold&n={index}", ContentType="text/plain", CacheControl="max-age=60",
            ContentDisposition="inline", ContentEncoding="identity", ContentLanguage="en",
            StorageClass="STANDARD_IA" if index % 2 else "STANDARD")
    put(aws, "big/one", 12 * MIB, Metadata={"owner": "team-b"}, Tagging="tier=silver", ContentType="application/x",
        Expires=expires)
    options = {"multipart_threshold": 8 * MIB, "multipart_chunksize": 5 * MIB, "concurrency": 8}

    planned = run(aws, check_mode=True, **options)
    assert (planned["objects_copied"], planned["objects_scanned"], planned["bytes_copied"]) == (41, 41, sum(100 + i for i in range(40)) + 12 * MIB)
    assert dest_keys(aws) == []

    partial = run(aws, max_objects=15, **options)
    assert partial["objects_copied"] == 15 and partial["complete"] is False and partial["limit_reached"] == "max_objects"
    rest = run(aws, **options)
    assert rest["objects_copied"] == 26 and rest["objects_skipped"] == 15 and rest["complete"] is True
    assert partial["objects_multipart"] + rest["objects_multipart"] == 1  # big/one sorts first
    assert rest["objects_failed"] == 0 and rest["failures"] == []

    source_s3, dest_s3 = aws("s3", SOURCE_REGION), aws("s3", DR_REGION)
    for key in ["small/000", "small/001", "small/039", "big/one"]:
        source_head, dest_head = source_s3.head_object(Bucket=SOURCE, Key=key), dest_s3.head_object(Bucket=DEST, Key=key)
        for name in ("ContentLength", "ContentType", "CacheControl", "ContentDisposition", "ContentEncoding",
                     "ContentLanguage", "Expires"):
            assert dest_head.get(name) == source_head.get(name), (key, name)
        assert dest_head.get("StorageClass", "STANDARD") == source_head.get("StorageClass", "STANDARD"), key
        expected_metadata = dict(source_head["Metadata"])
        if key == "big/one":  # the multipart copy has another ETag: it carries the source ETag
            expected_metadata[core.SOURCE_ETAG_METADATA] = source_head["ETag"].strip('"')
        assert dest_head["Metadata"] == expected_metadata, key
        assert dest_s3.get_object_tagging(Bucket=DEST, Key=key)["TagSet"] == \
            source_s3.get_object_tagging(Bucket=SOURCE, Key=key)["TagSet"], key
    assert dest_s3.get_object(Bucket=DEST, Key="big/one")["Body"].read() == \
        source_s3.get_object(Bucket=SOURCE, Key="big/one")["Body"].read()

    again = run(aws, **options)
    assert again["objects_copied"] == 0 and again["objects_skipped"] == 41

    put(aws, "small/005", 999)  # changed on the source: copied again, nothing else
    changed = run(aws, **options)
    assert changed["objects_copied"] == 1 and changed["objects_skipped"] == 40


def test_max_bytes_and_prefix_and_storage_class_override(aws):
    for index in range(10):
        put(aws, f"a/{index}", 1000)
        put(aws, f"b/{index}", 1000)
    limited = run(aws, prefix="a/", max_bytes=3500, storage_class="GLACIER_IR")
    assert limited["objects_copied"] == 3 and limited["limit_reached"] == "max_bytes"
    assert dest_keys(aws) == ["a/0", "a/1", "a/2"]
    assert aws("s3", DR_REGION).head_object(Bucket=DEST, Key="a/0")["StorageClass"] == "GLACIER_IR"
    assert run(aws, prefix="a/")["objects_copied"] == 7
    assert all(key.startswith("a/") for key in dest_keys(aws))


def test_dest_kms_key_encrypts_copies_and_marks_them(aws):
    key_id = aws("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]
    put(aws, "k", 100, Metadata={"m": "1"})
    run(aws, dest_kms_key_id=key_id)
    head = aws("s3", DR_REGION).head_object(Bucket=DEST, Key="k")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_id
    assert head["Metadata"]["m"] == "1" and core.SOURCE_ETAG_METADATA in head["Metadata"]
    assert run(aws, dest_kms_key_id=key_id)["objects_copied"] == 0


class FailingCopies:
    """An S3 client whose copies of some keys fail like S3 does for archived or forbidden objects."""

    def __init__(self, client, failing: dict[str, str]):
        self._client, self._failing = client, failing

    def copy_object(self, **kwargs):
        code = self._failing.get(kwargs["Key"])
        if code:
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, "CopyObject")
        return self._client.copy_object(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def replacing(clients, dest_s3):
    """clients() with the DR Region's S3 client replaced."""
    def factory(service, region):
        return dest_s3 if (service, region) == ("s3", DR_REGION) else clients(service, region)
    return factory


def test_failures_are_reported_per_key_and_the_rest_is_copied(aws):
    for index in range(20):
        put(aws, f"o{index:02d}")
    failing = FailingCopies(aws("s3", DR_REGION), {"o03": "InvalidObjectState", "o11": "AccessDenied"})
    clients = replacing(aws, failing)
    data = backfill(clients, BackfillSpec(source_bucket=SOURCE, dest_region=DR_REGION)).data
    assert data["objects_copied"] == 18 and data["objects_failed"] == 2
    failures = {item["key"]: item["error"] for item in data["failures"]}
    assert set(failures) == {"o03", "o11"}
    assert "restore it" in failures["o03"] and "s3:PutObject" in failures["o11"]
    assert run(aws)["objects_copied"] == 2


def test_a_copy_with_another_etag_gets_the_marker_so_reruns_skip_it(aws):
    """An SSE-KMS source object copied to an SSE-S3 bucket gets a new ETag on AWS (moto keeps it)."""

    class NewEtag(FailingCopies):
        def copy_object(self, **kwargs):
            response = self._client.copy_object(**kwargs)
            if kwargs["MetadataDirective"] == "COPY":
                response["CopyObjectResult"]["ETag"] = '"0000"'
            return response

    put(aws, "kms-source", 50, Metadata={"a": "b"})
    wrapped = NewEtag(aws("s3", DR_REGION), {})
    clients = replacing(aws, wrapped)
    backfill(clients, BackfillSpec(source_bucket=SOURCE, dest_region=DR_REGION))
    metadata = aws("s3", DR_REGION).head_object(Bucket=DEST, Key="kms-source")["Metadata"]
    assert metadata["a"] == "b" and metadata[core.SOURCE_ETAG_METADATA]


def test_progress_is_reported_at_the_interval(aws):
    for index in range(30):
        put(aws, f"p{index}")
    lines = []
    backfill(aws, BackfillSpec(source_bucket=SOURCE, dest_region=DR_REGION, progress_interval=0.001,
                               concurrency=2), progress=lines.append)
    assert lines and {"objects_scanned", "objects_copied", "objects_per_second"} <= set(lines[-1])
    assert "objects/s" in core.progress_line(lines[-1])


def test_missing_dr_bucket_is_a_clear_error(aws):
    with pytest.raises(DRError) as error:
        run(aws, dest_bucket="nowhere-dr")
    assert "DR bucket nowhere-dr does not exist in us-west-2" in str(error.value) and "s3_crr_enable" in str(error.value)


# ---- batch_replication: the request against botocore's service model ---------------------------

BATCH = {"method": "batch_replication", "batch_role_arn": f"arn:aws:iam::{ACCOUNT}:role/batch-replication",
         "report_bucket": "reports"}


def _batch_role(clients, principal: str = "batchoperations.s3.amazonaws.com") -> None:
    clients("iam", "us-east-1").create_role(RoleName="batch-replication", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": principal},
                                                "Action": "sts:AssumeRole"}]}))


def _replicating_source(clients) -> None:
    _batch_role(clients)
    s3 = clients("s3", SOURCE_REGION)
    s3.create_bucket(Bucket="reports", CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    for bucket, region in ((SOURCE, SOURCE_REGION), (DEST, DR_REGION)):
        clients("s3", region).put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket=SOURCE, ReplicationConfiguration={
        "Role": f"arn:aws:iam::{ACCOUNT}:role/r", "Rules": [
            {"ID": "dr", "Priority": 0, "Status": "Enabled", "Filter": {},
             "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{DEST}"}}]})


def _stubbed(clients, list_jobs_responses, create=True):
    """clients() whose s3control answers from a Stubber: every request is checked against the service model."""
    s3control = boto3.client("s3control", region_name=SOURCE_REGION)
    stubber = Stubber(s3control)
    for response in list_jobs_responses:
        stubber.add_response("list_jobs", response, {"AccountId": ACCOUNT, "JobStatuses": core.ACTIVE_JOB_STATUSES + core.ENDED_JOB_STATUSES,
                                                     **({"NextToken": "t1"} if response is not list_jobs_responses[0]
                                                        else {})})
    if create:
        request = batch_job_request(BackfillSpec(source_bucket=SOURCE, prefix="logs/", **BATCH), ACCOUNT)
        expected = {**request, "ClientRequestToken": core.batch_request_token(request)}
        stubber.add_response("create_job", {"JobId": "job-1234"}, expected)
    stubber.activate()
    return stubber, (lambda service, region: s3control if service == "s3control" else clients(service, region))


def test_batch_job_request_is_valid_for_the_service_model(aws):
    _replicating_source(aws)
    pages = [{"Jobs": [{"JobId": "other", "Description": "someone else's", "Operation": "S3PutObjectTagging"}],
              "NextToken": "t1"}, {"Jobs": []}]
    stubber, clients = _stubbed(aws, pages)
    result = backfill(clients, BackfillSpec(source_bucket=SOURCE, prefix="logs/", **BATCH))
    stubber.assert_no_pending_responses()
    assert result.changed and result.data["job_id"] == "job-1234" and result.data["job_created"] is True
    request = result.data["request"]
    assert request["Operation"] == {"S3ReplicateObject": {}}
    generator = request["ManifestGenerator"]["S3JobManifestGenerator"]
    assert generator["SourceBucket"] == f"arn:aws:s3:::{SOURCE}"
    assert generator["Filter"] == {"EligibleForReplication": True, "ObjectReplicationStatuses": ["NONE", "FAILED"],
                                   "KeyNameConstraint": {"MatchAnyPrefix": ["logs/"]}}
    assert request["Report"]["Bucket"] == "arn:aws:s3:::reports" and request["Report"]["Enabled"] is True
    assert request["RoleArn"] == BATCH["batch_role_arn"]


def test_batch_check_mode_returns_the_request_and_creates_nothing(aws):
    _replicating_source(aws)
    stubber, clients = _stubbed(aws, [{"Jobs": []}], create=False)
    result = backfill(clients, BackfillSpec(source_bucket=SOURCE, prefix="logs/", **BATCH), check_mode=True)
    stubber.assert_no_pending_responses()
    assert result.changed and result.data["job_id"] is None and result.data["request"]["RoleArn"]
    assert "create S3 Batch Replication job" in result.actions[0]


def test_batch_active_job_is_reused(aws):
    _replicating_source(aws)
    description = core.job_description(BackfillSpec(source_bucket=SOURCE, prefix="logs/", **BATCH))
    stubber, clients = _stubbed(aws, [{"Jobs": [{"JobId": "running", "Description": description,
                                                 "Operation": "S3ReplicateObject", "Status": "Active"}]}], create=False)
    result = backfill(clients, BackfillSpec(source_bucket=SOURCE, prefix="logs/", **BATCH))
    assert result.changed is False and result.data["job_id"] == "running" and result.data["job_created"] is False


def test_batch_job_that_ended_today_is_not_made_again(aws):
    """Today's ClientRequestToken would answer the job that ended today: a rerun reports it (Complete) or says why it
    cannot make another one today (Failed); a job of another day does not count."""
    import datetime
    _replicating_source(aws)
    spec = BackfillSpec(source_bucket=SOURCE, prefix="logs/", **BATCH)
    description = core.job_description(spec)
    now = datetime.datetime.now(datetime.timezone.utc)

    def job(job_id, status, created):
        return {"JobId": job_id, "Description": description, "Operation": "S3ReplicateObject", "Status": status,
                "CreationTime": created}

    stubber, clients = _stubbed(aws, [{"Jobs": [job("done-today", "Complete", now)]}], create=False)
    result = backfill(clients, spec)
    assert result.changed is False and result.data["job_id"] == "done-today" and result.data["job_status"] == "Complete"
    assert result.data["report"] == "s3://reports/s3-dr-backfill/job-done-today/"
    stubber, clients = _stubbed(aws, [{"Jobs": [job("old-job", "Complete", now - datetime.timedelta(days=1))]}])
    result = backfill(clients, spec)
    stubber.assert_no_pending_responses()
    assert result.changed and result.data["job_id"] == "job-1234" and result.data["job_created"] is True
    stubber, clients = _stubbed(aws, [{"Jobs": [job("broken", "Failed", now)]}], create=False)
    with pytest.raises(DRError) as error:
        backfill(clients, spec)
    assert "job broken made today" in str(error.value) and "failed" in str(error.value)


def test_every_request_shape_passes_the_model():
    """Without a prefix, with every status and the failed-only report: still valid for botocore."""
    s3control = boto3.client("s3control", region_name=SOURCE_REGION, aws_access_key_id="x", aws_secret_access_key="x")
    for options in ({}, {"prefix": "a/", "replication_statuses": list(core.REPLICATION_STATUSES),
                         "report_scope": "FailedTasksOnly", "job_priority": 0}):
        request = batch_job_request(BackfillSpec(source_bucket=SOURCE, **BATCH, **options), ACCOUNT)
        with Stubber(s3control) as stubber:
            stubber.add_response("create_job", {"JobId": "job-1"}, {**request, "ClientRequestToken": ANY})
            assert s3control.create_job(**request, ClientRequestToken="t")["JobId"] == "job-1"
    broken = batch_job_request(BackfillSpec(source_bucket=SOURCE, **BATCH), ACCOUNT)
    del broken["RoleArn"]
    broken["Operation"] = {"S3ReplicateObject": {"Unknown": 1}}
    with Stubber(s3control) as stubber, pytest.raises(ParamValidationError) as error:  # the model really is checked
        stubber.add_response("create_job", {"JobId": "job-1"})
        s3control.create_job(**broken, ClientRequestToken="t")
    assert "RoleArn" in str(error.value) and "Unknown" in str(error.value)


def test_batch_request_token_is_the_same_for_the_same_request_on_the_same_day():
    import datetime
    request = batch_job_request(BackfillSpec(source_bucket=SOURCE, **BATCH), ACCOUNT)
    day = datetime.date(2026, 12, 2)
    token = core.batch_request_token(request, day)
    assert token == core.batch_request_token(json.loads(json.dumps(request)), day) and len(token) <= 64
    assert token != core.batch_request_token(request, day + datetime.timedelta(days=1))
    assert token != core.batch_request_token({**request, "Priority": 11}, day)


@pytest.mark.parametrize("principal", ["s3.amazonaws.com", None])
def test_a_batch_role_s3_batch_operations_cannot_assume_is_refused_before_the_job(aws, principal):
    _replicating_source(aws)
    aws("iam", "us-east-1").delete_role(RoleName="batch-replication")
    if principal:  # the replication role's trust: S3, not S3 Batch Operations
        _batch_role(aws, principal)
    with pytest.raises(DRError) as error:
        backfill(aws, BackfillSpec(source_bucket=SOURCE, **BATCH))
    expected = "does not trust batchoperations.s3.amazonaws.com" if principal else "does not exist"
    assert expected in str(error.value) and BATCH["batch_role_arn"] in str(error.value)


@pytest.mark.parametrize(("setup", "options", "message"), [
    ("none", {}, "does not have versioning enabled"),
    ("versioned", {}, "has no enabled replication rule"),
    ("replicating", {"dest_bucket": "elsewhere"}, "does not replicate to elsewhere"),
    ("replicating", {"report_bucket": "no-such-reports"}, "Report bucket no-such-reports does not exist"),
    ("replicating", {"report_bucket": "far-reports"}, "is in us-west-2"),
])
def test_batch_preconditions_are_clear_errors(aws, setup, options, message):
    if setup == "replicating":
        _replicating_source(aws)
        aws("s3", DR_REGION).create_bucket(Bucket="far-reports", CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    elif setup == "versioned":
        aws("s3", SOURCE_REGION).put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
        aws("s3", SOURCE_REGION).create_bucket(Bucket="reports", CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})

    def clients(service, region):
        assert service != "s3control", "no s3control call expected"
        return aws(service, region)

    with pytest.raises(DRError) as error:
        backfill(clients, BackfillSpec(source_bucket=SOURCE, **{**BATCH, **options}))
    assert message in str(error.value) and SOURCE in str(error.value), str(error.value)
    assert os.environ.get("AWS_ENDPOINT_URL") is None
