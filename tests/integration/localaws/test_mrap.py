"""Multi-Region Access Points on the endpoint: asynchronous lifecycle, routes, and requests through the access point."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import client_for, wait_for
from tools.localaws.mrap_client import mrap_s3_client

ACCOUNT = "123456789012"
REGION, DR_REGION = "eu-west-1", "eu-central-1"
MANAGEMENT_REGION = "us-west-2"  # AWS routes Multi-Region Access Point management to US West (Oregon)


def make_bucket(s3, prefix: str, region: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


def operation_status(control, token: str) -> str:
    return control.describe_multi_region_access_point_operation(AccountId=ACCOUNT, RequestTokenARN=token)[
        "AsyncOperation"]["RequestStatus"]


def create_mrap(aws_client, *buckets: str) -> tuple[str, str]:
    """(name, ARN) of a new access point over the buckets, once READY."""
    control = aws_client("s3control", MANAGEMENT_REGION)
    name = f"mrap-{uuid.uuid4().hex[:10]}"
    token = control.create_multi_region_access_point(
        AccountId=ACCOUNT, ClientToken=name, Details={"Name": name, "Regions": [{"Bucket": b} for b in buckets]}
    )["RequestTokenARN"]
    wait_for(lambda: operation_status(control, token) == "SUCCEEDED", f"create {name}", timeout=30, interval=0.1)
    alias = control.get_multi_region_access_point(AccountId=ACCOUNT, Name=name)["AccessPoint"]["Alias"]
    return name, f"arn:aws:s3::{ACCOUNT}:accesspoint/{alias}"


@pytest.fixture
def pair(aws_client):
    return make_bucket(aws_client("s3", REGION), "mrap-src", REGION), make_bucket(aws_client("s3", DR_REGION),
                                                                                  "mrap-dst", DR_REGION)


def test_create_and_delete_are_asynchronous_over_the_buckets_real_regions(aws_client, pair):
    check_lifecycle(aws_client, pair)


def test_without_patch_the_access_point_is_ready_at_once_with_every_bucket_in_us_east_1(localaws_without):
    other = clients_of(localaws_without("s3control_mrap_async"))
    buckets = (make_bucket(other("s3", REGION), "mrap-src", REGION), make_bucket(other("s3", DR_REGION), "mrap-dst", DR_REGION))
    with pytest.raises(AssertionError):
        check_lifecycle(other, buckets)


def clients_of(server):
    def client(service: str, region: str = "us-east-1"):
        return client_for(server, service, region)
    return client


def check_lifecycle(aws_client, pair) -> None:
    source, dest = pair
    control = aws_client("s3control", MANAGEMENT_REGION)
    name = f"mrap-{uuid.uuid4().hex[:10]}"
    token = control.create_multi_region_access_point(
        AccountId=ACCOUNT, ClientToken=name, Details={"Name": name, "Regions": [{"Bucket": source}, {"Bucket": dest}]}
    )["RequestTokenARN"]
    assert token.startswith(f"arn:aws:s3:{MANAGEMENT_REGION}:{ACCOUNT}:async-request/mrap/")
    point = control.get_multi_region_access_point(AccountId=ACCOUNT, Name=name)["AccessPoint"]
    assert (operation_status(control, token), point["Status"]) == ("INPROGRESS", "CREATING")
    assert point["Regions"] == [{"Bucket": source, "Region": REGION, "BucketAccountId": ACCOUNT},
                                {"Bucket": dest, "Region": DR_REGION, "BucketAccountId": ACCOUNT}]
    assert point["Alias"].endswith(".mrap") and point["Alias"][:-5].isalnum() and point["Alias"][0].isalpha()
    wait_for(lambda: operation_status(control, token) == "SUCCEEDED", "create succeeded", timeout=30, interval=0.1)
    assert control.get_multi_region_access_point(AccountId=ACCOUNT, Name=name)["AccessPoint"]["Status"] == "READY"
    details = control.describe_multi_region_access_point_operation(AccountId=ACCOUNT, RequestTokenARN=token)[
        "AsyncOperation"]["ResponseDetails"]["MultiRegionAccessPointDetails"]["Regions"]
    assert {region["Name"] for region in details} == {REGION, DR_REGION}

    token = control.delete_multi_region_access_point(AccountId=ACCOUNT, ClientToken=f"{name}-d",
                                                     Details={"Name": name})["RequestTokenARN"]
    assert control.get_multi_region_access_point(AccountId=ACCOUNT, Name=name)["AccessPoint"]["Status"] == "DELETING"
    wait_for(lambda: operation_status(control, token) == "SUCCEEDED", "delete succeeded", timeout=30, interval=0.1)
    with pytest.raises(ClientError) as gone:
        control.get_multi_region_access_point(AccountId=ACCOUNT, Name=name)
    assert gone.value.response["Error"]["Code"] == "NoSuchMultiRegionAccessPoint"


def test_a_create_naming_a_missing_bucket_fails_and_makes_nothing(aws_client, pair):
    control = aws_client("s3control", MANAGEMENT_REGION)
    name, missing = f"mrap-{uuid.uuid4().hex[:10]}", f"missing-{uuid.uuid4().hex[:10]}"
    token = control.create_multi_region_access_point(
        AccountId=ACCOUNT, ClientToken=name, Details={"Name": name, "Regions": [{"Bucket": pair[0]}, {"Bucket": missing}]}
    )["RequestTokenARN"]
    wait_for(lambda: operation_status(control, token) != "INPROGRESS", "create finished", timeout=30, interval=0.1)
    operation = control.describe_multi_region_access_point_operation(AccountId=ACCOUNT, RequestTokenARN=token)[
        "AsyncOperation"]
    assert operation["RequestStatus"] == "FAILED"
    assert missing in operation["ResponseDetails"]["ErrorDetails"]["Message"]
    assert name not in [point["Name"] for point in control.list_multi_region_access_points(AccountId=ACCOUNT)["AccessPoints"]]


def test_routes_start_active_active_and_flip_to_active_passive(aws_client, pair):
    source, dest = pair
    _name, arn = create_mrap(aws_client, source, dest)
    control = aws_client("s3control", "ap-southeast-2")  # any of the five failover control Regions
    routes = control.get_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=arn)
    assert routes["Mrap"] == arn
    assert routes["Routes"] == [{"Bucket": source, "Region": REGION, "TrafficDialPercentage": 100},
                                {"Bucket": dest, "Region": DR_REGION, "TrafficDialPercentage": 100}]
    control.submit_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=arn, RouteUpdates=[
        {"Bucket": source, "TrafficDialPercentage": 0}, {"Region": DR_REGION, "TrafficDialPercentage": 100}])
    assert [route["TrafficDialPercentage"] for route in aws_client("s3control", "eu-west-1")
            .get_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=arn)["Routes"]] == [0, 100]


@pytest.mark.parametrize("region, updates, message", [
    ("eu-central-1", None, "served from us-east-1, us-west-2, ap-southeast-2, ap-northeast-1, eu-west-1"),
    ("us-east-1", [{"Bucket": "SOURCE", "TrafficDialPercentage": 0}, {"Bucket": "DEST", "TrafficDialPercentage": 0}],
     "all routes would be passive"),
    ("us-east-1", [{"Bucket": "not-in-this-mrap", "TrafficDialPercentage": 100}], "names no bucket or Region"),
    ("us-east-1", [{"Bucket": "SOURCE", "Region": DR_REGION, "TrafficDialPercentage": 100}], "names no bucket or Region"),
])
def test_route_changes_aws_refuses_are_refused(aws_client, pair, region, updates, message):
    source, dest = pair
    _name, arn = create_mrap(aws_client, source, dest)
    control = aws_client("s3control", region)
    updates = [{key: {"SOURCE": source, "DEST": dest}.get(value, value) for key, value in update.items()}
               for update in updates or [{"Bucket": source, "TrafficDialPercentage": 0}]]
    with pytest.raises(ClientError) as refused:
        control.submit_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=arn, RouteUpdates=updates)
    assert refused.value.response["Error"]["Code"] == "InvalidRequest"
    assert message in refused.value.response["Error"]["Message"]
    routes = aws_client("s3control", "us-east-1").get_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=arn)
    assert [route["TrafficDialPercentage"] for route in routes["Routes"]] == [100, 100]


def test_an_arn_naming_no_access_point_is_a_bad_request(aws_client):
    control = aws_client("s3control", "us-east-1")
    with pytest.raises(ClientError) as refused:
        control.get_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=f"arn:aws:s3::{ACCOUNT}:accesspoint/nosuch.mrap")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "is not the ARN of a Multi-Region Access Point" in refused.value.response["Error"]["Message"]


def test_without_patch_there_are_no_routes(localaws_without):
    other = clients_of(localaws_without("s3control_mrap_routes", "s3_mrap_requests"))
    source, dest = make_bucket(other("s3", REGION), "mrap-src", REGION), make_bucket(other("s3", DR_REGION), "mrap-dst", DR_REGION)
    _name, arn = create_mrap(other, source, dest)
    with pytest.raises(ClientError) as missing:
        other("s3control", "us-east-1").get_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=arn)
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_requests_through_the_access_point_reach_the_active_bucket(localaws, aws_client, pair):
    source, dest = pair
    _name, arn = create_mrap(aws_client, source, dest)
    control, s3 = aws_client("s3control", "us-east-1"), mrap_s3_client(localaws.endpoint_url)

    def activate(active: str, passive: str) -> None:
        control.submit_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=arn, RouteUpdates=[
            {"Bucket": active, "TrafficDialPercentage": 100}, {"Bucket": passive, "TrafficDialPercentage": 0}])

    def keys(bucket: str, region: str) -> list[str]:
        return [item["Key"] for item in aws_client("s3", region).list_objects_v2(Bucket=bucket).get("Contents", [])]

    activate(source, dest)
    s3.put_object(Bucket=arn, Key="before-failover.txt", Body=b"one")
    assert (keys(source, REGION), keys(dest, DR_REGION)) == (["before-failover.txt"], [])
    assert s3.get_object(Bucket=arn, Key="before-failover.txt")["Body"].read() == b"one"

    activate(dest, source)
    s3.put_object(Bucket=arn, Key="after-failover.txt", Body=b"two")
    assert (keys(source, REGION), keys(dest, DR_REGION)) == (["before-failover.txt"], ["after-failover.txt"])
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=arn)["Contents"]] == ["after-failover.txt"]
    with pytest.raises(ClientError) as not_there:
        s3.get_object(Bucket=arn, Key="before-failover.txt")
    assert not_there.value.response["Error"]["Code"] == "NoSuchKey"


def test_a_request_to_an_unknown_access_point_is_not_found(localaws):
    s3 = mrap_s3_client(localaws.endpoint_url)
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=f"arn:aws:s3::{ACCOUNT}:accesspoint/nosuchalias.mrap", Key="k", Body=b"x")
    assert refused.value.response["Error"]["Code"] == "NoSuchAccessPoint"


def test_an_access_point_policy_is_kept(aws_client, pair):
    """moto serves Put/GetMultiRegionAccessPointPolicy itself; the asynchronous access points keep that working."""
    name, arn = create_mrap(aws_client, *pair)
    control = aws_client("s3control", MANAGEMENT_REGION)
    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},'
              '"Action":"s3:GetObject","Resource":"%s/object/*"}]}' % (ACCOUNT, arn))
    token = control.put_multi_region_access_point_policy(AccountId=ACCOUNT, ClientToken=f"{name}-p",
                                                         Details={"Name": name, "Policy": policy})["RequestTokenARN"]
    wait_for(lambda: operation_status(control, token) == "SUCCEEDED", "policy put", timeout=30, interval=0.1)
    assert control.get_multi_region_access_point_policy(AccountId=ACCOUNT, Name=name)["Policy"]["Established"][
        "Policy"] == policy
