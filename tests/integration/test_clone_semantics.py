"""Clone semantics on real configurations: versioning without a baseline, replication named, IaC-owned buckets."""
from __future__ import annotations

import json

import pytest

from tests.integration.test_config_clone import DR_REGION, SOURCE_REGION, clone, drift, unique, writes


def source_bucket(aws_client, tags: dict | None = None, versioning: str | None = None) -> str:
    bucket = unique("sem")
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    if tags:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    if versioning:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": versioning})
    return bucket


@pytest.mark.parametrize("source_versioning", [None, "Suspended"])
def test_without_the_baseline_an_unversioned_or_suspended_source_leaves_dr_enabled_says_why_and_converges(
        localaws, run_playbook, aws_client, source_versioning):
    if source_versioning == "Suspended":
        bucket = source_bucket(aws_client, versioning="Enabled")
        aws_client("s3", SOURCE_REGION).put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    else:
        bucket = source_bucket(aws_client)
    options = {"source_bucket": bucket, "dest_region": DR_REGION, "secure_baseline": False}
    first = clone(run_playbook, **options)
    versioning = first["categories"]["versioning"]
    assert versioning["status"] == "unchanged", versioning  # the DR bucket was made with versioning Enabled
    assert "keeps it Enabled" in " ".join(versioning["skipped_parts"]), versioning
    assert aws_client("s3", DR_REGION).get_bucket_versioning(Bucket=f"{bucket}-dr")["Status"] == "Enabled"

    localaws.start_recording()
    again = clone(run_playbook, **options)
    assert again["changed"] is False, again["actions"]
    assert writes(localaws) == []
    report = drift(run_playbook, **options)
    assert report["buckets"][0]["categories"]["versioning"]["status"] == "in_sync"


def test_replication_is_reported_as_skipped_with_its_reason(run_playbook, aws_client):
    result = clone(run_playbook, source_bucket=source_bucket(aws_client), dest_region=DR_REGION)
    assert result["categories"]["replication"] == {"status": "skipped", "reason": "managed by s3_crr_enable"}


@pytest.mark.parametrize("tags, owner_tags, owner", [
    ({"aws:cloudformation:stack-name": "payments"}, [], "CloudFormation stack payments"),
    ({"managed-by": "terraform"}, ["managed-by"], "tag managed-by=terraform"),
])
def test_iac_owned_buckets_are_planned_and_reported_not_written_unless_asked(
        localaws, run_playbook, aws_client, tags, owner_tags, owner):
    s3 = aws_client("s3", SOURCE_REGION)
    bucket = unique("iac")
    tag_bucket_like_its_owner(aws_client, bucket, tags)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"],
                                                                        "AllowedOrigins": ["*"]}]})
    options = {"source_bucket": bucket, "dest_region": DR_REGION, "iac_owner_tags": owner_tags}

    localaws.start_recording()
    planned = clone(run_playbook, **options)
    assert writes(localaws) == []
    assert planned["changed"] is False and planned["actions"] == []
    assert planned["iac_owner"] == owner
    assert any("create" in action and bucket in action for action in planned["planned_actions"]), planned
    assert planned["categories"]["cors"]["status"] == "created"
    assert any(owner in warning and "iac_owned: clone" in warning for warning in planned.get("warnings", [])), planned

    report = drift(run_playbook, **options)["buckets"][0]
    assert report["iac_owner"] == owner and "declare its DR bucket" in report["iac_advice"]

    cloned = clone(run_playbook, iac_owned="clone", **options)
    assert cloned["changed"] is True and cloned["categories"]["cors"]["status"] == "created"
    assert aws_client("s3", DR_REGION).get_bucket_cors(Bucket=f"{bucket}-dr")["CORSRules"]


def test_an_untagged_bucket_is_not_iac_owned(run_playbook, aws_client):
    result = clone(run_playbook, source_bucket=source_bucket(aws_client, tags={"team": "a"}), dest_region=DR_REGION,
                   iac_owner_tags=["managed-by"])
    assert result["iac_owner"] is None and result["changed"] is True


def tag_bucket_like_its_owner(aws_client, bucket: str, tags: dict) -> None:
    """CloudFormation's tags come from a stack that creates the bucket (no requester may set aws: tags)."""
    stack = tags.get("aws:cloudformation:stack-name")
    if stack:
        aws_client("cloudformation", SOURCE_REGION).create_stack(StackName=stack, TemplateBody=json.dumps({
            "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}}}))
    else:
        aws_client("s3", SOURCE_REGION).create_bucket(Bucket=bucket,
                                                      CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        aws_client("s3", SOURCE_REGION).put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [{"Key": key, "Value": value} for key, value in tags.items()]})
