"""The pipeline's optional parts, deployed for real: its own CloudTrail trail, the DynamoDB audit table,
and untagging that disables replication (dr_pipeline_on_untag: disable)."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import client_for, playbook_runner, wait_for

SOURCE_REGION, DR_REGION = "ap-northeast-1", "ap-southeast-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def options_vars(localaws, tmp_path_factory):
    """The pipeline with its options, deployed once for the tests of this module (each also runs alone)."""
    variables = {"dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
                 "dr_pipeline_name_prefix": f"opt{uuid.uuid4().hex[:6]}", "dr_pipeline_cloudtrail": True,
                 "dr_pipeline_audit_table": True, "dr_pipeline_on_untag": "disable", "dr_pipeline_sweep_schedule": "",
                 "dr_pipeline_backfill": False}
    trails = client_for(localaws, "cloudtrail", SOURCE_REGION).describe_trails(includeShadowTrails=True)["trailList"]
    assert trails == [], "no trail covers the Region before the deployment"
    first = playbook_runner(localaws, tmp_path_factory.mktemp("options"))("playbooks/dr_setup.yml", extra_vars=variables)
    assert first.rc == 0, first
    return variables


def names(options_vars) -> dict[str, str]:
    pipeline = f"{options_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}"
    return {"trail": f"{pipeline}-trail", "table": f"{pipeline}-audit",
            "trail_bucket": f"{options_vars['dr_pipeline_name_prefix']}-trail-{ACCOUNT}-{SOURCE_REGION}"}


def audit_records(aws_client, table: str, bucket: str) -> list[dict]:
    items = aws_client("dynamodb", SOURCE_REGION).query(
        TableName=table, KeyConditionExpression="#b = :b", ExpressionAttributeNames={"#b": "bucket"},
        ExpressionAttributeValues={":b": {"S": bucket}})["Items"]
    return [json.loads(item["record"]["S"]) | {"expires_at": item.get("expires_at", {}).get("N")} for item in items]


def test_options_deploy_a_trail_and_an_audit_table_idempotently(localaws, run_playbook, aws_client, options_vars):
    cloudtrail = aws_client("cloudtrail", SOURCE_REGION)
    again = run_playbook("playbooks/dr_setup.yml", extra_vars=options_vars)
    assert again.rc == 0 and again.recap["localhost"]["changed"] == 0, again

    expected = names(options_vars)
    trail = cloudtrail.get_trail(Name=expected["trail"])["Trail"]
    assert trail["S3BucketName"] == expected["trail_bucket"] and trail["LogFileValidationEnabled"] is True
    assert cloudtrail.get_trail_status(Name=expected["trail"])["IsLogging"] is True
    s3 = aws_client("s3", SOURCE_REGION)
    assert all(s3.get_public_access_block(Bucket=expected["trail_bucket"])["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_versioning(Bucket=expected["trail_bucket"])["Status"] == "Enabled"  # logs cannot be overwritten
    policy = json.loads(s3.get_bucket_policy(Bucket=expected["trail_bucket"])["Policy"])
    writers = [statement for statement in policy["Statement"] if statement["Effect"] == "Allow"]
    assert {statement["Principal"]["Service"] for statement in writers} == {"cloudtrail.amazonaws.com"}
    assert {statement["Condition"]["StringEquals"]["aws:SourceArn"] for statement in writers} == {trail["TrailARN"]}

    dynamodb = aws_client("dynamodb", SOURCE_REGION)
    table = dynamodb.describe_table(TableName=expected["table"])["Table"]
    assert {key["AttributeName"]: key["KeyType"] for key in table["KeySchema"]} == {"bucket": "HASH", "at": "RANGE"}
    assert dynamodb.describe_time_to_live(TableName=expected["table"])["TimeToLiveDescription"] == {
        "AttributeName": "expires_at", "TimeToLiveStatus": "ENABLED"}
    assert not [rule for rule in aws_client("events", SOURCE_REGION).list_rules()["Rules"]
                if rule["Name"].startswith(options_vars["dr_pipeline_name_prefix"]) and rule.get("ScheduleExpression")]


def test_every_bucket_action_is_audited_and_untagging_disables_replication(localaws, aws_client, options_vars):
    expected = names(options_vars)
    s3 = aws_client("s3", SOURCE_REGION)
    bucket = f"opt-app-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})
    wait_for(lambda: s3.get_bucket_replication(Bucket=bucket), f"replication on {bucket}")

    records = wait_for(lambda: [r for r in audit_records(aws_client, expected["table"], bucket)
                                if r["action"] == "replication_enabled"] and audit_records(aws_client, expected["table"], bucket),
                       "the audit record of replication_enabled")
    functions = {record["function"] for record in records}
    pipeline = f"{options_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}"
    # The DR-Region function writes to the source-Region table too.
    assert {f"{pipeline}-source-bucket-check", f"{pipeline}-destination-bucket-check",
            f"{pipeline}-enable-replication"} <= functions, functions
    assert all(record["bucket"] == bucket and int(record["expires_at"]) > 0 for record in records)

    s3.delete_bucket_tagging(Bucket=bucket)

    def replication_gone():
        try:
            s3.get_bucket_replication(Bucket=bucket)
        except ClientError as error:
            return error.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"
        return False

    wait_for(replication_gone, f"replication disabled on untagged {bucket}")
    wait_for(lambda: [r for r in audit_records(aws_client, expected["table"], bucket) if r["action"] == "replication_disabled"],
             "the audit record of replication_disabled")
    assert aws_client("s3", DR_REGION).head_bucket(Bucket=f"{bucket}-dr"), "the DR bucket and its data stay"


def test_teardown_removes_the_trail_and_keeps_audit_records_and_logs(run_playbook, aws_client, options_vars):
    expected = names(options_vars)
    gone = run_playbook("playbooks/dr_teardown.yml", extra_vars=options_vars)
    assert gone.rc == 0, gone
    with pytest.raises(ClientError):
        aws_client("cloudtrail", SOURCE_REGION).get_trail(Name=expected["trail"])
    assert aws_client("dynamodb", SOURCE_REGION).describe_table(TableName=expected["table"])["Table"]["ItemCount"] >= 0
    aws_client("s3", SOURCE_REGION).head_bucket(Bucket=expected["trail_bucket"])
    again = run_playbook("playbooks/dr_teardown.yml", extra_vars=options_vars)
    assert again.rc == 0 and again.recap["localhost"]["changed"] == 0, again


def test_an_existing_trail_is_used_and_none_is_created(localaws, run_playbook, aws_client):
    region, prefix = "eu-south-1", f"own{uuid.uuid4().hex[:6]}"
    aws_client("s3", "us-east-1").create_bucket(Bucket=f"{prefix}-org-trail-logs")
    org_cloudtrail = aws_client("cloudtrail", "us-east-1")
    org_cloudtrail.create_trail(Name=f"{prefix}-org", S3BucketName=f"{prefix}-org-trail-logs", IsMultiRegionTrail=True)
    org_cloudtrail.start_logging(Name=f"{prefix}-org")
    pipeline_vars = {"dr_pipeline_source_region": region, "dr_pipeline_dest_region": "eu-west-1",
                     "dr_pipeline_name_prefix": prefix, "dr_pipeline_cloudtrail": True, "dr_pipeline_sweep_schedule": ""}
    try:
        run = run_playbook("playbooks/dr_setup.yml", extra_vars=pipeline_vars)
        assert run.rc == 0, run
        trails = aws_client("cloudtrail", region).describe_trails(includeShadowTrails=True)["trailList"]
        assert [trail["Name"] for trail in trails] == [f"{prefix}-org"], "the organisation's trail covers the Region"
        with pytest.raises(ClientError):
            aws_client("s3", region).head_bucket(Bucket=f"{prefix}-trail-{ACCOUNT}-{region}")
    finally:
        assert run_playbook("playbooks/dr_teardown.yml", extra_vars=pipeline_vars).rc == 0
        org_cloudtrail.delete_trail(Name=f"{prefix}-org")


def test_without_trail_creation_a_region_no_trail_records_is_refused_before_any_write(localaws, run_playbook, aws_client):
    """dr_pipeline_cloudtrail false requires a trail recording the Region's management writes; a stopped one is not."""
    region, prefix = "me-south-1", f"req{uuid.uuid4().hex[:6]}"
    aws_client("s3", region).create_bucket(Bucket=f"{prefix}-stopped-logs", CreateBucketConfiguration={"LocationConstraint": region})
    cloudtrail = aws_client("cloudtrail", region)
    cloudtrail.create_trail(Name=f"{prefix}-stopped", S3BucketName=f"{prefix}-stopped-logs")  # never started
    pipeline_vars = {"dr_pipeline_source_region": region, "dr_pipeline_dest_region": "eu-west-1",
                     "dr_pipeline_name_prefix": prefix, "dr_pipeline_cloudtrail": False, "dr_pipeline_sweep_schedule": ""}
    try:
        run = run_playbook("playbooks/dr_setup.yml", extra_vars=pipeline_vars)
        assert run.rc != 0, run
        message = " ".join(run.failures)
        assert f"No CloudTrail trail records the management events of {region}" in message, run
        assert f"{prefix}-stopped: its logging is stopped" in message and "nothing was changed" in message, run
        assert not [role for role in aws_client("iam").list_roles()["Roles"] if role["RoleName"].startswith(prefix)]
        assert not aws_client("sqs", region).list_queues(QueueNamePrefix=prefix).get("QueueUrls")

        cloudtrail.start_logging(Name=f"{prefix}-stopped")
        trails = aws_client("cloudtrail", region)
        assert run_playbook("playbooks/dr_setup.yml", extra_vars=pipeline_vars).rc == 0
        assert [trail["Name"] for trail in trails.describe_trails()["trailList"]] == [f"{prefix}-stopped"], \
            "the recording trail is used, none is created"
    finally:
        assert run_playbook("playbooks/dr_teardown.yml", extra_vars=pipeline_vars).rc == 0
        cloudtrail.delete_trail(Name=f"{prefix}-stopped")
