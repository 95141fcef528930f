"""s3control_batch_replication: the endpoint runs S3 Batch Replication jobs over a generated manifest."""
from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import client_for, wait_for

REGION, DR_REGION = "eu-west-1", "eu-central-1"
ACCOUNT = "123456789012"
BATCH_PRINCIPAL = "batchoperations.s3.amazonaws.com"


def make_bucket(s3, prefix: str, region: str, versioned: bool = True) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def batch_role(iam, source: str, reports: str, initiate: bool = True, principal: str = BATCH_PRINCIPAL) -> str:
    """The role of the AWS example policy for a generated manifest (s3-batch-replication-policies.html)."""
    name = f"batch-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    statements = [
        {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
         "Resource": f"arn:aws:s3:::{source}"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
         "Resource": f"arn:aws:s3:::{reports}/*"}]
    if initiate:
        statements.append({"Effect": "Allow", "Action": "s3:InitiateReplication", "Resource": f"arn:aws:s3:::{source}/*"})
    iam.put_role_policy(RoleName=name, PolicyName="batch-replication",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return arn


def job_request(source: str, reports: str, role_arn: str, scope: str = "AllTasks", **filters) -> dict:
    return {"AccountId": ACCOUNT, "ConfirmationRequired": False, "Operation": {"S3ReplicateObject": {}},
            "Priority": 10, "RoleArn": role_arn, "Description": f"backfill {source}",
            "Report": {"Bucket": f"arn:aws:s3:::{reports}", "Format": "Report_CSV_20180820", "Enabled": True,
                       "Prefix": "reports", "ReportScope": scope},
            "ManifestGenerator": {"S3JobManifestGenerator": {
                "ExpectedBucketOwner": ACCOUNT, "SourceBucket": f"arn:aws:s3:::{source}", "EnableManifestOutput": True,
                "ManifestOutputLocation": {"ExpectedManifestBucketOwner": ACCOUNT, "Bucket": f"arn:aws:s3:::{reports}",
                                           "ManifestPrefix": "manifests",
                                           "ManifestFormat": "S3InventoryReport_CSV_20211130"},
                "Filter": {"EligibleForReplication": True, "ObjectReplicationStatuses": ["NONE", "FAILED"], **filters}}}}


@pytest.fixture
def existing(aws_client):
    """Objects written before the replication rule existed (live replication never copies them), then the rule."""
    s3, dr_s3 = aws_client("s3", REGION), aws_client("s3", DR_REGION)
    source, dest = make_bucket(s3, "batch-src", REGION), make_bucket(dr_s3, "batch-dst", DR_REGION)
    reports = make_bucket(s3, "batch-reports", REGION, versioned=False)
    versions = {}
    for key in ("logs/a.txt", "logs/b.txt", "data/c.bin"):
        versions[key] = s3.put_object(Bucket=source, Key=key, Body=key.encode(), Metadata={"origin": "before"},
                                      Tagging="tier=gold")["VersionId"]
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
        "Rules": [{"ID": "all", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
                   "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})
    return s3, dr_s3, source, dest, reports, versions


def finished(control, job_id: str) -> dict:
    return wait_for(lambda: (job := control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"])["Status"]
                    in ("Complete", "Failed", "Cancelled") and job, f"job {job_id} finished", interval=0.2)


def read(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_job_replicates_existing_versions_and_writes_the_report(existing, aws_client):
    s3, dr_s3, source, dest, reports, versions = existing
    control = aws_client("s3control", REGION)
    role = batch_role(aws_client("iam"), source, reports)
    assert dr_s3.list_object_versions(Bucket=dest).get("Versions") is None  # live replication left them behind
    request = job_request(source, reports, role)
    job_id = control.create_job(**request, ClientRequestToken="token-1")["JobId"]
    assert control.create_job(**request, ClientRequestToken="token-1")["JobId"] == job_id  # idempotent token
    seen = {control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]["Status"]}

    job = finished(control, job_id)
    seen.add(job["Status"])
    assert job["Status"] == "Complete", job
    assert seen <= {"New", "Preparing", "Active", "Completing", "Complete"}
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 3
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 3 and job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    assert job["JobArn"] == f"arn:aws:s3:{REGION}:{ACCOUNT}:job/{job_id}"
    for key, version_id in versions.items():
        replica = dr_s3.get_object(Bucket=dest, Key=key)
        assert replica["VersionId"] == version_id and replica["ReplicationStatus"] == "REPLICA"
        assert replica["Metadata"] == {"origin": "before"} and replica["Body"].read() == key.encode()
        assert dr_s3.get_object_tagging(Bucket=dest, Key=key)["TagSet"] == [{"Key": "tier", "Value": "gold"}]
        assert s3.head_object(Bucket=source, Key=key)["ReplicationStatus"] == "COMPLETED"

    # The completion report, laid out as batch-ops-examples-reports.html shows it.
    report = json.loads(read(s3, reports, f"reports/job-{job_id}/manifest.json"))
    assert report["Format"] == "Report_CSV_20180820"
    assert report["ReportSchema"] == "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
    [result] = report["Results"]
    assert result["TaskExecutionStatus"] == "succeeded" and result["Bucket"] == reports
    assert result["Key"].startswith(f"reports/job-{job_id}/results/") and result["Key"].endswith(".csv")
    rows = list(csv.reader(io.StringIO(read(s3, reports, result["Key"]).decode())))
    assert sorted(rows) == sorted([source, key, version_id, "succeeded", "200", "", "Successful"]
                                  for key, version_id in versions.items())
    # The generated manifest lists the same versions, and DescribeJob names it.
    location = job["GeneratedManifestDescriptor"]["Location"]["ObjectArn"]
    assert location.startswith(f"arn:aws:s3:::{reports}/manifests/job-{job_id}/")
    manifest = json.loads(read(s3, reports, location.split(f"{reports}/", 1)[1]))
    listed = list(csv.reader(io.StringIO(read(s3, reports, manifest["files"][0]["key"]).decode())))
    assert sorted(listed) == sorted([source, key, version_id] for key, version_id in versions.items())

    listed_jobs = control.list_jobs(AccountId=ACCOUNT, JobStatuses=["Complete"])["Jobs"]
    assert {"JobId": job_id, "Operation": "S3ReplicateObject", "Status": "Complete"}.items() <= \
        next(item for item in listed_jobs if item["JobId"] == job_id).items()
    # A second job over NONE/FAILED finds nothing left: everything is COMPLETED now.
    again = finished(control, control.create_job(**request, ClientRequestToken="token-2")["JobId"])
    assert again["Status"] == "Complete" and again["ProgressSummary"]["TotalNumberOfTasks"] == 0


def test_role_without_initiate_replication_fails_every_task(existing, aws_client):
    s3, dr_s3, source, dest, reports, _versions = existing
    control = aws_client("s3control", REGION)
    role = batch_role(aws_client("iam"), source, reports, initiate=False)
    job = finished(control, control.create_job(**job_request(source, reports, role, scope="FailedTasksOnly"),
                                               ClientRequestToken=uuid.uuid4().hex)["JobId"])
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 3 and job["ProgressSummary"]["NumberOfTasksSucceeded"] == 0
    assert dr_s3.list_object_versions(Bucket=dest).get("Versions") is None
    [result] = json.loads(read(s3, reports, f"reports/job-{job['JobId']}/manifest.json"))["Results"]
    assert result["TaskExecutionStatus"] == "failed"
    rows = list(csv.reader(io.StringIO(read(s3, reports, result["Key"]).decode())))
    assert {tuple(row[3:6]) for row in rows} == {("failed", "403", "AccessDenied")}
    assert "s3:InitiateReplication" in rows[0][6]


def test_role_batch_operations_cannot_assume_fails_the_job(existing, aws_client):
    s3, _dr_s3, source, _dest, reports, _versions = existing
    control = aws_client("s3control", REGION)
    role = batch_role(aws_client("iam"), source, reports, principal="s3.amazonaws.com")
    job = finished(control, control.create_job(**job_request(source, reports, role),
                                               ClientRequestToken=uuid.uuid4().hex)["JobId"])
    assert job["Status"] == "Failed"
    assert "does not trust batchoperations.s3.amazonaws.com" in job["FailureReasons"][0]["FailureReason"]
    assert "Contents" not in s3.list_objects_v2(Bucket=reports)


def test_filters_select_versions(existing, aws_client):
    _s3, dr_s3, source, dest, reports, versions = existing
    control = aws_client("s3control", REGION)
    role = batch_role(aws_client("iam"), source, reports)
    job = finished(control, control.create_job(
        **job_request(source, reports, role, KeyNameConstraint={"MatchAnyPrefix": ["logs/"]}),
        ClientRequestToken=uuid.uuid4().hex)["JobId"])
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 2
    replicated = {item["Key"] for item in dr_s3.list_object_versions(Bucket=dest).get("Versions", [])}
    assert replicated == {"logs/a.txt", "logs/b.txt"}


def test_only_replicate_object_jobs_with_a_generated_manifest(aws_client):
    control = aws_client("s3control", REGION)
    with pytest.raises(ClientError, match="S3ReplicateObject jobs only"):
        control.create_job(**{**job_request("src", "reports", f"arn:aws:iam::{ACCOUNT}:role/r"),
                              "Operation": {"S3PutObjectTagging": {"TagSet": []}}}, ClientRequestToken="x")
    with pytest.raises(ClientError) as error:
        control.describe_job(AccountId=ACCOUNT, JobId="00000000-0000-0000-0000-000000000000")
    assert error.value.response["Error"]["Code"] == "NotFoundException"
    assert "00000000-0000-0000-0000-000000000000 does not exist" in error.value.response["Error"]["Message"]


def test_without_patch_there_are_no_jobs(localaws_without):
    server = localaws_without("s3control_batch_replication")
    with pytest.raises(ClientError):
        client_for(server, "s3control", REGION).list_jobs(AccountId=ACCOUNT)


def test_delete_markers_are_replicated_once_when_the_rule_says_so(aws_client):
    s3, dr_s3 = aws_client("s3", REGION), aws_client("s3", DR_REGION)
    source, dest = make_bucket(s3, "batch-dm-src", REGION), make_bucket(dr_s3, "batch-dm-dst", DR_REGION)
    reports = make_bucket(s3, "batch-dm-reports", REGION, versioned=False)
    s3.put_object(Bucket=source, Key="gone.txt", Body=b"old")
    marker = s3.delete_object(Bucket=source, Key="gone.txt")["VersionId"]
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
        "Rules": [{"ID": "all", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
                   "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})
    control = aws_client("s3control", REGION)
    role = batch_role(aws_client("iam"), source, reports)
    job = finished(control, control.create_job(**job_request(source, reports, role),
                                               ClientRequestToken=uuid.uuid4().hex)["JobId"])
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 2, job  # the object version and its delete marker
    listing = dr_s3.list_object_versions(Bucket=dest)
    assert [item["VersionId"] for item in listing.get("DeleteMarkers", [])] == [marker]
    assert len(listing.get("Versions", [])) == 1
    again = finished(control, control.create_job(**job_request(source, reports, role),
                                                 ClientRequestToken=uuid.uuid4().hex)["JobId"])
    assert again["ProgressSummary"]["TotalNumberOfTasks"] == 0
