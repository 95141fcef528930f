"""core/trails.py: which trails deliver a Region's S3 bucket calls to EventBridge (moto in-process)."""
from __future__ import annotations

import boto3
import pytest

from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.trails import records_management_writes, trails_covering

MANAGEMENT = {"Field": "eventCategory", "Equals": ["Management"]}


@pytest.mark.parametrize(("basic", "advanced", "records"), [
    ([], [], True),  # no selectors: every management event
    ([{"ReadWriteType": "All", "IncludeManagementEvents": True}], [], True),
    ([{"ReadWriteType": "WriteOnly"}], [], True),
    ([{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}], [], False),
    ([{"ReadWriteType": "All", "IncludeManagementEvents": False}], [], False),
    ([], [{"FieldSelectors": [MANAGEMENT]}], True),
    ([], [{"FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["true"]}]}], False),
    ([], [{"FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}]}], True),
    ([], [{"FieldSelectors": [MANAGEMENT, {"Field": "eventSource", "NotEquals": ["s3.amazonaws.com"]}]}], False),
    ([], [{"FieldSelectors": [MANAGEMENT, {"Field": "eventSource", "Equals": ["kms.amazonaws.com"]}]}], False),
    ([], [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}], False),
])
def test_records_management_writes(basic, advanced, records):
    assert records_management_writes(basic, advanced) is records


def test_trails_covering_reads_multi_region_trails_in_their_home_region(moto_in_process):
    for region, name, multi in (("us-east-1", "org", True), ("eu-west-1", "local", False), ("eu-west-2", "other", False)):
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=f"{name}-logs-bucket")
        cloudtrail = boto3.client("cloudtrail", region_name=region)
        cloudtrail.create_trail(Name=name, S3BucketName=f"{name}-logs-bucket", IsMultiRegionTrail=multi)
    boto3.client("cloudtrail", region_name="us-east-1").start_logging(Name="org")
    boto3.client("cloudtrail", region_name="us-east-1").put_event_selectors(
        TrailName="org", EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    found = {trail["name"]: trail for trail in trails_covering(boto3_clients(), "eu-west-1")}
    assert set(found) == {"org", "local"}, "a single-Region trail of another Region does not cover eu-west-1"
    assert found["org"]["home_region"] == "us-east-1" and found["org"]["multi_region"] is True
    assert found["org"]["reason"] == "its event selectors leave out the write management events of S3"
    assert found["local"] == {**found["local"], "records": False, "reason": "its logging is stopped"}
    boto3.client("cloudtrail", region_name="eu-west-1").start_logging(Name="local")
    assert [trail["name"] for trail in trails_covering(boto3_clients(), "eu-west-1") if trail["records"]] == ["local"]
