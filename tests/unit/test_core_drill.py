"""The drill core in-process on moto (which never replicates): the FAIL paths, check mode, canary placement."""
from __future__ import annotations

import boto3
import pytest

from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.clone import CloneSpec
from plugins.module_utils.core.drill import (FAIL, PLANNED, DrillSpec, canary_rule, drill_spec_problems, rule_selection,
                                             run_drill)

SOURCE_REGION, DR_REGION = "eu-west-1", "eu-central-1"
ROLE = "arn:aws:iam::123456789012:role/replication"


@pytest.fixture
def aws(moto_in_process):
    clients = boto3_clients(boto3.session.Session())
    for bucket, region in (("src", SOURCE_REGION), ("src-dr", DR_REGION)):
        s3 = clients("s3", region)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield clients


def replicate_to_dr(clients, rule_filter: dict | None = None, **rule) -> None:
    clients("s3", SOURCE_REGION).put_bucket_replication(Bucket="src", ReplicationConfiguration={"Role": ROLE, "Rules": [
        {"ID": "dr", "Priority": 1, "Status": "Enabled", "Filter": rule_filter or {},
         "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::src-dr"}, **rule}]})


class FakeTime:
    """A clock that moves only when the drill sleeps."""

    def __init__(self):
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def spec(**options) -> DrillSpec:
    return DrillSpec(clone=CloneSpec(source_bucket="src", dest_region=DR_REGION, categories=["versioning"]),
                     **{"rpo_bound_seconds": 5, "poll_interval_seconds": 1, **options})


def all_versions(s3, bucket: str) -> list[str]:
    listing = s3.list_object_versions(Bucket=bucket)
    return [item["Key"] for item in listing.get("Versions", []) + listing.get("DeleteMarkers", [])]


def test_a_canary_that_never_arrives_fails_the_bound_and_is_removed(aws):
    replicate_to_dr(aws)
    fake = FakeTime()
    report = run_drill(aws, spec(), clock=fake.clock, sleep=fake.sleep)
    assert report["verdict"] == FAIL
    assert report["reasons"] == ["the canary was not readable in src-dr within 5s (source replication status: None)"]
    assert report["rpo_seconds"] is None and fake.now == 5
    assert "ReplicationLatency" in report["fixes"][0]
    assert report["cleanup"] == {"removed_versions": 1, "left": []}
    assert all_versions(aws("s3", SOURCE_REGION), "src") == []


def test_check_mode_plans_and_writes_nothing(aws):
    replicate_to_dr(aws)
    report = run_drill(aws, spec(), check_mode=True)
    assert report["verdict"] == PLANNED, report
    assert report["canary"]["key"] == f"dr-drill/{report['run_id']}.txt"
    assert report["plan"][0].startswith(f"write canary s3://src/{report['canary']['key']} (AES256")
    assert all_versions(aws("s3", SOURCE_REGION), "src") == []


def test_the_canary_goes_where_the_highest_priority_rule_towards_dr_selects_it():
    # In-process moto loses a rule's Filter on read-back (the gap tools/localaws fixes), so this is on the functions.
    configuration = {"Role": ROLE, "Rules": [
        {"ID": "low", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Destination": {"Bucket": "arn:aws:s3:::src-dr"}},
        {"ID": "gold", "Priority": 7, "Status": "Enabled",
         "Filter": {"And": {"Prefix": "critical/", "Tags": [{"Key": "tier", "Value": "gold"}]}},
         "Destination": {"Bucket": "arn:aws:s3:::src-dr"}},
        {"ID": "elsewhere", "Priority": 9, "Status": "Enabled", "Filter": {}, "Destination": {"Bucket": "arn:aws:s3:::other"}},
        {"ID": "off", "Priority": 8, "Status": "Disabled", "Filter": {}, "Destination": {"Bucket": "arn:aws:s3:::src-dr"}},
    ]}
    rule = canary_rule(configuration, "src-dr")
    assert rule["ID"] == "gold"
    assert rule_selection(rule) == ("critical/", {"tier": "gold"})
    assert canary_rule(configuration, "nowhere") is None


def test_sse_kms_bucket_without_the_selection_criteria_fails_before_writing(aws):
    key = aws("kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    aws("s3", SOURCE_REGION).put_bucket_encryption(Bucket="src", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    replicate_to_dr(aws)
    report = run_drill(aws, spec())
    assert report["verdict"] == FAIL
    assert report["reasons"] == ["rule dr does not replicate SSE-KMS objects, and src encrypts with SSE-KMS by default"]
    assert report["canary"] is None and all_versions(aws("s3", SOURCE_REGION), "src") == []


def test_a_missing_source_bucket_is_a_fail_with_the_reason(aws):
    report = run_drill(aws, DrillSpec(clone=CloneSpec(source_bucket="nope", dest_region=DR_REGION)))
    assert report["verdict"] == FAIL
    assert report["reasons"][0].startswith("the drill stopped: Source bucket nope does not exist")


@pytest.mark.parametrize("options, problem", [
    ({"rpo_bound_seconds": -1, "poll_interval_seconds": 0}, "rpo_bound must be more than 0 seconds"),
    ({"poll_interval_seconds": 10, "rpo_bound_seconds": 5}, "poll_interval must be more than 0 and at most rpo_bound"),
    ({"poll_interval_seconds": 0}, "poll_interval must be more than 0 and at most rpo_bound"),
    ({"max_keys": 0}, "max_keys must be 1 or more"),
    ({"canary_prefix": "/x"}, "canary_prefix must be a non-empty key prefix that does not start with '/'"),
])
def test_bad_options_are_named(options, problem):
    assert problem in drill_spec_problems(spec(**options))
    assert drill_spec_problems(spec()) == []
