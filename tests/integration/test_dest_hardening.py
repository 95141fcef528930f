"""An adopted DR bucket weaker than the secure baseline: named gap by gap in a warning, or hardened (harden_dest).

Also: the explicit opt-out for Regions newer than botocore (allow_unknown_region).
"""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

CRR, CLONE = "tests/integration/playbooks/crr/single.yml", "tests/integration/playbooks/clone/clone.yml"
SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
# Not "no default encryption": every bucket has at least SSE-S3, as on AWS since 2023.
GAP_WARNINGS = ["public access not fully blocked", "no TLS-only bucket policy", "no object ownership BucketOwnerEnforced"]
TEAM_STATEMENT = {"Sid": "TeamReads", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::DEST/*"}


def run_module(run_playbook, playbook: str, check: bool = False, diff: bool = False, **options) -> dict:
    key, task = ("crr", "Run s3_crr_enable") if playbook == CRR else ("clone", "Run s3_bucket_config_clone")
    run = run_playbook(playbook, extra_vars={key: options}, check=check, diff=diff)
    results = run.task_results(task)
    assert results, run
    return results[0]


def weak_pair(aws_client) -> tuple[str, str]:
    """A source bucket and an existing DR bucket with none of the baseline but S3's own default encryption
    (SSE-S3), and a policy statement of its own."""
    source = f"weak-{uuid.uuid4().hex[:10]}"
    dest = f"{source}-dr"
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    dest_s3 = aws_client("s3", DR_REGION)
    dest_s3.create_bucket(Bucket=dest, CreateBucketConfiguration={"LocationConstraint": DR_REGION},
                          ObjectOwnership="ObjectWriter")
    dest_s3.put_bucket_policy(Bucket=dest, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {**TEAM_STATEMENT, "Resource": f"arn:aws:s3:::{dest}/*"}]}))
    return source, dest


def posture(aws_client, bucket: str) -> dict:
    s3 = aws_client("s3", DR_REGION)
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError:
        block = None
    try:
        encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0][
            "ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    except ClientError:
        encryption = None
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    return {"block": block, "encryption": encryption, "sids": sorted(statement.get("Sid", "") for statement in statements),
            "ownership": ownership}


WEAK = {"block": None, "encryption": "AES256", "sids": ["TeamReads"], "ownership": "ObjectWriter"}
HARDENED = {"block": {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                      "RestrictPublicBuckets": True},
            "encryption": "AES256", "sids": ["DenyInsecureTransport", "TeamReads"], "ownership": "BucketOwnerEnforced"}


def test_crr_warns_gap_by_gap_then_harden_dest_closes_them(localaws, run_playbook, aws_client):
    source, dest = weak_pair(aws_client)

    adopted = run_module(run_playbook, CRR, source_bucket=source, dest_region=DR_REGION)
    assert not adopted.get("failed"), adopted
    warning = next(text for text in adopted["warnings"] if f"DR bucket {dest} in {DR_REGION} is weaker" in text)
    assert all(gap in warning for gap in GAP_WARNINGS) and "harden_dest: true" in warning, warning
    assert posture(aws_client, dest) == WEAK

    localaws.start_recording()
    planned = run_module(run_playbook, CRR, check=True, diff=True, source_bucket=source, dest_region=DR_REGION,
                         harden_dest=True)
    assert [call for call in localaws.recorded_calls() if call.is_write] == []
    assert planned["changed"] is True and sorted(planned["diff"]["before"]["dest_baseline_gaps"]) == sorted(
        ["public access block", "TLS-only bucket policy", "object ownership BucketOwnerEnforced"])
    assert planned["diff"]["after"]["dest_baseline_gaps"] == []
    steps = ("block public access", "put TLS-only bucket policy", "enforce bucket owner (ACLs off)")
    assert {f"{step} on {dest}" for step in steps} <= set(planned["actions"])
    assert f"set default encryption on {dest}" not in planned["actions"]

    hardened = run_module(run_playbook, CRR, source_bucket=source, dest_region=DR_REGION, harden_dest=True)
    assert not hardened.get("failed") and hardened["changed"] is True, hardened
    assert not any("is weaker" in text for text in hardened.get("warnings", []))
    assert posture(aws_client, dest) == HARDENED

    again = run_module(run_playbook, CRR, source_bucket=source, dest_region=DR_REGION, harden_dest=True)
    assert again["changed"] is False and not again.get("warnings"), again


def test_clone_warns_for_gaps_its_categories_leave_and_harden_dest_closes_them(run_playbook, aws_client):
    source, dest = weak_pair(aws_client)

    lifecycle_only = run_module(run_playbook, CLONE, source_bucket=source, dest_region=DR_REGION, categories=["lifecycle"])
    assert not lifecycle_only.get("failed"), lifecycle_only
    warning = next(text for text in lifecycle_only["warnings"] if f"DR bucket {dest} in {DR_REGION} is weaker" in text)
    assert all(gap in warning for gap in GAP_WARNINGS), warning
    assert posture(aws_client, dest) == WEAK

    hardened = run_module(run_playbook, CLONE, diff=True, source_bucket=source, dest_region=DR_REGION,
                          categories=["lifecycle"], harden_dest=True)
    assert not hardened.get("failed") and hardened["changed"] is True, hardened
    assert len(hardened["diff"]["before"]["dest_baseline_gaps"]) == 3 and hardened["diff"]["after"]["dest_baseline_gaps"] == []
    assert posture(aws_client, dest) == HARDENED

    again = run_module(run_playbook, CLONE, source_bucket=source, dest_region=DR_REGION, categories=["lifecycle"],
                       harden_dest=True)
    assert again["changed"] is False and not again.get("warnings"), again


def test_clone_of_every_category_closes_the_gaps_itself_without_a_warning(run_playbook, aws_client):
    source, dest = weak_pair(aws_client)
    result = run_module(run_playbook, CLONE, source_bucket=source, dest_region=DR_REGION)
    assert not result.get("failed"), result
    assert not any("is weaker" in text for text in result.get("warnings", []))
    assert posture(aws_client, dest)["block"] == HARDENED["block"]
    assert posture(aws_client, dest)["ownership"] == "BucketOwnerEnforced"


@pytest.mark.parametrize("allow", [False, True])
def test_a_region_newer_than_botocore_needs_the_explicit_opt_out(allow, localaws, run_playbook, aws_client):
    source = f"newregion-{uuid.uuid4().hex[:10]}"
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    localaws.start_recording()
    result = run_module(run_playbook, CRR, check=True, source_bucket=source, dest_region="eu-future-9",
                        allow_unknown_region=allow)
    assert [call for call in localaws.recorded_calls() if call.is_write] == []
    if allow:
        assert not result.get("failed") and f"create DR bucket {source}-dr in eu-future-9" in result["actions"], result
    else:
        assert result.get("failed") and "dest_region 'eu-future-9' is not a Region where this botocore knows S3" in result["msg"]
