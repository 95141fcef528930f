"""Bucket configurations read back as they were put, as on S3.

Each ``s3_*_roundtrip`` patch of tools/localaws has a check that passes with it and fails without
it; ``test_every_category_round_trips`` puts one configuration of every bucket-level category on
one bucket and reads each back.
"""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import datetime, timezone
from urllib.parse import unquote_plus

import pytest
from botocore.exceptions import ClientError

from conftest import client_for

REGION = "eu-west-1"
ACCOUNT = "123456789012"
LOG_DELIVERY_GROUP = "http://acs.amazonaws.com/groups/s3/LogDelivery"
ALL_USERS_GROUP = "http://acs.amazonaws.com/groups/global/AllUsers"


def _bucket(s3, prefix: str, **create_options) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}, **create_options)
    return name


def _read(response: dict) -> dict:
    """A boto3 response without its metadata: what was read back."""
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def read_back(what: str, got, sent) -> None:
    """``got`` (what was read back) is ``sent``; else an AssertionError the negative tests match on ``what``."""
    assert got == sent, f"{what} read back differs: sent {sent!r}, got {got!r}"


def _error_code(call) -> str:
    with pytest.raises(ClientError) as error:
        call()
    return error.value.response["Error"]["Code"]


# --- s3_lifecycle_roundtrip -------------------------------------------------------------------

SIZE_AND_VERSION_RULES = [
    {"ID": "larger", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 1024}, "Expiration": {"Days": 30}},
    {"ID": "smaller", "Status": "Enabled", "Filter": {"ObjectSizeLessThan": 4096}, "Expiration": {"Days": 60}},
    {"ID": "sized-and-tagged", "Status": "Enabled",
     "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "tier", "Value": "cold"}],
                        "ObjectSizeGreaterThan": 128, "ObjectSizeLessThan": 1048576}},
     "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]},
    {"ID": "keep-newer-versions", "Status": "Enabled", "Filter": {"Prefix": "data/"},
     "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "STANDARD_IA", "NewerNoncurrentVersions": 2}],
     "NoncurrentVersionExpiration": {"NoncurrentDays": 90, "NewerNoncurrentVersions": 5}},
]


def check_lifecycle_roundtrip(s3) -> None:
    bucket = _bucket(s3, "lc")
    put = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": SIZE_AND_VERSION_RULES},
                                                TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    read_back("lifecycle", _read(s3.get_bucket_lifecycle_configuration(Bucket=bucket)), {
        "Rules": SIZE_AND_VERSION_RULES, "TransitionDefaultMinimumObjectSize": "varies_by_storage_class"})
    assert put.get("TransitionDefaultMinimumObjectSize") == "varies_by_storage_class"  # S3 answers it on put too


def test_lifecycle_round_trips_unchanged(aws_client):
    check_lifecycle_roundtrip(aws_client("s3", REGION))


def test_lifecycle_without_patch_loses_fields(localaws_without):
    s3 = client_for(localaws_without("s3_lifecycle_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match="^lifecycle read back differs"):
        check_lifecycle_roundtrip(s3)


def test_lifecycle_keeps_moto_validation_and_default(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _bucket(s3, "lc-rules")
    rules = [{"ID": "one", "Status": "Enabled", "Filter": {"Prefix": "a/"}, "Expiration": {"Days": 1}}]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    # Without the header S3 applies (and answers) its default.
    assert _read(s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == {
        "Rules": rules, "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K"}
    two_filters = [{"ID": "bad", "Status": "Enabled", "Filter": {"Prefix": "a/", "Tag": {"Key": "k", "Value": "v"}},
                    "Expiration": {"Days": 1}}]
    assert _error_code(lambda: s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": two_filters})) == "MalformedXML"
    s3.delete_bucket_lifecycle(Bucket=bucket)
    assert _error_code(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)) == "NoSuchLifecycleConfiguration"


# --- s3_logging_roundtrip ---------------------------------------------------------------------

def _log_target(s3) -> str:
    """A target bucket that grants the log delivery group, as S3 (and moto) require."""
    target = _bucket(s3, "log-target")
    s3.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    return target


def check_logging_roundtrip(s3) -> None:
    source, target = _bucket(s3, "log-source"), _log_target(s3)
    partitioned = {
        "TargetBucket": target,
        "TargetPrefix": "access/",
        "TargetGrants": [
            {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "auditor@example.com"}, "Permission": "READ"},
            {"Grantee": {"Type": "CanonicalUser", "ID": "a1b2c3d4e5f6"}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
             "Permission": "READ"},
        ],
        "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
    }
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": partitioned})
    read_back("logging (partitioned prefix, grants)", _read(s3.get_bucket_logging(Bucket=source)),
              {"LoggingEnabled": partitioned})
    simple = {"TargetBucket": target, "TargetPrefix": "", "TargetObjectKeyFormat": {"SimplePrefix": {}}}
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": simple})
    read_back("logging (simple prefix)", _read(s3.get_bucket_logging(Bucket=source)), {"LoggingEnabled": simple})


def test_logging_round_trips_unchanged(aws_client):
    check_logging_roundtrip(aws_client("s3", REGION))


def test_logging_without_patch_loses_fields(localaws_without):
    s3 = client_for(localaws_without("s3_logging_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match=r"^logging \(partitioned prefix, grants\) read back differs"):
        check_logging_roundtrip(s3)


def test_logging_keeps_target_permission_check_and_can_be_turned_off(aws_client):
    s3 = aws_client("s3", REGION)
    source, ungranted = _bucket(s3, "log-source"), _bucket(s3, "log-ungranted")
    assert _error_code(lambda: s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": ungranted, "TargetPrefix": "x/"}})) == "InvalidTargetBucketForLogging"
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": _log_target(s3), "TargetPrefix": "x/", "TargetObjectKeyFormat": {"SimplePrefix": {}}}})
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={})
    assert _read(s3.get_bucket_logging(Bucket=source)) == {}


# --- s3_notification_roundtrip ----------------------------------------------------------------

def _s3_may_deliver(action: str, arn: str) -> str:
    """The resource policy S3 needs on a notification destination of this account (checked on put, as S3 does)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": action, "Resource": arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]})


def _queue_arn(server) -> str:
    sqs = client_for(server, "sqs", REGION)
    queue_url = sqs.create_queue(QueueName=f"s3-events-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": _s3_may_deliver("sqs:SendMessage", arn)})
    return arn


def _topic_arn(server) -> str:
    sns = client_for(server, "sns", REGION)
    arn = sns.create_topic(Name=f"s3-events-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=_s3_may_deliver("sns:Publish", arn))
    return arn


def check_notification_roundtrip(server) -> None:
    s3 = client_for(server, "s3", REGION)
    bucket = _bucket(s3, "notify")
    event_bridge_only = {"EventBridgeConfiguration": {}}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=event_bridge_only)
    read_back("notification (EventBridge only)", _read(s3.get_bucket_notification_configuration(Bucket=bucket)),
              event_bridge_only)
    # S3 takes filter rule names in any case and answers them capitalized.
    sent_rules = [{"Name": "prefix", "Value": "in/"}, {"Name": "SUFFIX", "Value": ".csv"}]
    queue = {"Id": "queue", "QueueArn": _queue_arn(server), "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": sent_rules}}}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [queue], "EventBridgeConfiguration": {}})
    answered_rules = [{"Name": "Prefix", "Value": "in/"}, {"Name": "Suffix", "Value": ".csv"}]
    read_back("notification (filter rule names)", _read(s3.get_bucket_notification_configuration(Bucket=bucket)), {
        "QueueConfigurations": [{**queue, "Filter": {"Key": {"FilterRules": answered_rules}}}],
        "EventBridgeConfiguration": {}})


def test_notification_round_trips_as_s3_answers(localaws):
    check_notification_roundtrip(localaws)


def test_notification_without_patch_loses_eventbridge_and_rule_names(localaws_without):
    server = localaws_without("s3_notification_roundtrip")
    with pytest.raises(AssertionError, match=r"^notification \(EventBridge only\) read back differs"):
        check_notification_roundtrip(server)
    s3 = client_for(server, "s3", REGION)
    bucket = _bucket(s3, "notify-gap")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    assert _read(s3.get_bucket_notification_configuration(Bucket=bucket)) == {}
    with pytest.raises(ClientError) as error:  # moto's assert on the rule name
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": _queue_arn(server), "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"}]}}}]})
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_notification_filter_still_selects_keys(localaws):
    """moto's key matching still sees the rule names it expects once they were sent capitalized."""
    s3, sqs = client_for(localaws, "s3", REGION), client_for(localaws, "sqs", REGION)
    bucket, queue_arn = _bucket(s3, "notify-match"), _queue_arn(localaws)
    queue_url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"}]}}}]})
    sqs.purge_queue(QueueUrl=queue_url)  # the s3:TestEvent S3 sends on configuration
    s3.put_object(Bucket=bucket, Key="other/skipped.csv", Body=b"x")
    s3.put_object(Bucket=bucket, Key="in/taken.csv", Body=b"x")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    keys = [unquote_plus(record["s3"]["object"]["key"]) for message in messages for record in json.loads(message["Body"])["Records"]]
    assert keys == ["in/taken.csv"]


# --- s3_inventory_roundtrip -------------------------------------------------------------------

def _inventory(config_id: str, destination_bucket: str, encryption: dict) -> dict:
    return {
        "Id": config_id,
        "IsEnabled": True,
        "IncludedObjectVersions": "Current",
        "Filter": {"Prefix": "data/"},
        "OptionalFields": ["Size", "LastModifiedDate", "ETag"],
        "Schedule": {"Frequency": "Weekly"},
        "Destination": {"S3BucketDestination": {"AccountId": ACCOUNT, "Bucket": f"arn:aws:s3:::{destination_bucket}",
                                                "Format": "Parquet", "Prefix": "inventory/", "Encryption": encryption}},
    }


def check_inventory_roundtrip(s3) -> None:
    bucket, reports = _bucket(s3, "inv"), _bucket(s3, "inv-reports")
    sse_s3 = _inventory("sse-s3", reports, {"SSES3": {}})
    sse_kms = _inventory("sse-kms", reports, {"SSEKMS": {"KeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/inventory"}})
    for configuration in (sse_s3, sse_kms):
        s3.put_bucket_inventory_configuration(Bucket=bucket, Id=configuration["Id"], InventoryConfiguration=configuration)
        got = s3.get_bucket_inventory_configuration(Bucket=bucket, Id=configuration["Id"])
        read_back(f"inventory {configuration['Id']}", got["InventoryConfiguration"], configuration)
    listed = s3.list_bucket_inventory_configurations(Bucket=bucket)  # S3 lists by Id
    assert listed["InventoryConfigurationList"] == [sse_kms, sse_s3] and listed["IsTruncated"] is False


def test_inventory_round_trips_unchanged(aws_client):
    check_inventory_roundtrip(aws_client("s3", REGION))


def test_inventory_without_patch_loses_fields(localaws_without):
    s3 = client_for(localaws_without("s3_inventory_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match="^inventory sse-s3 read back differs"):
        check_inventory_roundtrip(s3)


# --- s3_accelerate_roundtrip ------------------------------------------------------------------

def check_accelerate_roundtrip(s3) -> None:
    bucket = _bucket(s3, "accel")
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)  # never set: no state
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Suspended"})
    read_back("accelerate Suspended", _read(s3.get_bucket_accelerate_configuration(Bucket=bucket)), {"Status": "Suspended"})
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
    read_back("accelerate Enabled", _read(s3.get_bucket_accelerate_configuration(Bucket=bucket)), {"Status": "Enabled"})


def test_accelerate_suspended_round_trips(aws_client):
    check_accelerate_roundtrip(aws_client("s3", REGION))


def test_accelerate_without_patch_loses_suspended(localaws_without):
    s3 = client_for(localaws_without("s3_accelerate_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match="^accelerate Suspended read back differs"):
        check_accelerate_roundtrip(s3)


def test_accelerate_keeps_moto_validation(aws_client):
    s3 = aws_client("s3", REGION)
    assert _error_code(lambda: s3.put_bucket_accelerate_configuration(
        Bucket=_bucket(s3, "accel-bad"), AccelerateConfiguration={"Status": "Paused"})) == "MalformedXML"


# --- s3_versioning_roundtrip ------------------------------------------------------------------

def check_versioning_roundtrip(s3) -> None:
    bucket = _bucket(s3, "ver")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    read_back("versioning", _read(s3.get_bucket_versioning(Bucket=bucket)), {"Status": "Enabled"})  # MFA delete never configured
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Disabled"})
    read_back("versioning with MFADelete", _read(s3.get_bucket_versioning(Bucket=bucket)),
              {"Status": "Enabled", "MFADelete": "Disabled"})
    # Once configured, it stays when a later put changes only the status.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert _read(s3.get_bucket_versioning(Bucket=bucket)) == {"Status": "Suspended", "MFADelete": "Disabled"}
    s3.put_bucket_versioning(Bucket=bucket, MFA="arn:aws:iam::123456789012:mfa/root 123456",
                             VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"})
    assert _read(s3.get_bucket_versioning(Bucket=bucket)) == {"Status": "Enabled", "MFADelete": "Enabled"}


def test_versioning_mfa_delete_round_trips(aws_client):
    check_versioning_roundtrip(aws_client("s3", REGION))


def test_versioning_without_patch_loses_mfa_delete(localaws_without):
    s3 = client_for(localaws_without("s3_versioning_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match="^versioning with MFADelete read back differs"):
        check_versioning_roundtrip(s3)


def test_versioning_rejects_unknown_mfa_delete_state(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _bucket(s3, "ver-bad")
    assert _error_code(lambda: s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Maybe"})) == "MalformedXML"
    assert _read(s3.get_bucket_versioning(Bucket=bucket)) == {}  # nothing applied


# --- s3_object_lock_roundtrip -----------------------------------------------------------------

def check_object_lock_roundtrip(s3) -> None:
    bucket = _bucket(s3, "lock", ObjectLockEnabledForBucket=True)
    for retention in ({"Mode": "GOVERNANCE", "Days": 30}, {"Mode": "COMPLIANCE", "Years": 1}):
        sent = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": retention}}
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=sent)
        read_back("object lock default retention", _read(s3.get_object_lock_configuration(Bucket=bucket)),
                  {"ObjectLockConfiguration": sent})


def test_object_lock_round_trips_unchanged(aws_client):
    check_object_lock_roundtrip(aws_client("s3", REGION))


def test_object_lock_without_patch_adds_zero_period(localaws_without):
    s3 = client_for(localaws_without("s3_object_lock_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match="^object lock default retention read back differs"):
        check_object_lock_roundtrip(s3)


def test_object_lock_without_rule_and_missing_configuration(aws_client):
    s3 = aws_client("s3", REGION)
    locked = _bucket(s3, "lock-bare", ObjectLockEnabledForBucket=True)
    assert _read(s3.get_object_lock_configuration(Bucket=locked)) == {
        "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}
    assert _error_code(lambda: s3.get_object_lock_configuration(
        Bucket=_bucket(s3, "lock-none"))) == "ObjectLockConfigurationNotFoundError"


# --- s3_acl_roundtrip -------------------------------------------------------------------------

def _grants(acl: dict) -> list[tuple[str, str]]:
    """(grantee, permission) pairs of a GetBucketAcl answer, the owner shown as "owner"."""
    owner_id = acl["Owner"]["ID"]
    return sorted(("owner" if grant["Grantee"].get("ID") == owner_id else grant["Grantee"].get("URI", grant["Grantee"].get("ID")),
                   grant["Permission"]) for grant in acl["Grants"])


def check_acl_roundtrip(s3) -> None:
    bucket = _bucket(s3, "acl")
    s3.put_bucket_acl(Bucket=bucket, ACL="log-delivery-write")
    read_back("bucket ACL log-delivery-write", _grants(s3.get_bucket_acl(Bucket=bucket)), [
        (LOG_DELIVERY_GROUP, "READ_ACP"), (LOG_DELIVERY_GROUP, "WRITE"), ("owner", "FULL_CONTROL")])
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == [
        (ALL_USERS_GROUP, "READ"), (ALL_USERS_GROUP, "WRITE"), ("owner", "FULL_CONTROL")]
    s3.put_object(Bucket=bucket, Key="shared.txt", Body=b"x",
                  GrantRead=f'uri="{ALL_USERS_GROUP}", uri="{LOG_DELIVERY_GROUP}"')
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="shared.txt")) == [
        (ALL_USERS_GROUP, "READ"), (LOG_DELIVERY_GROUP, "READ")]


def test_acl_answers_every_grant(aws_client):
    check_acl_roundtrip(aws_client("s3", REGION))


def test_acl_without_patch_loses_grants(localaws_without):
    s3 = client_for(localaws_without("s3_acl_roundtrip"), "s3", REGION)
    with pytest.raises(AssertionError, match="^bucket ACL log-delivery-write read back differs"):
        check_acl_roundtrip(s3)


# --- every category on one bucket --------------------------------------------------------------

def _lambda_function_arn(server) -> str:
    """An existing function that lets S3 invoke it, as S3 requires of a Lambda destination."""
    iam, awslambda = client_for(server, "iam", REGION), client_for(server, "lambda", REGION)
    role = iam.create_role(RoleName=f"s3-events-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("app.py", "def handler(event, context):\n    return None\n")
    function_arn = awslambda.create_function(FunctionName=f"s3-events-{uuid.uuid4().hex[:8]}", Runtime="python3.12",
                                             Role=role, Handler="app.handler",
                                             Code={"ZipFile": archive.getvalue()})["FunctionArn"]
    awslambda.add_permission(FunctionName=function_arn, StatementId="s3", Action="lambda:InvokeFunction",
                             Principal="s3.amazonaws.com", SourceAccount=ACCOUNT)
    return function_arn


def test_every_category_round_trips(localaws):
    s3 = client_for(localaws, "s3", REGION)
    bucket = _bucket(s3, "every", ObjectLockEnabledForBucket=True)
    log_target, replica = _bucket(s3, "every-logs"), _bucket(s3, "every-replica")
    s3.put_bucket_versioning(Bucket=replica, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket=log_target, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{log_target}/*"}]}))
    mismatches = {}

    def expect(category: str, got: dict, sent: dict) -> None:
        if _read(got) != sent:
            mismatches[category] = {"sent": sent, "got": _read(got)}

    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
    expect("accelerate", s3.get_bucket_accelerate_configuration(Bucket=bucket), {"Status": "Enabled"})

    ownership = {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}  # ACLs stay enabled
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=ownership)
    expect("ownership-controls", s3.get_bucket_ownership_controls(Bucket=bucket), {"OwnershipControls": ownership})

    # A canned ACL is read back as grants: the owner's full control and the log delivery group's two.
    s3.put_bucket_acl(Bucket=bucket, ACL="log-delivery-write")
    acl = _read(s3.get_bucket_acl(Bucket=bucket))
    assert _grants(acl) == [(LOG_DELIVERY_GROUP, "READ_ACP"), (LOG_DELIVERY_GROUP, "WRITE"), ("owner", "FULL_CONTROL")]
    expect("acl", s3.get_bucket_acl(Bucket=bucket), acl)  # and the same on every read

    analytics = {"Id": "storage-class", "Filter": {"Prefix": "reports/"}, "StorageClassAnalysis": {"DataExport": {
        "OutputSchemaVersion": "V_1", "Destination": {"S3BucketDestination": {
            "Format": "CSV", "BucketAccountId": ACCOUNT, "Bucket": f"arn:aws:s3:::{log_target}", "Prefix": "analytics/"}}}}}
    s3.put_bucket_analytics_configuration(Bucket=bucket, Id="storage-class", AnalyticsConfiguration=analytics)
    expect("analytics", s3.get_bucket_analytics_configuration(Bucket=bucket, Id="storage-class"),
           {"AnalyticsConfiguration": analytics})

    cors = {"CORSRules": [
        {"ID": "app", "AllowedHeaders": ["Authorization", "Content-Type"], "AllowedMethods": ["GET", "PUT"],
         "AllowedOrigins": ["https://app.example.com"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000},
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
    expect("cors", s3.get_bucket_cors(Bucket=bucket), cors)

    # S3 answers BucketKeyEnabled (false when not put), so it is put explicitly.
    encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/bucket-key"}, "BucketKeyEnabled": True}]}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=encryption)
    expect("encryption", s3.get_bucket_encryption(Bucket=bucket), {"ServerSideEncryptionConfiguration": encryption})

    tiering = {"Id": "archive", "Status": "Enabled", "Filter": {"And": {"Prefix": "cold/", "Tags": [{"Key": "age", "Value": "old"}]}},
               "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}, {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"}]}
    s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive", IntelligentTieringConfiguration=tiering)
    expect("intelligent-tiering", s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive"),
           {"IntelligentTieringConfiguration": tiering})

    inventory = _inventory("weekly", log_target, {"SSES3": {}})
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="weekly", InventoryConfiguration=inventory)
    expect("inventory", s3.get_bucket_inventory_configuration(Bucket=bucket, Id="weekly"),
           {"InventoryConfiguration": inventory})

    # S3 generates a rule ID when none is put and answers Date as a UTC timestamp: both given as S3 answers them.
    lifecycle = [
        {"ID": "housekeeping", "Status": "Enabled", "Filter": {}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
        {"ID": "tier-down", "Status": "Enabled", "Filter": {"And": {"Prefix": "data/", "ObjectSizeGreaterThan": 131072}},
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
         "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 1}],
         "NoncurrentVersionExpiration": {"NoncurrentDays": 365, "NewerNoncurrentVersions": 3}},
        {"ID": "scratch", "Status": "Disabled", "Filter": {"Prefix": "tmp/"},
         "Expiration": {"Date": datetime(2030, 1, 1, tzinfo=timezone.utc)}},
    ]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": lifecycle},
                                          TransitionDefaultMinimumObjectSize="all_storage_classes_128K")
    expect("lifecycle", s3.get_bucket_lifecycle_configuration(Bucket=bucket),
           {"Rules": lifecycle, "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K"})

    logging = {"TargetBucket": log_target, "TargetPrefix": "access/",
               "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}}}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": logging})
    expect("logging", s3.get_bucket_logging(Bucket=bucket), {"LoggingEnabled": logging})

    metrics = {"Id": "hot", "Filter": {"AccessPointArn": f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/reports"}}
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="hot", MetricsConfiguration=metrics)
    expect("metrics", s3.get_bucket_metrics_configuration(Bucket=bucket, Id="hot"), {"MetricsConfiguration": metrics})

    # Ids given (S3 generates them otherwise); filter rule names as S3 answers them.
    notification = {
        "TopicConfigurations": [{"Id": "removed", "TopicArn": _topic_arn(localaws),
                                 "Events": ["s3:ObjectRemoved:*"]}],
        "QueueConfigurations": [{"Id": "csv-in", "QueueArn": _queue_arn(localaws), "Events": ["s3:ObjectCreated:Put"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"},
                                                                    {"Name": "Suffix", "Value": ".csv"}]}}}],
        "LambdaFunctionConfigurations": [{"Id": "restore", "LambdaFunctionArn": _lambda_function_arn(localaws),
                                          "Events": ["s3:ObjectRestore:Completed"]}],
        "EventBridgeConfiguration": {},
    }
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=notification)
    expect("notification", s3.get_bucket_notification_configuration(Bucket=bucket), notification)

    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    expect("policy", s3.get_bucket_policy(Bucket=bucket), {"Policy": policy})

    public_access_block = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                           "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=public_access_block)
    expect("public-access-block", s3.get_public_access_block(Bucket=bucket),
           {"PublicAccessBlockConfiguration": public_access_block})

    replication = {"Role": f"arn:aws:iam::{ACCOUNT}:role/replication", "Rules": [{
        "ID": "to-replica", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "data/"},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{replica}", "StorageClass": "STANDARD_IA"}}]}
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=replication)
    expect("replication", s3.get_bucket_replication(Bucket=bucket), {"ReplicationConfiguration": replication})

    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    expect("request-payment", s3.get_bucket_request_payment(Bucket=bucket), {"Payer": "Requester"})

    tags = [{"Key": "dr", "Value": "enabled"}, {"Key": "owner", "Value": "storage-team"}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    expect("tagging", s3.get_bucket_tagging(Bucket=bucket), {"TagSet": tags})

    # Object Lock keeps versioning enabled; MFA delete is answered once configured.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Disabled"})
    expect("versioning", s3.get_bucket_versioning(Bucket=bucket), {"Status": "Enabled", "MFADelete": "Disabled"})

    website = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}, "RoutingRules": [
        {"Condition": {"KeyPrefixEquals": "docs/", "HttpErrorCodeReturnedEquals": "404"},
         "Redirect": {"HostName": "docs.example.com", "HttpRedirectCode": "301", "Protocol": "https",
                      "ReplaceKeyPrefixWith": "current/"}},
        {"Condition": {"KeyPrefixEquals": "old/"}, "Redirect": {"ReplaceKeyWith": "index.html"}}]}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=website)
    expect("website", s3.get_bucket_website(Bucket=bucket), website)

    object_lock = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}}
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=object_lock)
    expect("object-lock", s3.get_object_lock_configuration(Bucket=bucket), {"ObjectLockConfiguration": object_lock})

    assert mismatches == {}
