"""Under injected faults (tools/localaws/faults.py, fixed seed, 10%: throttling, 5xx and resets after the request was
applied) the fleet and the pipeline deploy converge in one run, and the clean rerun writes nothing."""
from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError

from tools.localaws.faults import FaultProxy

SOURCE_REGION, DR_REGION = "sa-east-1", "eu-west-3"
FLEET_SIZE = 20
FAULT_RATE = 0.1
SEED = 20261202
WAIT_SECONDS = 120


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
        s3.put_object(Bucket=bucket, Key="existing.txt", Body=b"there before replication")
    extra_vars = {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_trigger_tag_key": "drfaults",
                  "dr_trigger_tag_value": tag_value}

    fault_proxy.configure(rate=FAULT_RATE)
    first = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars, env=_through(fault_proxy))
    faults = fault_proxy.stats
    assert first.rc == 0, first
    assert faults.errors + faults.resets >= 10, faults  # the run did meet faults
    dr = aws_client("s3", DR_REGION)
    for bucket in buckets:
        rules = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-dr"
        assert dr.get_bucket_versioning(Bucket=f"{bucket}-dr")["Status"] == "Enabled"
        assert aws_client("iam").get_role_policy(RoleName=f"s3-crr-{bucket}", PolicyName="s3-replication")
        dr.head_object(Bucket=f"{bucket}-dr", Key="existing.txt")

    fault_proxy.configure(rate=0.0)
    localaws.start_recording()
    clean = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars, env=_through(fault_proxy))
    assert clean.rc == 0, clean
    assert clean.recap["localhost"]["changed"] == 0, clean
    assert _writes(localaws) == []
