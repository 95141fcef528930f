"""dr_buckets.yml as one pass per bucket (resilience.s3_dr.s3_dr_pairs): isolation, fail fast, survey strings,
the JSON Lines report, the calls each bucket costs; and s3_crr_backfill over a fleet."""
from __future__ import annotations

import json
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import other_account_client

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.fleet.run import calls_by_api, seed_buckets  # noqa: E402
from plugins.module_utils.core.categories import REGISTRY  # noqa: E402
from plugins.module_utils.core.naming import role_name_for  # noqa: E402

SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
PAIR_TASK = "Make each bucket a DR pair (settings, replication, backfill)"


def new_buckets(aws_client, count: int, tags: dict[str, str] | None = None) -> list[str]:
    s3 = aws_client("s3", SOURCE_REGION)
    names = [f"pair-{uuid.uuid4().hex[:10]}" for index in range(count)]
    for name in names:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_object(Bucket=name, Key="existing.txt", Body=b"before replication")
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return names


def replicated(aws_client, bucket: str) -> bool:
    try:
        aws_client("s3", SOURCE_REGION).get_bucket_replication(Bucket=bucket)
    except ClientError:
        return False
    return True


def playbook_vars(**extra):
    return {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, **extra}


def test_a_failing_bucket_is_reported_with_its_step_and_the_others_finish(
        run_playbook, aws_client, localaws, tmp_path):
    good, clone_fails, replication_fails = new_buckets(aws_client, 3)
    # clone step: the DR bucket name belongs to another account (HeadBucket with ExpectedBucketOwner: 403)
    other_account_client(localaws, "s3", DR_REGION).create_bucket(
        Bucket=f"{clone_fails}-dr", CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    # replication step: a role of the managed role's name that this collection does not manage
    aws_client("iam").create_role(RoleName=role_name_for(replication_fails), AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))
    report = tmp_path / "report.jsonl"

    run = run_playbook("playbooks/dr_buckets.yml", extra_vars=playbook_vars(
        dr_buckets=[clone_fails, good, replication_fails], dr_report_path=str(report)))

    assert run.rc != 0, run
    [result] = run.task_results(PAIR_TASK)
    assert result["failed_buckets"] == sorted([clone_fails, replication_fails])
    steps = {item["source_bucket"]: item["step"] for item in result["failures"]}
    assert steps == {clone_fails: "clone", replication_fails: "replication"}
    assert clone_fails in result["msg"] and replication_fails in result["msg"] and "not managed by" in result["msg"]
    assert result["summary"]["buckets"] == 3 and result["summary"]["failed"] == 2
    assert replicated(aws_client, good) and not replicated(aws_client, clone_fails)
    assert not replicated(aws_client, replication_fails)
    # the good bucket was backfilled; the bucket failing in replication got its DR bucket and settings first
    assert aws_client("s3", DR_REGION).head_object(Bucket=f"{good}-dr", Key="existing.txt")
    lines = {line["source_bucket"]: line for line in map(json.loads, report.read_text().splitlines())}
    assert set(lines) == {good, clone_fails, replication_fails}
    assert lines[good]["failed"] is False and lines[good]["backfill"]["objects_copied"] == 1
    assert lines[replication_fails]["failed_step"] == "replication"
    assert f"create DR bucket {replication_fails}-dr in {DR_REGION}" in lines[replication_fails]["actions"]
    assert lines[good]["categories"]["versioning"]["status"] in ("created", "unchanged")


def test_fail_fast_starts_no_bucket_after_a_failure(run_playbook, aws_client, localaws):
    failing, *others = new_buckets(aws_client, 3)
    other_account_client(localaws, "s3", DR_REGION).create_bucket(
        Bucket=f"{failing}-dr", CreateBucketConfiguration={"LocationConstraint": DR_REGION})

    # As an AWX survey sends them: one comma-separated string, booleans and ints as text.
    run = run_playbook("playbooks/dr_buckets.yml", extra_vars=playbook_vars(
        dr_buckets=f"{failing}, {others[0]},{others[1]}", dr_fail_fast="true", dr_concurrency="1",
        dr_backfill="false", dr_report_path=""))

    assert run.rc != 0, run
    [result] = run.task_results(PAIR_TASK)
    assert result["failed_buckets"] == [failing]
    assert result["not_started"] == others
    assert "2 not started: fail_fast" in result["msg"]
    assert not any(replicated(aws_client, bucket) for bucket in others)


def test_survey_strings_and_the_report(run_playbook, aws_client, tmp_path):
    buckets = new_buckets(aws_client, 2)
    report = tmp_path / "nested" / "report.jsonl"
    extra_vars = playbook_vars(dr_buckets=",".join(buckets), dr_backfill="false", dr_concurrency="4",
                               dr_backfill_concurrency="8", dr_fail_fast="false", dr_kms_key_map="{}",
                               dr_report_path=str(report))

    first = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars)

    assert first.rc == 0, first
    assert all(replicated(aws_client, bucket) for bucket in buckets)
    [result] = first.task_results(PAIR_TASK)
    assert result["summary"] == {"buckets": 2, "changed": 2, "failed": 0, "replication_set_up": 2,
                                 "objects_copied": 0}
    assert result["changed_buckets"] == sorted(buckets) and "results" not in result and "diff" not in result
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert sorted(line["source_bucket"] for line in lines) == sorted(buckets)
    assert all("backfill" not in line and line["before"]["settings"] for line in lines)
    # with --diff the detail is also the task's diff
    second = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars, diff=True)
    assert second.rc == 0 and second.recap["localhost"]["changed"] == 0, second
    [again] = second.task_results(PAIR_TASK)
    assert sorted(again["diff"]["after"]) == sorted(buckets)


def test_calls_per_bucket_stay_within_budget(run_playbook, localaws, aws_client):
    """5 tagged buckets: the first run and the no-op rerun make the calls a one-pass plan needs, by API name."""
    tag = ("fleetbudget", uuid.uuid4().hex[:8])
    count = 5
    seed_buckets(localaws.endpoint_url, count, f"budget-{tag[1]}", tag)
    # The tag selection reads the tags of every bucket of the Region; other tests' buckets are not this fleet's.
    others = len(aws_client("s3", SOURCE_REGION).list_buckets(BucketRegion=SOURCE_REGION)["Buckets"]) - count
    extra_vars = playbook_vars(dr_trigger_tag_key=tag[0], dr_trigger_tag_value=tag[1], dr_backfill=False,
                               dr_report_path="")

    def recorded_run() -> tuple[Counter, int]:
        localaws.start_recording()
        run = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars)
        assert run.rc == 0, run
        calls = localaws.recorded_calls()
        by_api = calls_by_api(calls)
        by_api["s3:GetBucketTagging"] -= others
        return by_api, sum(call.is_write for call in calls)

    first, first_writes = recorded_run()
    rerun, rerun_writes = recorded_run()

    once_per_run = {"sts:GetCallerIdentity": 1, "s3:ListBuckets": 1, "s3:GetBucketLocation": 0}
    for name, most in once_per_run.items():
        assert first[name] <= most and rerun[name] <= most, (name, first, rerun)
    # discovery's HeadBucket, and on a first run one more: a new DR bucket is awaited until S3 answers for it
    assert first["s3:HeadBucket"] == 2 * count and rerun["s3:HeadBucket"] == count
    # the DR bucket created by the run is not read back: each category once, on the source only; the selection's
    # tag read is the clone's
    for name in ("GetBucketCors", "GetBucketWebsite", "GetBucketTagging", "GetBucketVersioning", "GetBucketPolicy",
                 "GetBucketOwnershipControls", "GetObjectLockConfiguration"):
        assert first[f"s3:{name}"] == count, (name, first)
    # a rerun reads each category once per side, and nothing else twice
    for name in ("GetBucketCors", "GetBucketTagging", "GetBucketVersioning", "GetBucketPolicy",
                 "GetBucketOwnershipControls", "GetPublicAccessBlock", "GetBucketEncryption"):
        assert rerun[f"s3:{name}"] == 2 * count, (name, rerun)
    assert first["iam:GetRole"] == count and rerun["iam:GetRole"] == count, (first, rerun)
    categories = len(REGISTRY)  # 20 with access points
    # the source's category reads + discovery + the new bucket's wait + 11 writes: ~35 minimum
    assert sum(first.values()) <= (categories + 18) * count, first
    # each category on both sides + HeadBucket, replication, role and its policy (+ the boundary once)
    assert sum(rerun.values()) <= (2 * categories + 5) * count, rerun
    assert rerun_writes == 0 and first_writes >= 10 * count


def test_backfill_takes_a_fleet_under_one_object_budget(run_playbook, aws_client, tmp_path):
    tag = uuid.uuid4().hex[:8]
    buckets = new_buckets(aws_client, 3, {"backfill-fleet": tag})
    s3 = aws_client("s3", SOURCE_REGION)
    for bucket in buckets:
        for index in range(4):
            s3.put_object(Bucket=bucket, Key=f"k{index}", Body=b"x" * index, Metadata={"owner": bucket})
        aws_client("s3", DR_REGION).create_bucket(Bucket=f"{bucket}-dr", CreateBucketConfiguration={
            "LocationConstraint": DR_REGION})
    playbook = tmp_path / "backfill.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "Backfill the fleet", "register": "copied",
        "resilience.s3_dr.s3_crr_backfill": {"source_tags": {"backfill-fleet": tag}, "source_region": SOURCE_REGION,
                                             "dest_region": DR_REGION, "concurrency": 3, "bucket_concurrency": 2}}]}]))

    first = run_playbook(playbook)
    second = run_playbook(playbook)

    assert first.rc == 0, first
    [result] = first.task_results("Backfill the fleet")
    assert sorted(item["source_bucket"] for item in result["results"]) == sorted(buckets)
    assert [item["objects_copied"] for item in result["results"]] == [5, 5, 5]
    for bucket in buckets:
        head = aws_client("s3", DR_REGION).head_object(Bucket=f"{bucket}-dr", Key="k3")
        assert head["Metadata"] == {"owner": bucket} and head["ContentLength"] == 3
    assert second.rc == 0 and second.recap["localhost"]["changed"] == 0, second


@pytest.mark.parametrize("dr_buckets", ["", " , "])
def test_empty_bucket_list_in_any_form_selects_by_tag(run_playbook, aws_client, dr_buckets):
    tag = uuid.uuid4().hex[:8]
    [bucket] = new_buckets(aws_client, 1, {"surveytag": tag})
    run = run_playbook("playbooks/dr_buckets.yml", extra_vars=playbook_vars(
        dr_buckets=dr_buckets, dr_trigger_tag_key="surveytag", dr_trigger_tag_value=tag, dr_backfill=False,
        dr_report_path=""))
    assert run.rc == 0, run
    [result] = run.task_results(PAIR_TASK)
    assert result["summary"]["buckets"] == 1 and replicated(aws_client, bucket)


@pytest.mark.parametrize("variant", ["plain", "kms", "object-lock"])
def test_a_new_dr_bucket_is_what_the_run_assumes_without_reading_it(aws_client, localaws, variant):
    """The values the one pass takes as known for a DR bucket it created equal what S3 answers for each category."""
    from plugins.module_utils.core.categories import REGISTRY
    from plugins.module_utils.core.clients import boto3_clients
    from plugins.module_utils.core.clone import CloneSpec, clone_configuration
    from plugins.module_utils.core.discovery import PairFacts

    source = f"known-{uuid.uuid4().hex[:10]}"
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION},
                     ObjectLockEnabledForBucket=variant == "object-lock")
    key = aws_client("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"] if variant == "kms" else None
    facts = PairFacts()
    result = clone_configuration(boto3_clients(), CloneSpec(source_bucket=source, dest_region=DR_REGION,
                                                            dest_kms_key_id=key), facts=facts)
    assert facts.dest_created and not result.failure, result
    account = aws_client("sts").get_caller_identity()["Account"]
    for name, category in REGISTRY.items():
        dest_client = category.client(aws_client, DR_REGION, account)
        assert category.normalize(facts.dest_values[name]) == category.normalize(
            category.read(dest_client, f"{source}-dr")), name


def test_check_mode_writes_nothing_and_reports_what_it_would_do(run_playbook, aws_client, localaws, tmp_path):
    buckets = new_buckets(aws_client, 2)
    report = tmp_path / "report.jsonl"
    localaws.start_recording()
    run = run_playbook("playbooks/dr_buckets.yml", check=True, extra_vars=playbook_vars(
        dr_buckets=buckets, dr_report_path=str(report)))
    assert run.rc == 0, run
    assert [call for call in localaws.recorded_calls() if call.is_write] == []
    [result] = run.task_results(PAIR_TASK)
    assert result["changed"] and result["summary"]["buckets"] == 2
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert all(f"create DR bucket {line['source_bucket']}-dr in {DR_REGION}" in line["actions"] for line in lines)
    assert not any(replicated(aws_client, bucket) for bucket in buckets)
