"""s3_dr_mrap through real ansible-playbook runs: a DR pair behind a Multi-Region Access Point, routes flipped,
data written through the access point landing in the active bucket and flowing back, idempotent, absent."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import wait_for
from tests.integration.test_s3_crr_enable import crr, unique, writes
from tools.localaws.mrap_client import mrap_s3_client

PLAYBOOK = "tests/integration/playbooks/mrap/pair.yml"
TASK = "Run s3_dr_mrap"
SOURCE_REGION, DR_REGION = "eu-west-1", "eu-central-1"
ACCOUNT = "123456789012"


def mrap(run_playbook, check: bool = False, diff: bool = False, **options) -> dict:
    run = run_playbook(PLAYBOOK, extra_vars={"mrap": options}, check=check, diff=diff)
    results = run.task_results(TASK)
    assert results, run
    return results[0]


@pytest.fixture
def pair(run_playbook, aws_client) -> tuple[str, str]:
    """A DR pair as s3_crr_enable sets it up: (source bucket in SOURCE_REGION, DR bucket in DR_REGION)."""
    source = unique("mrp")
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source,
                                                  CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    result = crr(run_playbook, source_bucket=source, dest_region=DR_REGION)
    assert not result.get("failed"), result
    return source, result["dest_bucket"]


def rules_of(aws_client, bucket: str, region: str) -> dict:
    return {rule["ID"]: rule for rule in aws_client("s3", region).get_bucket_replication(Bucket=bucket)[
        "ReplicationConfiguration"]["Rules"]}


def has_key(aws_client, bucket: str, region: str, key: str) -> bool:
    try:
        aws_client("s3", region).head_object(Bucket=bucket, Key=key)
        return True
    except ClientError:
        return False


def mraps(aws_client) -> list[str]:
    return [point["Name"] for point in aws_client("s3control", "us-west-2").list_multi_region_access_points(
        AccountId=ACCOUNT)["AccessPoints"]]


def test_pair_behind_an_mrap_fails_over_and_back_with_two_way_replication(localaws, run_playbook, aws_client, pair):
    source, dest = pair

    localaws.start_recording()
    planned = mrap(run_playbook, check=True, source_bucket=source)
    assert planned["changed"] and not planned.get("failed"), planned
    assert any(action.startswith(f"create Multi-Region Access Point {source}") for action in planned["actions"])
    assert writes(localaws) == []

    created = mrap(run_playbook, diff=True, source_bucket=source)
    assert created["changed"] and not created.get("failed"), created
    assert created["arn"] == f"arn:aws:s3::{ACCOUNT}:accesspoint/{created['alias']}"
    assert created["routes"] == [
        {"bucket": source, "region": SOURCE_REGION, "traffic_dial_percentage": 100},
        {"bucket": dest, "region": DR_REGION, "traffic_dial_percentage": 0}]
    assert created["diff"]["before"]["exists"] is False
    assert created["diff"]["after"]["routes"] == {source: 100, dest: 0}
    routes = aws_client("s3control", "eu-west-1").get_multi_region_access_point_routes(
        AccountId=ACCOUNT, Mrap=created["arn"])["Routes"]
    assert {route["Bucket"]: route["TrafficDialPercentage"] for route in routes} == {source: 100, dest: 0}
    # Two-way replication with replica modification sync: the pair's rule and the reverse rule.
    forward, reverse = rules_of(aws_client, source, SOURCE_REGION), rules_of(aws_client, dest, DR_REGION)
    assert forward["dr"]["SourceSelectionCriteria"]["ReplicaModifications"]["Status"] == "Enabled"
    assert forward["dr"]["Destination"]["Bucket"] == f"arn:aws:s3:::{dest}"
    assert reverse["dr-failback"]["SourceSelectionCriteria"]["ReplicaModifications"]["Status"] == "Enabled"
    assert reverse["dr-failback"]["Destination"]["Bucket"] == f"arn:aws:s3:::{source}"

    # Written through the access point: lands in the active (source) bucket, then replicates to DR.
    s3 = mrap_s3_client(localaws.endpoint_url)
    s3.put_object(Bucket=created["arn"], Key="before.txt", Body=b"written before the failover")
    assert has_key(aws_client, source, SOURCE_REGION, "before.txt")
    wait_for(lambda: has_key(aws_client, dest, DR_REGION, "before.txt"), "before.txt replicated to the DR bucket")

    localaws.start_recording()
    again = mrap(run_playbook, source_bucket=source)
    assert not again["changed"] and again["actions"] == [], again
    assert writes(localaws) == []

    # Failover: the DR bucket takes the traffic; what is written there flows back to the source.
    failed_over = mrap(run_playbook, source_bucket=source, active="dest")
    assert failed_over["changed"], failed_over
    assert [route["traffic_dial_percentage"] for route in failed_over["routes"]] == [0, 100]
    s3.put_object(Bucket=created["arn"], Key="during.txt", Body=b"written during the failover")
    assert has_key(aws_client, dest, DR_REGION, "during.txt")
    assert s3.get_object(Bucket=created["arn"], Key="during.txt")["Body"].read() == b"written during the failover"
    wait_for(lambda: has_key(aws_client, source, SOURCE_REGION, "during.txt"), "during.txt replicated back to the source")

    localaws.start_recording()
    assert not mrap(run_playbook, source_bucket=source, active="dest")["changed"]
    assert writes(localaws) == []

    back = mrap(run_playbook, source_bucket=source)
    assert back["changed"] and [route["traffic_dial_percentage"] for route in back["routes"]] == [100, 0]

    # Absent: the access point and the reverse rule go; the pair's own rule, buckets and data stay.
    removed = mrap(run_playbook, source_bucket=source, state="absent")
    assert removed["changed"], removed
    assert source not in mraps(aws_client)
    with pytest.raises(ClientError):
        aws_client("s3", DR_REGION).get_bucket_replication(Bucket=dest)
    assert "dr" in rules_of(aws_client, source, SOURCE_REGION)
    assert has_key(aws_client, source, SOURCE_REGION, "during.txt")
    localaws.start_recording()
    assert not mrap(run_playbook, source_bucket=source, state="absent")["changed"]
    assert writes(localaws) == []


def test_a_name_taken_by_an_mrap_over_other_buckets_fails_naming_it_and_writes_nothing(
        localaws, run_playbook, aws_client, pair):
    source, dest = pair
    other = unique("mro")
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=other, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    control = aws_client("s3control", "us-west-2")
    name = unique("taken")
    token = control.create_multi_region_access_point(AccountId=ACCOUNT, ClientToken=name, Details={
        "Name": name, "Regions": [{"Bucket": other}, {"Bucket": dest}]})["RequestTokenARN"]
    wait_for(lambda: control.describe_multi_region_access_point_operation(
        AccountId=ACCOUNT, RequestTokenARN=token)["AsyncOperation"]["RequestStatus"] == "SUCCEEDED", "taken MRAP")

    localaws.start_recording()
    result = mrap(run_playbook, source_bucket=source, name=name)
    assert result.get("failed"), result
    assert f"Multi-Region Access Point {name} already exists over {other}, {dest}, not over {source} and {dest}" \
        in result["msg"]
    assert writes(localaws) == []


def test_a_missing_dr_bucket_fails_before_any_write(localaws, run_playbook, aws_client):
    source = unique("mrn")
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source,
                                                  CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    localaws.start_recording()
    result = mrap(run_playbook, source_bucket=source)
    assert result.get("failed"), result
    assert f"DR bucket {source}-dr of {source} cannot be used for a Multi-Region Access Point" in result["msg"]
    assert "Set the pair up first (s3_crr_enable)" in result["msg"]
    assert writes(localaws) == []


def test_bad_input_is_refused_before_any_call(localaws, run_playbook):
    localaws.start_recording()
    result = mrap(run_playbook, source_bucket="some-bucket", name="Not_Valid", control_region="eu-central-1")
    assert result.get("failed"), result
    assert "Multi-Region Access Point name 'Not_Valid' must be 3 to 50 lowercase letters" in result["msg"]
    assert "control_region 'eu-central-1' serves no Multi-Region Access Point routes" in result["msg"]
    assert localaws.recorded_calls() == []


def test_playbooks_put_a_pair_behind_an_mrap_and_teardown_removes_it(run_playbook, aws_client, pair):
    source, dest = pair
    made = run_playbook("playbooks/dr_mrap.yml", extra_vars={"dr_buckets": source})
    assert made.rc == 0 and made.recap["localhost"]["changed"] == 1, made
    assert source in mraps(aws_client)
    assert "dr-failback" in rules_of(aws_client, dest, DR_REGION)

    gone = run_playbook("playbooks/dr_teardown.yml", extra_vars={
        "dr_mrap_buckets": [source], "dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
        "dr_pipeline_name_prefix": unique("td")[:12]})
    assert gone.rc == 0, gone
    assert gone.task_results("Remove the Multi-Region Access Points of the pairs in dr_mrap_buckets")[0]["changed"]
    assert source not in mraps(aws_client)
    with pytest.raises(ClientError):
        aws_client("s3", DR_REGION).get_bucket_replication(Bucket=dest)


def test_core_finds_the_pair_mrap_and_routes_it_with_the_other_region_unreachable(
        localaws, run_playbook, aws_client, pair):
    """What dr_failover / dr_failback call: find_pair_mrap, then route_to with the source Region down."""
    from botocore.exceptions import EndpointConnectionError

    from plugins.module_utils.core.clients import boto3_clients
    from plugins.module_utils.core.mrap import control_region_for, find_pair_mrap, route_to

    source, dest = pair
    assert find_pair_mrap(boto3_clients(), ACCOUNT, source, dest) is None
    created = mrap(run_playbook, source_bucket=source)
    assert not created.get("failed"), created
    found = find_pair_mrap(boto3_clients(), ACCOUNT, source, dest)
    assert {key: found[key] for key in ("name", "alias", "arn")} == {key: created[key] for key in ("name", "alias", "arn")}
    assert found["routes"] == created["routes"]

    healthy, asked = boto3_clients(), []

    def source_region_down(service, region):
        asked.append((service, region))
        if region == SOURCE_REGION:
            raise EndpointConnectionError(endpoint_url=f"https://{service}.{region}.amazonaws.com")
        return healthy(service, region)

    # The DR bucket's Region (eu-central-1) serves no failover controls; the source's (eu-west-1) is down.
    assert control_region_for(found, dest) == "us-east-1"
    localaws.start_recording()
    assert route_to(source_region_down, ACCOUNT, found, dest, check_mode=True) is True
    assert writes(localaws) == []
    assert route_to(source_region_down, ACCOUNT, found, dest) is True
    assert route_to(source_region_down, ACCOUNT, found, dest) is False
    assert {region for _service, region in asked} == {"us-east-1"}
    submitted = writes(localaws)  # one SubmitMultiRegionAccessPointRoutes (PATCH .../routes), to us-east-1
    assert [(call.method, call.region, call.operation.endswith("/routes")) for call in submitted] == [
        ("PATCH", "us-east-1", True)], submitted
    assert find_pair_mrap(healthy, ACCOUNT, source, dest)["routes"] == [
        {"bucket": source, "region": SOURCE_REGION, "traffic_dial_percentage": 0},
        {"bucket": dest, "region": DR_REGION, "traffic_dial_percentage": 100}]
    with pytest.raises(Exception, match=f"Bucket not-in-it is not behind Multi-Region Access Point {source}"):
        route_to(healthy, ACCOUNT, found, "not-in-it")


def test_dr_failover_and_failback_playbooks_flip_the_pair_mrap_with_the_source_region_down(
        localaws, run_playbook, aws_client, pair):
    """dr_failover.yml routes the pair's MRAP to the DR bucket while the source Region refuses every call;
    dr_failback.yml routes it back and keeps the two-way replication the MRAP needs."""
    from tools.localaws.faults import FaultProxy

    source, dest = pair
    created = mrap(run_playbook, source_bucket=source)
    assert not created.get("failed"), created
    aws_client("s3", SOURCE_REGION).put_object(Bucket=source, Key="canary.txt", Body=b"before the outage")
    wait_for(lambda: aws_client("s3", DR_REGION).head_object(Bucket=dest, Key="canary.txt")["ReplicationStatus"]
             == "REPLICA", f"canary.txt replicated to {dest}", interval=0.2)

    with FaultProxy(localaws.endpoint_url, down_regions=[SOURCE_REGION]) as source_down:
        run = run_playbook("playbooks/dr_failover.yml", env={"AWS_ENDPOINT_URL": source_down.endpoint_url},
                           extra_vars={"dr_dest_region": DR_REGION, "dr_buckets": [source],
                                       "dr_failover_reason": "MRAP game day"})
        assert run.rc == 0, run
        assert source_down.stats.refused_down == 0  # nothing tried the source Region
    [result] = run.task_results("Fail each pair over")[0]["results"]
    assert result["mrap"] == {"mrap": created["name"], "changed": True}, result["mrap"]
    assert any(f"Multi-Region Access Point {created['name']}" in action for action in result["actions"]), result
    routes = aws_client("s3control", "us-east-1").get_multi_region_access_point_routes(
        AccountId=ACCOUNT, Mrap=created["arn"])["Routes"]
    assert {route["Bucket"]: route["TrafficDialPercentage"] for route in routes} == {source: 0, dest: 100}

    back = run_playbook("playbooks/dr_failback.yml", extra_vars={
        "dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": [source]})
    assert back.rc == 0, back
    [result] = back.task_results("Fail each pair back")[0]["results"]
    assert result["mrap"] == {"mrap": created["name"], "changed": True}, result["mrap"]
    routes = aws_client("s3control", "us-east-1").get_multi_region_access_point_routes(
        AccountId=ACCOUNT, Mrap=created["arn"])["Routes"]
    assert {route["Bucket"]: route["TrafficDialPercentage"] for route in routes} == {source: 100, dest: 0}
    assert "dr-failback" in rules_of(aws_client, dest, DR_REGION)  # the MRAP's two-way replication stays
