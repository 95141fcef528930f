"""Access points: the endpoint keeps them per Region like S3, and the clone recreates them for the DR bucket."""
from __future__ import annotations

import json

import pytest
from conftest import client_for

from tests.integration.test_config_clone import ACCOUNT, DR_REGION, SOURCE_REGION, clone, drift, unique, writes


def access_point_policy(region: str, name: str, bucket: str, reader_role_arn: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AppReadsThroughItsAccessPoint", "Effect": "Allow",
        "Principal": {"AWS": reader_role_arn}, "Action": ["s3:GetObject"],
        "Resource": f"arn:aws:s3:{region}:{ACCOUNT}:accesspoint/{name}/object/*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/bucket": bucket}}}]}


def access_points_of(control, bucket: str) -> dict:
    listed = control.list_access_points(AccountId=ACCOUNT, Bucket=bucket)["AccessPointList"]
    points = {}
    for point in listed:
        details = control.get_access_point(AccountId=ACCOUNT, Name=point["Name"])
        try:
            policy = json.loads(control.get_access_point_policy(AccountId=ACCOUNT, Name=point["Name"])["Policy"])
        except control.exceptions.ClientError:
            policy = None
        points[point["Name"]] = {"arn": point["AccessPointArn"], "vpc": (details.get("VpcConfiguration") or {}).get("VpcId"),
                                 "policy": policy}
    return points


def test_endpoint_keeps_access_points_per_region_and_refuses_a_taken_name(aws_client):
    check_access_points_are_regional(aws_client)


def test_without_patch_access_points_of_one_region_are_seen_from_every_region(localaws_without):
    server = localaws_without("s3control_regional_access_points")
    with pytest.raises(AssertionError, match=r"^access point \S+ seen from us-(west-2|east-1) is on "):
        check_access_points_are_regional(lambda service, region: client_for(server, service, region))


def check_access_points_are_regional(aws_client) -> None:
    east, west = aws_client("s3control", "us-east-1"), aws_client("s3control", "us-west-2")
    bucket_east, bucket_west, name = unique("ape"), unique("apw"), unique("ap")
    aws_client("s3", "us-east-1").create_bucket(Bucket=bucket_east)
    aws_client("s3", "us-west-2").create_bucket(Bucket=bucket_west,
                                                CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    created = east.create_access_point(AccountId=ACCOUNT, Name=name, Bucket=bucket_east)
    assert created["AccessPointArn"] == f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/{name}"
    # The same name is free in another Region, and each Region lists only its own.
    west.create_access_point(AccountId=ACCOUNT, Name=name, Bucket=bucket_west)
    for control, region, bucket in ((west, "us-west-2", bucket_west), (east, "us-east-1", bucket_east)):
        seen = control.get_access_point(AccountId=ACCOUNT, Name=name)["Bucket"]
        assert seen == bucket, f"access point {name} seen from {region} is on {seen}, not {bucket}"
    assert [point["AccessPointArn"] for point in west.list_access_points(AccountId=ACCOUNT)["AccessPointList"]
            if point["Name"] == name] == [f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/{name}"]
    with pytest.raises(east.exceptions.ClientError) as refused:
        east.create_access_point(AccountId=ACCOUNT, Name=name, Bucket=bucket_west)
    assert refused.value.response["Error"]["Code"] == "AccessPointAlreadyOwnedByYou"
    assert east.get_access_point(AccountId=ACCOUNT, Name=name)["Bucket"] == bucket_east


def test_access_points_are_cloned_with_policies_rewritten_then_idempotent_and_drift_checked(
        localaws, run_playbook, aws_client):
    source = unique("aps")
    dest = f"{source}-dr"
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    control, dr_control = aws_client("s3control", SOURCE_REGION), aws_client("s3control", DR_REGION)
    app, vpc_only, unmapped_vpc = unique("app"), unique("vpc"), unique("novpc")
    # The policy names a role that exists, as AWS requires (it refuses a missing one: "Invalid principal in policy").
    reader = aws_client("iam").create_role(RoleName=unique("app-reader"), AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    control.create_access_point(AccountId=ACCOUNT, Name=app, Bucket=source)
    control.put_access_point_policy(AccountId=ACCOUNT, Name=app,
                                    Policy=json.dumps(access_point_policy(SOURCE_REGION, app, source, reader)))
    control.create_access_point(AccountId=ACCOUNT, Name=vpc_only, Bucket=source,
                                VpcConfiguration={"VpcId": "vpc-0source000000001"})
    control.create_access_point(AccountId=ACCOUNT, Name=unmapped_vpc, Bucket=source,
                                VpcConfiguration={"VpcId": "vpc-0source000000002"})
    options = {"source_bucket": source, "dest_region": DR_REGION,
               "policy_value_map": {"vpc-0source000000001": "vpc-0dr0000000000001"}}

    result = clone(run_playbook, **options)
    outcome = result["categories"]["access-points"]
    assert outcome["status"] == "created", outcome
    assert any(unmapped_vpc in part and "vpc-0source000000002" in part for part in outcome["skipped_parts"]), outcome
    points = access_points_of(dr_control, dest)
    assert set(points) == {app, vpc_only}
    assert points[app]["arn"] == f"arn:aws:s3:{DR_REGION}:{ACCOUNT}:accesspoint/{app}"
    assert points[app]["policy"]["Statement"][0]["Resource"] == f"arn:aws:s3:{DR_REGION}:{ACCOUNT}:accesspoint/{app}/object/*"
    assert points[vpc_only]["vpc"] == "vpc-0dr0000000000001"
    # The source's own access points stay where they are.
    assert set(access_points_of(control, source)) == {app, vpc_only, unmapped_vpc}

    localaws.start_recording()
    again = clone(run_playbook, **options)
    assert again["categories"]["access-points"]["status"] == "unchanged", again["categories"]["access-points"]
    assert writes(localaws) == []

    report = drift(run_playbook, **options)
    assert report["buckets"][0]["categories"]["access-points"]["status"] == "in_sync"
    dr_control.delete_access_point_policy(AccountId=ACCOUNT, Name=app)
    report = drift(run_playbook, **options)
    entry = report["buckets"][0]["categories"]["access-points"]
    assert entry["status"] == "drifted" and f"{app}.Policy" in " ".join(entry["fields"]), entry

    control.delete_access_point(AccountId=ACCOUNT, Name=vpc_only)
    repaired = clone(run_playbook, **options)
    assert repaired["categories"]["access-points"]["status"] == "updated"
    points = access_points_of(dr_control, dest)
    assert set(points) == {app} and points[app]["policy"] is not None


def test_a_name_taken_in_the_dr_region_fails_only_the_access_points_category(run_playbook, aws_client):
    source, other = unique("apt"), unique("apo")
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source,
                                                  CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    aws_client("s3", DR_REGION).create_bucket(Bucket=other, CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    name = unique("shared")
    aws_client("s3control", SOURCE_REGION).create_access_point(AccountId=ACCOUNT, Name=name, Bucket=source)
    aws_client("s3control", DR_REGION).create_access_point(AccountId=ACCOUNT, Name=name, Bucket=other)

    result = clone(run_playbook, source_bucket=source, dest_region=DR_REGION)
    assert result["failed"] is True
    assert result["failed_categories"] == ["access-points"]
    reason = result["categories"]["access-points"]["reason"]
    assert name in reason and DR_REGION in reason and other in reason, reason
    assert result["categories"]["versioning"]["status"] in ("created", "updated", "unchanged")
