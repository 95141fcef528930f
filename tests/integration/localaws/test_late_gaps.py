"""Gaps found while building the pipeline: each check passes with its patch and fails without it."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import client_for, wait_for


def check_inventory_delete_keeps_the_bucket(server) -> None:
    s3 = client_for(server, "s3", "eu-west-1")
    bucket = f"inv-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="weekly", InventoryConfiguration={
        "Id": "weekly", "IsEnabled": True, "IncludedObjectVersions": "All", "Schedule": {"Frequency": "Weekly"},
        "Destination": {"S3BucketDestination": {"Bucket": f"arn:aws:s3:::{bucket}", "Format": "CSV"}}})
    s3.delete_bucket_inventory_configuration(Bucket=bucket, Id="weekly")
    assert s3.head_bucket(Bucket=bucket)
    assert s3.list_bucket_inventory_configurations(Bucket=bucket).get("InventoryConfigurationList", []) == []
    with pytest.raises(ClientError) as error:
        s3.delete_bucket_inventory_configuration(Bucket=bucket, Id="weekly")
    assert error.value.response["Error"]["Code"] == "NoSuchConfiguration"


def test_inventory_delete_deletes_only_the_configuration(localaws):
    check_inventory_delete_keeps_the_bucket(localaws)


def test_without_patch_inventory_delete_deletes_the_bucket(localaws_without):
    with pytest.raises(ClientError, match=r"\(404\) when calling the HeadBucket operation"):
        check_inventory_delete_keeps_the_bucket(localaws_without("s3_inventory_delete"))


def check_schedule_rule_ignores_events(server) -> None:
    events, sqs = client_for(server, "events", "eu-west-1"), client_for(server, "sqs", "eu-west-1")
    queue_url = sqs.create_queue(QueueName=f"sched-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"nightly-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, ScheduleExpression="rate(1 day)")
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": queue_arn}])
    # A pattern rule for the same event proves the event was delivered before the schedule rule's queue is checked.
    marker_url = sqs.create_queue(QueueName=f"sched-marker-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    marker_arn = sqs.get_queue_attributes(QueueUrl=marker_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"{rule}-marker", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule=f"{rule}-marker", Targets=[{"Id": "q", "Arn": marker_arn}])
    events.put_events(Entries=[{"Source": "my.app", "DetailType": "thing", "Detail": json.dumps({"a": 1})}])
    wait_for(lambda: sqs.receive_message(QueueUrl=marker_url, WaitTimeSeconds=1).get("Messages"),
             "the event to reach the pattern rule's queue", interval=0)
    delivered = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0).get("Messages", [])
    assert delivered == [], f"the schedule rule's queue received {len(delivered)} event(s)"


def test_schedule_rule_receives_no_put_events(localaws):
    check_schedule_rule_ignores_events(localaws)


def test_without_patch_schedule_rule_receives_every_event(localaws_without):
    with pytest.raises(AssertionError, match=r"^the schedule rule's queue received 1 event\(s\)"):
        check_schedule_rule_ignores_events(localaws_without("events_schedule_rules"))


def _policy_bucket(server, statements: list[dict]) -> tuple:
    s3 = client_for(server, "s3", "eu-west-1")
    bucket = f"pol-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {**statement, "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]} for statement in statements]}))
    return s3, bucket


def _denied(call) -> bool:
    try:
        call()
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403, error.response
        return True
    return False


def plain_http(client):
    """The same client, its requests marked as sent over plain HTTP (aws:SecureTransport false)."""
    client.meta.events.register("before-sign.s3.*", lambda request, **_: request.headers.add_header(
        "x-localaws-transport", "http"))
    return client


# Bucket policies from "Bucket policy examples" (S3 User Guide): (statement, would our SDK writes be denied)
DENY_INSECURE_TRANSPORT = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def check_tls_only_policy_allows_sdk_writes(server) -> None:
    s3, bucket = _policy_bucket(server, [DENY_INSECURE_TRANSPORT])
    s3.put_object(Bucket=bucket, Key="open/a.txt", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {**DENY_INSECURE_TRANSPORT, "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]},
        {"Sid": "NoWritesToLocked", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/locked/*"}]}))
    s3.put_object(Bucket=bucket, Key="open/b.txt", Body=b"x")
    assert _denied(lambda: s3.put_object(Bucket=bucket, Key="locked/a.txt", Body=b"x")), "the unconditional Deny holds"
    insecure = plain_http(client_for(server, "s3", "eu-west-1"))
    assert _denied(lambda: insecure.put_object(Bucket=bucket, Key="open/c.txt", Body=b"x")), "plain HTTP is denied"


def test_tls_only_policy_allows_sdk_writes_and_denies_plain_http(localaws):
    check_tls_only_policy_allows_sdk_writes(localaws)


def test_without_patch_tls_only_policy_denies_every_write(localaws_without):
    with pytest.raises(ClientError):
        check_tls_only_policy_allows_sdk_writes(localaws_without("s3_bucket_policy_conditions"))


ROOT = "arn:aws:iam::123456789012:root"
CONDITIONAL_DENIES = [
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                  "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}},
                 {}, True, id="deny-put-without-sse-header"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                  "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}},
                 {"ServerSideEncryption": "AES256"}, False, id="put-with-the-sse-header"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                  "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}},
                 {}, True, id="deny-put-when-sse-header-null"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Condition": {
        "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id":
                            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}},
                 {}, True, id="deny-put-without-the-kms-key-header"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                  "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/app-*"]}}},
                 {}, True, id="deny-unless-principal-in-list"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                  "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/app-*", ROOT]}}},
                 {}, False, id="principal-in-list"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                  "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
                 {}, True, id="deny-outside-organization-no-org-known"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                  "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
                 {}, True, id="deny-unless-through-vpc-endpoint"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                  "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
                 {}, False, id="deny-through-vpc-endpoint-absent-key"),
    pytest.param({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                  "Condition": {"StringEquals": {"s3:RequestObjectTag/classification": "secret"}}},
                 {}, False, id="unknown-key-is-absent"),
    pytest.param({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:*"},
                 {}, False, id="deny-names-another-account"),
    pytest.param({"Effect": "Deny", "Principal": {"AWS": "123456789012"}, "Action": "s3:PutObject"},
                 {}, True, id="deny-names-this-account"),
]


@pytest.mark.parametrize(("statement", "put_arguments", "denied"), CONDITIONAL_DENIES)
def test_conditional_bucket_policy_statements_are_evaluated_for_the_request(localaws, statement, put_arguments, denied):
    s3, bucket = _policy_bucket(localaws, [statement])
    assert _denied(lambda: s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x", **put_arguments)) is denied


def check_retention_changes_on_a_bucket_with_objects(server) -> None:
    s3 = client_for(server, "s3", "eu-west-1")
    bucket = f"lock-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
                     ObjectLockEnabledForBucket=True)
    s3.put_object(Bucket=bucket, Key="replica.txt", Body=b"x", ChecksumAlgorithm="SHA256")
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 7}}})
    rule = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]
    assert rule["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 7}


def test_object_lock_retention_changes_with_objects_present(localaws):
    check_retention_changes_on_a_bucket_with_objects(localaws)


def test_without_patch_object_lock_needs_an_empty_bucket(localaws_without):
    with pytest.raises(ClientError):
        check_retention_changes_on_a_bucket_with_objects(localaws_without("s3_object_lock_existing_objects"))


def check_table_has_a_stable_id(server) -> None:
    dynamodb = client_for(server, "dynamodb", "eu-west-1")
    name = f"ids-{uuid.uuid4().hex[:8]}"
    created = dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                                    KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])["TableDescription"]
    described = dynamodb.describe_table(TableName=name)["Table"]
    assert uuid.UUID(created["TableId"]) == uuid.UUID(described["TableId"])


def test_table_id_is_returned_and_stable(localaws):
    check_table_has_a_stable_id(localaws)


def test_without_patch_table_has_no_id(localaws_without):
    with pytest.raises(KeyError):
        check_table_has_a_stable_id(localaws_without("dynamodb_table_id"))


def make_trail(server, region: str, multi_region: bool = False) -> dict:
    name = f"trail-{uuid.uuid4().hex[:8]}"
    client_for(server, "s3", "us-east-1").create_bucket(Bucket=f"{name}-logs")
    cloudtrail = client_for(server, "cloudtrail", region)
    return cloudtrail.create_trail(Name=name, S3BucketName=f"{name}-logs", IsMultiRegionTrail=multi_region)


def check_describe_trails_answers_only_the_named(server) -> None:
    mine, other = make_trail(server, "eu-west-3"), make_trail(server, "eu-west-3")
    cloudtrail = client_for(server, "cloudtrail", "eu-west-3")
    for name_or_arn in (mine["Name"], mine["TrailARN"]):
        answered = [trail["Name"] for trail in cloudtrail.describe_trails(trailNameList=[name_or_arn])["trailList"]]
        assert answered == [mine["Name"]], f"describe_trails named {name_or_arn} answered {answered}"
    assert {mine["Name"], other["Name"]} <= {trail["Name"] for trail in cloudtrail.describe_trails()["trailList"]}


def test_describe_trails_answers_only_the_named_trails(localaws):
    check_describe_trails_answers_only_the_named(localaws)


def test_without_patch_describe_trails_answers_every_trail(localaws_without):
    with pytest.raises(AssertionError, match="^describe_trails named .* answered "):
        check_describe_trails_answers_only_the_named(localaws_without("cloudtrail_trail_name_list"))


def check_delete_trail_by_arn(server) -> None:
    trail = make_trail(server, "eu-west-3")
    cloudtrail = client_for(server, "cloudtrail", "eu-west-3")
    cloudtrail.delete_trail(Name=trail["TrailARN"])
    assert trail["Name"] not in [listed["Name"] for listed in cloudtrail.list_trails()["Trails"]], \
        f"trail {trail['Name']} is still listed after DeleteTrail by its ARN"
    with pytest.raises(ClientError) as error:
        cloudtrail.delete_trail(Name=trail["TrailARN"])
    assert error.value.response["Error"]["Code"] == "TrailNotFoundException"


def test_delete_trail_by_arn_deletes_it(localaws):
    check_delete_trail_by_arn(localaws)


def test_without_patch_delete_trail_by_arn_keeps_the_trail(localaws_without):
    with pytest.raises(AssertionError, match="is still listed after DeleteTrail by its ARN"):
        check_delete_trail_by_arn(localaws_without("cloudtrail_delete_by_arn"))


def check_stack_bucket_carries_the_stack_tags(server) -> None:
    cloudformation, s3 = client_for(server, "cloudformation", "eu-west-1"), client_for(server, "s3", "eu-west-1")
    stack, bucket = f"stack-{uuid.uuid4().hex[:8]}", f"cfn-{uuid.uuid4().hex[:10]}"
    stack_id = cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps({"Resources": {"Data": {
        "Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket, "Tags": [{"Key": "team", "Value": "a"}]}}}}))[
        "StackId"]
    tags = {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags == {"team": "a", "aws:cloudformation:stack-name": stack, "aws:cloudformation:stack-id": stack_id,
                    "aws:cloudformation:logical-id": "Data"}, f"the stack's bucket is tagged {tags}"


def test_a_stack_bucket_carries_the_stack_tags(localaws):
    check_stack_bucket_carries_the_stack_tags(localaws)


def test_without_patch_a_stack_bucket_has_only_its_template_tags(localaws_without):
    with pytest.raises(AssertionError, match=r"^the stack's bucket is tagged \{'team': 'a'\}"):
        check_stack_bucket_carries_the_stack_tags(localaws_without("cloudformation_stack_tags"))
