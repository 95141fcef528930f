"""Under injected faults (tools/localaws/faults.py, fixed seed, 10%: throttling, 5xx and resets after the request was
applied) the fleet and the pipeline deploy converge in one run, and the clean rerun writes nothing."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import wait_for

# The pipeline handlers in this process, laid out as their Lambda zip (the fixture of the event tests).
from test_pipeline_events import SOURCE_REGION as HANDLER_REGION
from test_pipeline_events import handlers  # noqa: F401 pylint: disable=unused-import

from tools.localaws.faults import FaultProxy

SOURCE_REGION, DR_REGION = "sa-east-1", "eu-west-3"
FLEET_SIZE = 20
FAULT_RATE = 0.1
SEED = 20261202
WAIT_SECONDS = 120
CONSISTENCY_MS = 1500


@pytest.fixture
def fault_proxy(localaws):
    with FaultProxy(localaws.endpoint_url, seed=SEED) as proxy:
        yield proxy


def _through(proxy: FaultProxy) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": proxy.endpoint_url}


def _writes(localaws) -> list[str]:
    return [f"{call.service} {call.operation}" for call in localaws.recorded_calls() if call.is_write]


def test_fleet_converges_in_one_run_at_10_percent_faults_and_the_rerun_writes_nothing(
        localaws, fault_proxy, run_playbook, aws_client):
    tag_value = uuid.uuid4().hex[:8]
    s3 = aws_client("s3", SOURCE_REGION)
    buckets = [f"flt-{tag_value}-{index:02d}" for index in range(FLEET_SIZE)]
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "drfaults", "Value": tag_value}]})
    # Backfill off: its one module run per bucket would triple the time; benchmarks/faults/run.py covers it under faults.
    extra_vars = {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_trigger_tag_key": "drfaults",
                  "dr_trigger_tag_value": tag_value, "dr_backfill": False}

    # Also S3's consistency window: a DR bucket just created answers NoSuchBucket to reads for a while.
    fault_proxy.configure(rate=FAULT_RATE, consistency_ms=CONSISTENCY_MS)
    first = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars, env=_through(fault_proxy))
    faults = fault_proxy.stats
    assert first.rc == 0, first
    assert faults.errors + faults.resets >= 10 and faults.not_yet_consistent >= 1, faults  # the run did meet faults
    dr = aws_client("s3", DR_REGION)
    for bucket in buckets:
        rules = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-dr"
        assert dr.get_bucket_versioning(Bucket=f"{bucket}-dr")["Status"] == "Enabled"
        assert aws_client("iam").get_role_policy(RoleName=f"s3-crr-{bucket}", PolicyName="s3-replication")

    fault_proxy.configure(rate=0.0, consistency_ms=0)
    localaws.start_recording()
    clean = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars, env=_through(fault_proxy))
    assert clean.rc == 0, clean
    assert clean.recap["localhost"]["changed"] == 0, clean
    assert _writes(localaws) == []


def test_pipeline_deploy_converges_at_10_percent_faults_and_tagging_makes_a_dr_pair(
        localaws, fault_proxy, run_playbook, aws_client):
    pipeline_vars = {"dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
                     "dr_pipeline_name_prefix": f"flt{uuid.uuid4().hex[:6]}"}
    fault_proxy.configure(rate=FAULT_RATE)
    deployed = run_playbook("playbooks/dr_setup.yml", extra_vars=pipeline_vars, env=_through(fault_proxy))
    faults = fault_proxy.stats
    assert deployed.rc == 0, deployed
    assert faults.errors + faults.resets >= 5, faults

    fault_proxy.configure(rate=0.0)
    again = run_playbook("playbooks/dr_setup.yml", extra_vars=pipeline_vars, env=_through(fault_proxy))
    assert again.rc == 0 and again.recap["localhost"]["changed"] == 0, again

    s3 = aws_client("s3", SOURCE_REGION)
    bucket = f"flt-tagged-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})
    rules = wait_for(lambda: s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"],
                     f"replication on {bucket}", WAIT_SECONDS)
    assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-dr"
    assert aws_client("s3", DR_REGION).get_bucket_versioning(Bucket=f"{bucket}-dr")["Status"] == "Enabled"


def test_the_sweep_repairs_every_other_bucket_when_one_cannot_be_processed(
        localaws, handlers, aws_client, monkeypatch, capsys):  # noqa: F811 - the fixture imported above
    tag_key = f"drsweep{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("TRIGGER_TAG_KEY", tag_key)
    s3 = aws_client("s3", HANDLER_REGION)
    names = [f"sweep-{uuid.uuid4().hex[:8]}" for _index in range(7)]
    for name in names:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": HANDLER_REGION})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": tag_key, "Value": "true"}]})
    refusing = sorted(names)[2]  # neither first nor last: the buckets after it must not be lost
    sweep = handlers["source_bucket_check"]
    made = sweep.clients()

    def refuse_versioning_read(params, **_):
        if params.get("Bucket") == refusing:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetBucketVersioning")

    def clients_denied_for_one_bucket():
        def factory(service, region):
            client = made(service, region)
            if service == "s3":
                client.meta.events.register("before-parameter-build.s3.GetBucketVersioning", refuse_versioning_read,
                                            unique_id="refuse-one-bucket")
            return client
        return factory

    monkeypatch.setattr(sweep, "clients", clients_denied_for_one_bucket)
    capsys.readouterr()
    outcome = sweep.handler({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, None)

    others = sorted(set(names) - {refusing})
    assert sorted(outcome["published"]) == others, outcome
    assert list(outcome["failed"]) == [refusing] and "AccessDenied" in outcome["failed"][refusing]
    for name in others:
        assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    assert s3.get_bucket_versioning(Bucket=refusing).get("Status") is None
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    failures = [line for line in logged if line["action"] == "sweep_failed"]
    assert [line["bucket"] for line in failures] == [refusing] and "AccessDenied" in failures[0]["error"]
