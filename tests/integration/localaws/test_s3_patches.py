"""The S3 fidelity patches of tools/localaws: each check passes with the patch and fails without it."""
from __future__ import annotations

import json
import time
import uuid
from contextlib import contextmanager

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import client_for

REGION = "eu-west-1"


def _bucket(s3, prefix: str, versioned: bool = False) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


# --- s3_replication_roundtrip ---------------------------------------------------------------

FULL_REPLICATION_RULES = [
    {
        "ID": "filtered-kms-rtc",
        "Priority": 2,
        "Status": "Enabled",
        "Filter": {"And": {"Prefix": "data/", "Tags": [{"Key": "tier", "Value": "gold"}]}},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"},
                                    "ReplicaModifications": {"Status": "Enabled"}},
        "Destination": {
            "Bucket": "arn:aws:s3:::placeholder",
            "Account": "210987654321",
            "StorageClass": "STANDARD_IA",
            "AccessControlTranslation": {"Owner": "Destination"},
            "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:us-west-2:210987654321:key/k-1"},
            "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
            "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
        },
    },
    {
        "ID": "whole-bucket",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": "arn:aws:s3:::placeholder"},
    },
]


def check_replication_roundtrip(s3) -> None:
    source, dest = _bucket(s3, "repl-src", versioned=True), _bucket(s3, "repl-dst", versioned=True)
    rules = json.loads(json.dumps(FULL_REPLICATION_RULES).replace("placeholder", dest))
    sent = {"Role": "arn:aws:iam::123456789012:role/replication", "Rules": rules}
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=sent)
    got = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]
    assert got == sent, f"replication configuration read back differs: sent {sent}, got {got}"


def test_replication_configuration_round_trips_unchanged(aws_client):
    check_replication_roundtrip(aws_client("s3", REGION))


def test_replication_without_patch_loses_fields(localaws_without):
    s3 = client_for(localaws_without("s3_replication_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match="^replication configuration read back differs"):
        check_replication_roundtrip(s3)


def test_replication_missing_configuration_is_404(aws_client):
    s3 = aws_client("s3", REGION)
    with pytest.raises(ClientError) as error:
        s3.get_bucket_replication(Bucket=_bucket(s3, "repl-none"))
    assert error.value.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"


# --- s3_bucket_subresources -----------------------------------------------------------------

METRICS = {"Id": "hot-prefix", "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "a", "Value": "b"}]}}}
ANALYTICS = {"Id": "sca", "Filter": {"Prefix": "x/"}, "StorageClassAnalysis": {"DataExport": {
    "OutputSchemaVersion": "V_1",
    "Destination": {"S3BucketDestination": {"Format": "CSV", "Bucket": "arn:aws:s3:::reports", "Prefix": "sca/"}}}}}
TIERING = {"Id": "archive", "Status": "Enabled", "Filter": {"Prefix": "cold/"},
           "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}, {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"}]}


def check_bucket_subresources(s3) -> None:
    bucket = _bucket(s3, "subres")
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"

    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="hot-prefix", MetricsConfiguration=METRICS)
    s3.put_bucket_analytics_configuration(Bucket=bucket, Id="sca", AnalyticsConfiguration=ANALYTICS)
    s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive",
                                                    IntelligentTieringConfiguration=TIERING)
    assert s3.get_bucket_metrics_configuration(Bucket=bucket, Id="hot-prefix")["MetricsConfiguration"] == METRICS
    assert s3.get_bucket_analytics_configuration(Bucket=bucket, Id="sca")["AnalyticsConfiguration"] == ANALYTICS
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive")
    assert got["IntelligentTieringConfiguration"] == TIERING
    assert s3.list_bucket_metrics_configurations(Bucket=bucket)["MetricsConfigurationList"] == [METRICS]
    assert s3.list_bucket_analytics_configurations(Bucket=bucket)["AnalyticsConfigurationList"] == [ANALYTICS]
    listed = s3.list_bucket_intelligent_tiering_configurations(Bucket=bucket)
    assert listed["IntelligentTieringConfigurationList"] == [TIERING]

    s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="hot-prefix")
    with pytest.raises(ClientError) as error:
        s3.get_bucket_metrics_configuration(Bucket=bucket, Id="hot-prefix")
    assert error.value.response["Error"]["Code"] == "NoSuchConfiguration"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_bucket_subresources_work_as_documented(aws_client):
    check_bucket_subresources(aws_client("s3", REGION))


def test_bucket_subresources_without_patch_fail(localaws_without):
    s3 = client_for(localaws_without("s3_bucket_subresources"), "s3", REGION)
    with pytest.raises((ClientError, KeyError, AssertionError)):
        check_bucket_subresources(s3)
    bucket = _bucket(s3, "subres-gap")
    writes = [
        lambda: s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"}),
        lambda: s3.put_bucket_metrics_configuration(Bucket=bucket, Id="hot-prefix", MetricsConfiguration=METRICS),
        lambda: s3.put_bucket_analytics_configuration(Bucket=bucket, Id="sca", AnalyticsConfiguration=ANALYTICS),
        lambda: s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive",
                                                                IntelligentTieringConfiguration=TIERING),
    ]
    for write in writes:
        with pytest.raises(ClientError) as error:
            write()
        assert error.value.response["Error"]["Code"] == "IllegalLocationConstraintException"


def test_metrics_list_pages_by_continuation_token(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _bucket(s3, "subres-page")
    ids = [f"m{index:03d}" for index in range(130)]
    for config_id in ids:
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id=config_id, MetricsConfiguration={"Id": config_id})
    first = s3.list_bucket_metrics_configurations(Bucket=bucket)
    assert first["IsTruncated"] is True and len(first["MetricsConfigurationList"]) == 100
    second = s3.list_bucket_metrics_configurations(Bucket=bucket, ContinuationToken=first["NextContinuationToken"])
    assert second["IsTruncated"] is False
    assert [c["Id"] for c in first["MetricsConfigurationList"] + second["MetricsConfigurationList"]] == ids


def test_subresource_errors(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _bucket(s3, "subres-err")
    with pytest.raises(ClientError) as error:
        s3.get_bucket_analytics_configuration(Bucket="no-such-bucket-here", Id="x")
    assert error.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError) as error:
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id="one", MetricsConfiguration={"Id": "other"})
    assert error.value.response["Error"]["Code"] == "InvalidArgument"
    with pytest.raises(ClientError) as error:
        s3.delete_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="absent")
    assert error.value.response["Error"]["Code"] == "NoSuchConfiguration"


# --- s3_cloudtrail_events + s3_create_bucket_tags + events_target_payload ----------------------

MANAGEMENT_CALLS = ["CreateBucket", "PutBucketTagging", "DeleteBucketTagging", "PutBucketVersioning",
                    "PutBucketReplication", "DeleteBucketReplication", "DeleteBucket", "TagResource", "UntagResource"]


@contextmanager
def recording_trail(server, region: str, multi_region: bool = False, **selectors):
    """A logging trail of ``region`` (with ``EventSelectors``/``AdvancedEventSelectors`` when given), deleted after."""
    name = f"trail-{uuid.uuid4().hex[:8]}"
    client_for(server, "s3", "us-east-1").create_bucket(Bucket=f"{name}-logs")
    cloudtrail = client_for(server, "cloudtrail", region)
    cloudtrail.create_trail(Name=name, S3BucketName=f"{name}-logs", IsMultiRegionTrail=multi_region)
    if selectors:
        cloudtrail.put_event_selectors(TrailName=name, **selectors)
    cloudtrail.start_logging(Name=name)
    try:
        yield cloudtrail, name
    finally:
        cloudtrail.delete_trail(Name=name)


def _event_queue(server, region: str):
    """An SQS queue receiving every aws.s3 CloudTrail event of the Region's default bus."""
    events, sqs = client_for(server, "events", region), client_for(server, "sqs", region)
    queue_url = sqs.create_queue(QueueName=f"ct-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"s3-calls-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": MANAGEMENT_CALLS}}))
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return sqs, queue_url


def _received(sqs, queue_url: str, count: int, wait_seconds: float = 120) -> list[dict]:
    """Up to ``count`` events, waiting at most ``wait_seconds`` (generous: a busy machine delivers late)."""
    received, deadline = [], time.monotonic() + wait_seconds
    while len(received) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.1)
    return received


def _bucket_names_until(sqs, queue_url: str, marker_bucket: str) -> list[str]:
    """The buckets named by the events received up to the one on ``marker_bucket`` (bounded wait).

    A call made with no recording trail, followed by a marker call made with one: the marker's event
    arriving proves delivery works, so the earlier call's event is missing because it was never sent.
    """
    names, deadline = [], time.monotonic() + 120
    while marker_bucket not in names:
        assert time.monotonic() < deadline, f"no event for {marker_bucket} within 120 s: {names}"
        names += [event["detail"]["requestParameters"].get("bucketName") for event in _received(sqs, queue_url, 1, 1)]
    return names


def check_cloudtrail_events(server, wait_seconds: float = 120) -> None:
    region = "ap-southeast-2"
    sqs, queue_url = _event_queue(server, region)
    other_sqs, other_queue_url = _event_queue(server, "us-east-1")
    s3 = client_for(server, "s3", region)
    source, dest = f"ct-src-{uuid.uuid4().hex[:8]}", f"ct-dst-{uuid.uuid4().hex[:8]}"
    with recording_trail(server, region):
        for name in (source, dest):
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_tagging(Bucket=source, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})
        s3.delete_bucket_tagging(Bucket=source)
        s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/r",
            "Rules": [{"ID": "dr", "Priority": 1, "Status": "Enabled", "Filter": {},
                       "DeleteMarkerReplication": {"Status": "Enabled"},
                       "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})
        s3.delete_bucket_replication(Bucket=source)
        s3.delete_bucket(Bucket=dest)

        expected = ["CreateBucket", "PutBucketVersioning"] * 2 + [
            "PutBucketTagging", "DeleteBucketTagging", "PutBucketReplication", "DeleteBucketReplication", "DeleteBucket"]
        events = _received(sqs, queue_url, len(expected), wait_seconds)
    names = sorted(event["detail"]["eventName"] for event in events)
    assert names == sorted(expected), f"S3 management events received in {region}: {names}"
    for event in events:
        assert event["source"] == "aws.s3"
        assert event["detail-type"] == "AWS API Call via CloudTrail"
        assert event.get("account") == "123456789012", f"an event without the account: {event}"
        assert event["region"] == region
        assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
        assert event["detail"]["eventSource"] == "s3.amazonaws.com"
        assert event["detail"]["awsRegion"] == region
        assert event["detail"]["requestParameters"]["bucketName"] in (source, dest)
    tagging = next(event for event in events if event["detail"]["eventName"] == "PutBucketTagging")
    assert tagging["detail"]["requestParameters"]["Tagging"]["TagSet"]["Tag"] == {"Key": "dr", "Value": "true"}
    # Events go to the bucket's Region only.
    assert _received(other_sqs, other_queue_url, 1, wait_seconds=1) == []


def test_bucket_management_calls_reach_eventbridge_in_bucket_region(localaws):
    check_cloudtrail_events(localaws)


def test_without_cloudtrail_patch_no_event_arrives(localaws_without):
    with pytest.raises(AssertionError, match=r"^S3 management events received in \S+: \[\]"):
        # no event ever comes without the patch: a short wait is enough to see that
        check_cloudtrail_events(localaws_without("s3_cloudtrail_events"), wait_seconds=5)


def test_without_target_payload_patch_events_lack_account_and_iso_time(localaws_without):
    with pytest.raises(AssertionError, match="^an event without the account"):
        check_cloudtrail_events(localaws_without("events_target_payload"))


def test_failed_call_emits_no_event(localaws):
    region = "ca-central-1"
    sqs, queue_url = _event_queue(localaws, region)
    s3 = client_for(localaws, "s3", region)
    bucket = f"ct-fail-{uuid.uuid4().hex[:8]}"
    with recording_trail(localaws, region):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        with pytest.raises(ClientError):  # replication needs versioning
            s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration={
                "Role": "arn:aws:iam::123456789012:role/r",
                "Rules": [{"ID": "x", "Status": "Enabled", "Prefix": "", "Destination": {"Bucket": "arn:aws:s3:::y"}}]})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        names = [event["detail"]["eventName"] for event in _received(sqs, queue_url, 2)]
    assert names == ["CreateBucket", "PutBucketVersioning"], "the refused PutBucketReplication in between sent nothing"


NO_MANAGEMENT_EVENTS = [
    pytest.param({}, id="no-trail"),
    pytest.param({"logging": False}, id="trail-not-logging"),
    pytest.param({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False,
                                      "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]},
                 id="data-events-only"),
    pytest.param({"EventSelectors": [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]},
                 id="read-only-management-events"),
    pytest.param({"AdvancedEventSelectors": [{"Name": "data", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]},
        id="advanced-data-only"),
    pytest.param({"other_region": "eu-central-1"}, id="single-region-trail-elsewhere"),
]


@pytest.mark.parametrize("trail", NO_MANAGEMENT_EVENTS)
def test_no_event_without_a_trail_recording_the_regions_management_writes(localaws, trail):
    """EventBridge gets "AWS API Call via CloudTrail" only through a trail that records them (AWS docs)."""
    region = "sa-east-1"
    sqs, queue_url = _event_queue(localaws, region)
    s3 = client_for(localaws, "s3", region)
    unrecorded, marker = f"ct-none-{uuid.uuid4().hex[:8]}", f"ct-mark-{uuid.uuid4().hex[:8]}"
    if trail:
        trail = dict(trail)
        logging = trail.pop("logging", True)
        with recording_trail(localaws, trail.pop("other_region", region), **trail) as (cloudtrail, name):
            if not logging:
                cloudtrail.stop_logging(Name=name)
            s3.create_bucket(Bucket=unrecorded, CreateBucketConfiguration={"LocationConstraint": region})
    else:
        s3.create_bucket(Bucket=unrecorded, CreateBucketConfiguration={"LocationConstraint": region})
    with recording_trail(localaws, region, AdvancedEventSelectors=[{"Name": "management", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]}]}]):
        s3.create_bucket(Bucket=marker, CreateBucketConfiguration={"LocationConstraint": region})
        assert _bucket_names_until(sqs, queue_url, marker) == [marker]


def test_a_multi_region_trail_of_another_region_records_this_one(localaws):
    region = "sa-east-1"
    sqs, queue_url = _event_queue(localaws, region)
    bucket = f"ct-multi-{uuid.uuid4().hex[:8]}"
    with recording_trail(localaws, "us-east-2", multi_region=True,
                         EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]):
        client_for(localaws, "s3", region).create_bucket(Bucket=bucket,
                                                         CreateBucketConfiguration={"LocationConstraint": region})
        assert _bucket_names_until(sqs, queue_url, bucket) == [bucket]


def check_tag_on_create_and_s3_control_tagging(server) -> None:
    region = "eu-west-3"
    sqs, queue_url = _event_queue(server, region)
    s3 = client_for(server, "s3", region)
    s3control = client_for(server, "s3control", region)
    created, tagged = f"ct-tagged-{uuid.uuid4().hex[:8]}", f"ct-control-{uuid.uuid4().hex[:8]}"
    with recording_trail(server, region):
        s3.create_bucket(Bucket=created, CreateBucketConfiguration={
            "LocationConstraint": region, "Tags": [{"Key": "dr", "Value": "true"}, {"Key": "team", "Value": "a"}]})
        s3.create_bucket(Bucket=tagged, CreateBucketConfiguration={"LocationConstraint": region})
        s3control.tag_resource(AccountId="123456789012", ResourceArn=f"arn:aws:s3:::{tagged}",
                               Tags=[{"Key": "dr", "Value": "true"}])
        s3control.untag_resource(AccountId="123456789012", ResourceArn=f"arn:aws:s3:::{tagged}", TagKeys=["dr"])
        events = _received(sqs, queue_url, 4)
    try:
        tag_set = s3.get_bucket_tagging(Bucket=created)["TagSet"]
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchTagSet"
        tag_set = []
    assert tag_set == [{"Key": "dr", "Value": "true"}, {"Key": "team", "Value": "a"}], \
        f"the bucket created with tags has {tag_set}"
    by_name = {(event["detail"]["eventName"], event["detail"]["requestParameters"].get("bucketName")
                or event["detail"]["requestParameters"]["resourceArn"]): event["detail"] for event in events}
    assert set(by_name) == {("CreateBucket", created), ("CreateBucket", tagged),
                            ("TagResource", f"arn:aws:s3:::{tagged}"), ("UntagResource", f"arn:aws:s3:::{tagged}")}
    create_tags = by_name[("CreateBucket", created)]["requestParameters"]["CreateBucketConfiguration"]["Tags"]["Tag"]
    assert create_tags == [{"Key": "dr", "Value": "true"}, {"Key": "team", "Value": "a"}]
    tag_resource = by_name[("TagResource", f"arn:aws:s3:::{tagged}")]
    assert tag_resource["eventSource"] == "s3.amazonaws.com" and tag_resource["awsRegion"] == region
    assert tag_resource["requestParameters"]["Tags"] == [{"Key": "dr", "Value": "true"}]
    assert "bucketName" not in tag_resource["requestParameters"]


def test_tag_on_create_and_s3_control_tagging_are_recorded_by_their_real_names(localaws):
    check_tag_on_create_and_s3_control_tagging(localaws)


def test_without_create_bucket_tags_patch_the_tags_are_dropped(localaws_without):
    with pytest.raises(AssertionError, match=r"^the bucket created with tags has \[\]"):
        check_tag_on_create_and_s3_control_tagging(localaws_without("s3_create_bucket_tags"))


def test_create_bucket_with_a_reserved_tag_is_refused_and_creates_nothing(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = f"ct-reserved-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as error:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={
            "LocationConstraint": REGION, "Tags": [{"Key": "aws:cloudformation:stack-name", "Value": "x"}]})
    assert error.value.response["Error"]["Code"] == "InvalidTag"
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=bucket)


# --- s3_expected_bucket_owner ---------------------------------------------------------------

def check_expected_bucket_owner(server) -> None:
    sts = client_for(server, "sts")
    credentials = sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/other-account",
                                  RoleSessionName="other")["Credentials"]
    other_account_s3 = boto3.client(
        "s3", region_name=REGION, endpoint_url=server.endpoint_url, aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])
    theirs = _bucket(other_account_s3, "owner-theirs")
    ours = _bucket(client_for(server, "s3", REGION), "owner-ours")
    s3 = client_for(server, "s3", REGION)
    assert s3.head_bucket(Bucket=ours, ExpectedBucketOwner="123456789012")["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as error:
        s3.head_bucket(Bucket=theirs, ExpectedBucketOwner="123456789012")
    assert error.value.response["Error"]["Code"] == "403"
    with pytest.raises(ClientError) as error:
        s3.get_bucket_versioning(Bucket=ours, ExpectedBucketOwner="999999999999")
    assert error.value.response["Error"]["Code"] == "AccessDenied"


def test_expected_bucket_owner_is_enforced(localaws):
    check_expected_bucket_owner(localaws)


def test_without_patch_expected_bucket_owner_is_ignored(localaws_without):
    with pytest.raises(pytest.fail.Exception):
        check_expected_bucket_owner(localaws_without("s3_expected_bucket_owner"))
