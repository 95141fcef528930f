"""The deployed pipeline's backfill goes on across invocations: with at most 40 objects per invocation, a
tagged bucket of 130 objects is copied by a chain of enable_replication invocations, each queuing the next
on topic 2 under the function's own least-privilege role, every object copied once."""
from __future__ import annotations

import json
import uuid

from conftest import wait_for

SOURCE_REGION, DR_REGION = "eu-west-3", "eu-central-2"
OBJECTS, PER_INVOCATION = 130, 40


def test_a_bucket_larger_than_one_invocation_is_backfilled_by_a_chain_of_invocations(localaws, run_playbook, aws_client):
    prefix = f"bf{uuid.uuid4().hex[:6]}"
    deployed = run_playbook("playbooks/dr_setup.yml", extra_vars={
        "dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
        "dr_pipeline_name_prefix": prefix, "dr_pipeline_sweep_schedule": "",
        "dr_pipeline_backfill_max_objects": PER_INVOCATION, "dr_pipeline_backfill_concurrency": 4})
    assert deployed.rc == 0, deployed

    s3, dr = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    bucket = f"bf-app-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    keys = sorted(f"reports/{index:04}.csv" for index in range(OBJECTS))
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})

    def dr_keys():
        pages = dr.get_paginator("list_objects_v2").paginate(Bucket=f"{bucket}-dr")
        found = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return found if len(found) == OBJECTS else None

    assert wait_for(dr_keys, f"all {OBJECTS} objects in {bucket}-dr", timeout=300) == keys

    function = f"/aws/lambda/{prefix}-{SOURCE_REGION}-enable-replication"

    def backfills():
        events = aws_client("logs", SOURCE_REGION).filter_log_events(logGroupName=function)["events"]
        lines = [json.loads(event["message"]) for event in events if event["message"].startswith("{")]
        found = [line for line in lines if line["action"] == "backfill" and line["bucket"] == bucket]
        return found if any(line["complete"] for line in found) else None

    chain = sorted(wait_for(backfills, "the completing backfill's log line"), key=lambda line: line["start_after"] or "")
    assert len(chain) == -(-OBJECTS // PER_INVOCATION), chain  # ceil: 4 invocations of at most 40
    assert sum(line["objects_copied"] for line in chain) == OBJECTS, chain  # none twice
    assert [line["start_after"] for line in chain] == [None] + [line["resume_after"] for line in chain[:-1]]
    assert all(line["limit_reached"] == "max_objects" for line in chain[:-1]) and chain[-1]["complete"]
