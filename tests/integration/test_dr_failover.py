"""playbooks/dr_failover.yml with the source Region down (the fault proxy refuses every call to it), and
playbooks/dr_failback.yml once it is back, on a pair made DR-ready by playbooks/dr_buckets.yml.

The tests share the pair and run in file order, as an SRE would: fail over, (the pipeline stays off the pair),
fail back."""
from __future__ import annotations

import json
import os
import subprocess
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError

from conftest import ANSIBLE_PLAYBOOK, REPO_ROOT, PlaybookRun, client_for, wait_for
# The pipeline handlers in this process, laid out as their Lambda zip, with their environment (source
# ap-southeast-2, DR eu-central-1, trigger tag dr=true): the pair below lives in those Regions.
from test_pipeline_events import DR_REGION, SOURCE_REGION, handlers, pipeline_message, sns_event  # noqa: F401 pylint: disable=unused-import

from tools.localaws.faults import FaultProxy

HELD_BACK_KEY = "_s3dr/held-back.json"


def _policy(bucket: str, app_role_arn: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AppDrRoleWrites", "Effect": "Allow", "Principal": {"AWS": app_role_arn},
        "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{bucket}/*"}]}


def _app_dr_role(localaws) -> str:
    """The application's DR role the held-back policy lets in (a bucket policy may name only a role that exists)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
    return client_for(localaws, "iam").create_role(RoleName=f"app-dr-{uuid.uuid4().hex[:8]}",
                                                   AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def _tags(s3, bucket: str) -> dict:
    return {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}


def _writes_since(localaws, count: int) -> list[str]:
    return [f"{call.region} {call.service} {call.api_name}" for call in localaws.recorded_calls()[count:] if call.is_write]


@pytest.fixture(scope="module")
def pair(localaws, tmp_path_factory):
    """A source bucket tagged dr=true with objects, made DR-ready by playbooks/dr_buckets.yml; one object written
    after, so that the DR bucket holds a replica; and the held-back policy stored in the DR bucket."""
    s3 = client_for(localaws, "s3", SOURCE_REGION)
    bucket = f"fo-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"},
                                                             {"Key": "app", "Value": bucket}]})
    s3.put_object(Bucket=bucket, Key="data/before.txt", Body=b"before DR")
    vars_file = tmp_path_factory.mktemp("pair") / "vars.json"
    vars_file.write_text(json.dumps({"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION,
                                     "dr_buckets": [bucket]}))
    completed = subprocess.run([ANSIBLE_PLAYBOOK, "playbooks/dr_buckets.yml", "-e", f"@{vars_file}"], cwd=REPO_ROOT,
                               env={**os.environ, **localaws.env, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"},
                               capture_output=True, text=True, timeout=900, check=False)
    assert completed.returncode == 0, PlaybookRun(completed)
    dest = f"{bucket}-dr"
    s3.put_object(Bucket=bucket, Key="data/replicated.txt", Body=b"replicated")
    dr = client_for(localaws, "s3", DR_REGION)
    wait_for(lambda: dr.head_object(Bucket=dest, Key="data/replicated.txt")["ReplicationStatus"] == "REPLICA",
             f"data/replicated.txt replicated to {dest}", interval=0.2)
    dr.put_object(Bucket=dest, Key=HELD_BACK_KEY, Body=json.dumps({"policy": _policy(dest, _app_dr_role(localaws))}).encode())
    return bucket


@pytest.fixture
def source_down(localaws):
    """The endpoint behind a proxy that resets every connection signed for the source Region."""
    with FaultProxy(localaws.endpoint_url, down_regions=[SOURCE_REGION]) as proxy:
        yield proxy


def _failover_vars(*buckets: str, **more) -> dict:
    return {"dr_dest_region": DR_REGION, "dr_buckets": list(buckets), "dr_failover_reason": "game day (INC-42)",
            **more}


def test_failover_with_the_source_region_down_is_dr_side_only_idempotent_and_check_mode_safe(
        localaws, pair, source_down, run_playbook, aws_client):
    dest, dr = f"{pair}-dr", aws_client("s3", DR_REGION)
    through = {"AWS_ENDPOINT_URL": source_down.endpoint_url}
    outage = boto3.client("s3", region_name=SOURCE_REGION, endpoint_url=source_down.endpoint_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ConnectionClosedError):  # the outage is real: the source bucket cannot be reached
        outage.head_bucket(Bucket=pair)

    localaws.start_recording()
    check = run_playbook("playbooks/dr_failover.yml", extra_vars=_failover_vars(pair), check=True, env=through)
    assert check.rc == 0, check
    [planned] = check.task_results("Fail each pair over")[0]["results"]
    assert planned["changed"] is True and planned["ready"] is True, planned
    assert any("record the failover" in action for action in planned["actions"]), planned
    assert _writes_since(localaws, 0) == []  # check mode wrote nothing
    assert "s3dr:failover-state" not in _tags(dr, dest)

    refused_before = source_down.stats.refused_down
    count = len(localaws.recorded_calls())
    run = run_playbook("playbooks/dr_failover.yml", extra_vars=_failover_vars(pair), env=through)
    assert run.rc == 0, run
    [result] = run.task_results("Fail each pair over")[0]["results"]
    assert result["changed"] is True and result["ready"] is True, result
    assert result["readiness"]["last_replica_key"] == "data/replicated.txt", result["readiness"]
    calls = localaws.recorded_calls()[count:]
    assert calls and {call.region for call in calls} == {DR_REGION}, sorted({call.region for call in calls})
    assert source_down.stats.refused_down == refused_before  # nothing even tried the source Region
    tags = _tags(dr, dest)
    assert tags["s3dr:failover-state"] == "failed-over" and tags["s3dr:failover-reason"] == "game day _INC-42_"
    assert tags["s3dr:failover-by"].startswith("arn:aws:") and tags["s3dr:failover-at"] == result["failover"]["at"]
    assert tags["app"] == pair  # the cloned tags are kept
    assert json.loads(dr.get_bucket_policy(Bucket=dest)["Policy"])["Statement"][0]["Sid"] == "AppDrRoleWrites"
    assert result["held_back"] == {"policy": "applied"}

    # Rerun, the fleet selected by the DR buckets' tags (read in the DR Region): nothing to change.
    count = len(localaws.recorded_calls())
    by_tags = {"dr_dest_region": DR_REGION, "dr_failover_dest_tags": {"app": pair}}
    again = run_playbook("playbooks/dr_failover.yml", extra_vars=by_tags, env=through)
    assert again.rc == 0, again
    [rerun] = again.task_results("Fail each pair over")
    assert rerun["changed"] is False and [item["source_bucket"] for item in rerun["results"]] == [pair], rerun
    assert _writes_since(localaws, count) == []
    assert _tags(dr, dest)["s3dr:failover-at"] == tags["s3dr:failover-at"]  # the record is the first failover's


def test_a_pair_that_is_not_dr_ready_is_refused_with_the_reason_unless_forced(
        localaws, source_down, run_playbook, aws_client):
    source = f"fo-notready-{uuid.uuid4().hex[:8]}"
    dest = f"{source}-dr"
    dr = aws_client("s3", DR_REGION)
    dr.create_bucket(Bucket=dest, CreateBucketConfiguration={"LocationConstraint": DR_REGION})  # not versioned
    through = {"AWS_ENDPOINT_URL": source_down.endpoint_url}

    count = len(localaws.recorded_calls())
    run = run_playbook("playbooks/dr_failover.yml", extra_vars=_failover_vars(source), env=through)
    assert run.rc != 0
    message = " ".join(run.failures)
    assert f"failover to {dest} in {DR_REGION} refused, the DR bucket is not ready" in message, run
    assert f"versioning on DR bucket {dest} is Disabled" in message and "no replica among" in message, run
    assert "set force: true" in message
    assert _writes_since(localaws, count) == []

    forced = run_playbook("playbooks/dr_failover.yml", extra_vars=_failover_vars(source, dr_failover_force=True),
                          env=through)
    assert forced.rc == 0, forced
    [result] = forced.task_results("Fail each pair over")[0]["results"]
    assert result["forced"] is True and result["ready"] is False
    assert _tags(dr, dest)["s3dr:failover-state"] == "failed-over"


def test_the_pipeline_leaves_a_failed_over_pair_alone(localaws, pair, handlers, capsys, aws_client):  # noqa: F811
    """The source Region is back but the pair is still failed over: the DR-Region function neither re-clones the
    DR bucket nor passes the pair on to enable_replication (which would re-enable source -> DR replication)."""
    source_s3 = aws_client("s3", SOURCE_REGION)
    source_s3.delete_bucket_replication(Bucket=pair)  # what the self-heal would restore
    capsys.readouterr()
    localaws.start_recording()
    assert handlers["destination_bucket_check"].handler(sns_event(pipeline_message(pair)), None) == {"done": []}
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [line["action"] for line in logged] == ["skipped_failed_over"], logged
    assert logged[0]["failover"]["state"] == "failed-over"
    assert _writes_since(localaws, 0) == []  # no clone, no publish to enable_replication


def test_failback_copies_back_what_dr_received_and_resumes(localaws, pair, run_playbook, aws_client):
    dest, dr, source_s3 = f"{pair}-dr", aws_client("s3", DR_REGION), aws_client("s3", SOURCE_REGION)
    assert _tags(dr, dest)["s3dr:failover-state"] == "failed-over"
    dr.put_object(Bucket=dest, Key="data/written-in-dr.txt", Body=b"written during the failover")
    failback_vars = {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": [pair]}

    count = len(localaws.recorded_calls())
    check = run_playbook("playbooks/dr_failback.yml", extra_vars=failback_vars, check=True)
    assert check.rc == 0, check
    assert _writes_since(localaws, count) == []

    run = run_playbook("playbooks/dr_failback.yml", extra_vars=failback_vars)
    assert run.rc == 0, run
    [result] = run.task_results("Fail each pair back")[0]["results"]
    assert result["copied_back"]["objects_copied"] >= 1 and result["verified"]["missing_or_different"] == [], result
    assert result["verified"]["both_sides"]["only_in_dr"] == [] and result["verified"]["both_sides"]["in_both"] >= 3
    body = source_s3.get_object(Bucket=pair, Key="data/written-in-dr.txt")["Body"].read()
    assert body == b"written during the failover"
    assert not source_s3.list_objects_v2(Bucket=pair, Prefix="_s3dr/").get("Contents")  # never copied back
    tags = _tags(dr, dest)
    assert "s3dr:failover-state" not in tags and tags["s3dr:failback-at"] >= tags["s3dr:failover-at"]
    rules = [rule["ID"] for rule in (dr.get_bucket_replication(Bucket=dest)["ReplicationConfiguration"]["Rules"]
                                     if _has_replication(dr, dest) else [])]
    assert "dr-failback" not in rules  # the reverse rule is gone (no two-way asked)
    policy = _bucket_policy(dr, dest)
    assert not policy or "AppDrRoleWrites" not in json.dumps(policy)  # the held-back policy is held back again

    count = len(localaws.recorded_calls())
    again = run_playbook("playbooks/dr_failback.yml", extra_vars=failback_vars)
    assert again.rc == 0, again
    assert again.task_results("Fail each pair back")[0]["changed"] is False
    assert _writes_since(localaws, count) == []


def _has_replication(s3, bucket: str) -> bool:
    try:
        s3.get_bucket_replication(Bucket=bucket)
        return True
    except s3.exceptions.ClientError:
        return False


def _bucket_policy(s3, bucket: str):
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError:
        return None
