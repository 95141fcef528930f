"""Data first: a configuration category that fails is reported on its own, and never holds back the
other categories or replication (module, dr_buckets.yml, pipeline handler). And the DR bucket's
stronger default encryption is kept over the source's SSE-S3 baseline."""
from __future__ import annotations

import json
import uuid

import pytest

from conftest import client_for
from test_config_clone import clone, drift
from test_pipeline_events import DR_REGION as PIPELINE_DR_REGION
from test_pipeline_events import SOURCE_REGION as PIPELINE_SOURCE_REGION
from test_pipeline_events import log_lines, pipeline_message, sns_event, writes
# The fixture that runs the three pipeline functions in this process, as their zip lays them out.
from test_pipeline_events import handlers  # noqa: F401 pylint: disable=unused-import

SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
LIFECYCLE = {"Rules": [{"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]}
BPA_REFUSAL = "policy: refused by Block Public Access on the DR bucket"


def public_source(s3, region: str, tags: dict[str, str] | None = None) -> str:
    """A source bucket whose policy is public (a website's), plus a lifecycle rule that must still be cloned."""
    bucket = f"public-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    if tags:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return bucket


def dr_policy_sids(s3, bucket: str) -> list[str]:
    return [statement["Sid"] for statement in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]]


def test_public_policy_fails_its_category_and_the_others_are_cloned(run_playbook, aws_client):
    source = public_source(aws_client("s3", SOURCE_REGION), SOURCE_REGION)
    result = clone(run_playbook, source_bucket=source, dest_region=DR_REGION, categories=["policy", "lifecycle"])
    assert result.get("failed") is True, result
    assert BPA_REFUSAL in result["msg"] and source in result["msg"], result["msg"]
    assert result["failed_categories"] == ["policy"]
    assert result["categories"]["policy"]["status"] == "failed"
    assert result["categories"]["policy"]["error_code"] == "AccessDenied"
    assert result["categories"]["lifecycle"]["status"] == "created"
    assert any(BPA_REFUSAL in warning for warning in result["warnings"]), result["warnings"]
    dr = aws_client("s3", DR_REGION)
    assert dr.get_bucket_lifecycle_configuration(Bucket=f"{source}-dr")["Rules"] == LIFECYCLE["Rules"]
    assert dr_policy_sids(dr, f"{source}-dr") == ["DenyInsecureTransport"]  # the baseline the DR bucket was made with
    assert not any(action.startswith("update policy") for action in result["actions"]), result["actions"]


def test_a_failing_read_is_that_category_failure(localaws, aws_client):
    """A category whose read fails (here: the DR side's CORS read is refused) is reported; the others go on."""
    from botocore.exceptions import ClientError

    from plugins.module_utils.core.clients import ClientFactory
    from plugins.module_utils.core.clone import CloneSpec, clone_configuration

    source = f"readfail-{uuid.uuid4().hex[:10]}"
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source, CreateBucketConfiguration={
        "LocationConstraint": SOURCE_REGION})
    aws_client("s3", SOURCE_REGION).put_bucket_lifecycle_configuration(Bucket=source, LifecycleConfiguration=LIFECYCLE)
    # An existing DR bucket: one the run creates is known, not read.
    aws_client("s3", DR_REGION).create_bucket(Bucket=f"{source}-dr", CreateBucketConfiguration={
        "LocationConstraint": DR_REGION})

    def make_client(service, region):
        client = client_for(localaws, service, region)
        if service == "s3" and region == DR_REGION:
            def refused(**_kwargs):
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetBucketCors")
            client.get_bucket_cors = refused
        return client

    result = clone_configuration(ClientFactory(make_client), CloneSpec(
        source_bucket=source, dest_region=DR_REGION, categories=["cors", "lifecycle"]))
    assert result.data["failed_categories"] == ["cors"]
    assert result.data["categories"]["cors"] == {"status": "failed", "reason": "Access Denied (AccessDenied)",
                                                 "error_code": "AccessDenied"}
    assert result.data["categories"]["lifecycle"]["status"] == "created"
    assert result.failure and "cors: Access Denied (AccessDenied)" in result.failure
    assert aws_client("s3", DR_REGION).get_bucket_lifecycle_configuration(Bucket=f"{source}-dr")["Rules"]


def test_dr_buckets_playbook_enables_replication_when_a_category_fails(run_playbook, aws_client, tmp_path):
    source = public_source(aws_client("s3", SOURCE_REGION), SOURCE_REGION)
    report = tmp_path / "report.jsonl"
    run = run_playbook("playbooks/dr_buckets.yml", extra_vars={
        "dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": [source], "dr_backfill": False,
        "dr_report_path": str(report)})
    assert run.rc != 0, run
    rules = aws_client("s3", SOURCE_REGION).get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"]
    assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{source}-dr"
    final = run.task_results("Make each bucket a DR pair (settings, replication, backfill)")
    assert final and final[0].get("failed") and BPA_REFUSAL in final[0]["msg"], run
    assert final[0]["failures"] == [{"source_bucket": source, "step": "clone", "msg": final[0]["failures"][0]["msg"]}]
    [line] = [json.loads(text) for text in report.read_text().splitlines()]
    assert line["failed_categories"] == ["policy"] and line["replication"] == "set up now", line


def test_pipeline_publishes_and_replicates_when_a_category_fails(
        localaws, handlers, capsys, aws_client):  # noqa: F811 - the fixture imported above
    source = public_source(aws_client("s3", PIPELINE_SOURCE_REGION), PIPELINE_SOURCE_REGION, {"dr": "true"})
    message = sns_event(pipeline_message(source))
    capsys.readouterr()
    localaws.start_recording()
    assert handlers["destination_bucket_check"].handler(message, None) == {"done": [source]}
    lines = log_lines(capsys.readouterr().out)
    failed = [line for line in lines if line["action"] == "clone_categories_failed"]
    assert len(failed) == 1 and BPA_REFUSAL.split(": ", 1)[1] in failed[0]["failed"]["policy"], lines
    assert [line["bucket"] for line in lines if line["action"] == "published"] == [source]
    assert "Publish" in {call.operation for call in writes(localaws)}
    assert handlers["enable_replication"].handler(message, None) == {"done": [source]}
    rules = aws_client("s3", PIPELINE_SOURCE_REGION).get_bucket_replication(Bucket=source)["ReplicationConfiguration"]
    assert rules["Rules"][0]["Destination"]["Bucket"] == f"arn:aws:s3:::{source}-dr"
    dr = aws_client("s3", PIPELINE_DR_REGION)
    assert dr.get_bucket_lifecycle_configuration(Bucket=f"{source}-dr")["Rules"] == LIFECYCLE["Rules"]


@pytest.fixture
def dr_key(aws_client) -> str:
    return aws_client("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]


def test_dr_sse_kms_default_is_kept_over_the_source_sse_s3_baseline(run_playbook, aws_client, dr_key):
    source = f"enc-{uuid.uuid4().hex[:10]}"
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source, CreateBucketConfiguration={
        "LocationConstraint": SOURCE_REGION})  # S3's default: SSE-S3
    options = {"source_bucket": source, "dest_region": DR_REGION, "dest_kms_key_id": dr_key, "categories": ["encryption"]}
    result = clone(run_playbook, **options)
    assert not result.get("failed"), result
    assert result["categories"]["encryption"]["status"] == "unchanged"
    rules = aws_client("s3", DR_REGION).get_bucket_encryption(Bucket=f"{source}-dr")["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": dr_key}
    assert drift(run_playbook, **options)["buckets"][0]["categories"]["encryption"] == {"status": "in_sync"}

    # A KMS default on the source is a choice: a DR bucket with only SSE-S3 has drifted, and the clone carries it.
    source_key = aws_client("kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    aws_client("s3", SOURCE_REGION).put_bucket_encryption(Bucket=source, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": source_key}}]})
    aws_client("s3", DR_REGION).delete_bucket_encryption(Bucket=f"{source}-dr")  # back to SSE-S3
    mapped = {**options, "kms_key_map": {source_key: dr_key}}
    assert drift(run_playbook, **mapped)["buckets"][0]["categories"]["encryption"]["status"] == "drifted"
    assert clone(run_playbook, **mapped)["categories"]["encryption"]["status"] == "updated"
