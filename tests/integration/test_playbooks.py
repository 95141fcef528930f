"""The user-facing playbooks, run as users run them (from the repository root)."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

SOURCE_REGION, DR_REGION = "ap-northeast-1", "ap-southeast-1"


def _tagged_bucket(aws_client, tag_value: str) -> str:
    name = f"pb-{uuid.uuid4().hex[:10]}"
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "drtest", "Value": tag_value}]})
    return name


@pytest.mark.parametrize("selection", ["by tag", pytest.param("by list", marks=pytest.mark.core_matrix)])
def test_dr_buckets_makes_dr_pairs_and_is_idempotent(selection, run_playbook, aws_client):
    tag_value = uuid.uuid4().hex[:8]
    buckets = [_tagged_bucket(aws_client, tag_value) for index in range(3)]
    untouched = _tagged_bucket(aws_client, "other")
    extra_vars = {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION,
                  "dr_trigger_tag_key": "drtest", "dr_trigger_tag_value": tag_value}
    if selection == "by list":
        extra_vars["dr_buckets"] = buckets[:2]
        buckets, untouched_too = buckets[:2], buckets[2]
    else:
        untouched_too = untouched

    first = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars)
    assert first.rc == 0, first
    assert first.recap["localhost"]["changed"] == 1  # one pass: settings cloned, replication enabled
    for bucket in buckets:
        rules = aws_client("s3", SOURCE_REGION).get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-dr"
        assert aws_client("s3", DR_REGION).get_bucket_location(Bucket=f"{bucket}-dr")["LocationConstraint"] == DR_REGION
    for bucket in sorted({untouched, untouched_too}):
        with pytest.raises(ClientError):
            aws_client("s3", SOURCE_REGION).get_bucket_replication(Bucket=bucket)

    second = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars)
    assert second.rc == 0, second
    assert second.recap["localhost"]["changed"] == 0


@pytest.mark.core_matrix
def test_dr_validate_passes_for_a_dr_pair_and_fails_on_drift(run_playbook, aws_client, tmp_path):
    tag_value = uuid.uuid4().hex[:8]
    bucket = _tagged_bucket(aws_client, tag_value)
    aws_client("s3", SOURCE_REGION).put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]})
    extra_vars = {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_trigger_tag_key": "drtest",
                  "dr_trigger_tag_value": tag_value, "dr_report_path": str(tmp_path / "report.json")}
    not_yet = run_playbook("playbooks/dr_validate.yml", extra_vars=extra_vars)
    assert not_yet.rc != 0
    assert run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars).rc == 0

    ready = run_playbook("playbooks/dr_validate.yml", extra_vars=extra_vars)
    assert ready.rc == 0, ready
    report = json.loads((tmp_path / "report.json").read_text())
    assert [item["dr_ready"] for item in report] == [True]
    assert report[0]["categories"]["cors"]["status"] == "in_sync"

    aws_client("s3", DR_REGION).delete_bucket_cors(Bucket=f"{bucket}-dr")
    drifted = run_playbook("playbooks/dr_validate.yml", extra_vars=extra_vars)
    assert drifted.rc != 0
    table = drifted.task_results("Show the readiness table")[0]["msg"]
    assert table == [f"{bucket} -> {bucket}-dr: NOT DR-ready: cors missing_on_dr"]
