"""The endpoint refuses what S3 refuses: each check passes with its patch, and without the patch the
request that AWS refuses is accepted."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import client_for

REGION = "eu-west-1"
ALL_USERS = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _bucket(s3, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def _refused(call, code: str, status: int) -> dict:
    with pytest.raises(ClientError) as error:
        call()
    response = error.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    return response


def _public_read_policy(bucket: str, **statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
         **statement}]})


# --- s3_block_public_access -------------------------------------------------------------------

def _blocked_bucket(s3) -> str:
    bucket = _bucket(s3, "bpa")
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=BLOCK_ALL)
    return bucket


def test_block_public_policy_refuses_a_public_policy_only(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _blocked_bucket(s3)
    _refused(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=_public_read_policy(bucket)), "AccessDenied", 403)
    _refused(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=_public_read_policy(
        bucket, Principal={"AWS": ["arn:aws:iam::123456789012:root", "*"]})), "AccessDenied", 403)
    _refused(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=_public_read_policy(  # a wildcard fixes nothing
        bucket, Condition={"StringLike": {"aws:SourceVpce": "vpce-*"}})), "AccessDenied", 403)
    # Not public: a fixed principal, a fixed VPC endpoint, or a Deny.
    for policy in (_public_read_policy(bucket, Principal={"AWS": "arn:aws:iam::123456789012:root"}),
                   _public_read_policy(bucket, Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}),
                   _public_read_policy(bucket, Effect="Deny")):
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(policy)


def test_block_public_acls_refuses_public_acls_on_bucket_and_objects(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _blocked_bucket(s3)
    _refused(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"), "AccessDenied", 403)
    _refused(lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead=ALL_USERS), "AccessDenied", 403)
    _refused(lambda: s3.put_object(Bucket=bucket, Key="a", Body=b"x", ACL="authenticated-read"), "AccessDenied", 403)
    _refused(lambda: s3.create_multipart_upload(Bucket=bucket, Key="m", ACL="public-read-write"), "AccessDenied", 403)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x", ACL="private")
    _refused(lambda: s3.put_object_acl(Bucket=bucket, Key="a", ACL="public-read"), "AccessDenied", 403)
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


def test_without_patch_public_policy_and_acl_are_accepted(localaws_without):
    s3 = client_for(localaws_without("s3_block_public_access"), "s3", REGION)
    bucket = _blocked_bucket(s3)
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_read_policy(bucket))
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Principal"] == "*"


# --- s3_bucket_owner_enforced -----------------------------------------------------------------

def _enforced_bucket(s3, prefix: str = "boe") -> str:
    bucket = _bucket(s3, prefix)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    return bucket


def test_bucket_owner_enforced_refuses_acls_but_owner_full_control(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _enforced_bucket(s3)
    refused = "AccessControlListNotSupported"
    _refused(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="log-delivery-write"), refused, 400)
    _refused(lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead='id="a1b2c3d4e5f6"'), refused, 400)
    _refused(lambda: s3.put_object(Bucket=bucket, Key="a", Body=b"x", ACL="authenticated-read"), refused, 400)
    _refused(lambda: s3.create_multipart_upload(Bucket=bucket, Key="m", ACL="aws-exec-read"), refused, 400)
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_object(Bucket=bucket, Key="a", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=bucket, Key="b", Body=b"x")
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    s3.put_object_acl(Bucket=bucket, Key="a", AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}]})
    _refused(lambda: s3.put_object_acl(Bucket=bucket, Key="a", AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "CanonicalUser", "ID": "a1b2c3d4e5f6"}, "Permission": "READ"}]}), refused, 400)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 2


def _policy_log_target(s3) -> str:
    """A BucketOwnerEnforced log target granting the logging service by policy, as S3 documents."""
    target = _enforced_bucket(s3, "boe-logs")
    s3.put_bucket_policy(Bucket=target, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{target}/*"}]}))
    return target


def _logging_with_grants(target: str) -> dict:
    return {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/", "TargetGrants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": "a1b2c3d4e5f6"}, "Permission": "READ"}]}}


def test_logging_target_grants_refused_on_an_enforced_target(aws_client):
    s3 = aws_client("s3", REGION)
    source, target = _bucket(s3, "boe-src"), _policy_log_target(s3)
    _refused(lambda: s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=_logging_with_grants(target)),
             "InvalidArgument", 400)
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": target, "TargetPrefix": "logs/"}})
    assert s3.get_bucket_logging(Bucket=source)["LoggingEnabled"]["TargetBucket"] == target


def test_without_patch_enforced_bucket_takes_acls_and_target_grants(localaws_without):
    s3 = client_for(localaws_without("s3_bucket_owner_enforced"), "s3", REGION)
    bucket = _enforced_bucket(s3)
    s3.put_bucket_acl(Bucket=bucket, ACL="log-delivery-write")
    source, target = _bucket(s3, "boe-src"), _policy_log_target(s3)
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=_logging_with_grants(target))
    assert s3.get_bucket_logging(Bucket=source)["LoggingEnabled"]["TargetGrants"]


# --- s3_default_encryption --------------------------------------------------------------------

SSE_S3 = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]


def _default_encryption(s3, bucket: str) -> list:
    return s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]


def test_every_bucket_has_sse_s3_and_delete_resets_to_it(aws_client):
    s3 = aws_client("s3", REGION)
    bucket = _bucket(s3, "enc")
    assert _default_encryption(s3, bucket) == SSE_S3
    assert s3.put_object(Bucket=bucket, Key="a", Body=b"x")["ServerSideEncryption"] == "AES256"
    kms = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/dr"},
            "BucketKeyEnabled": True}]
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": kms})
    assert _default_encryption(s3, bucket) == kms
    s3.delete_bucket_encryption(Bucket=bucket)
    assert _default_encryption(s3, bucket) == SSE_S3


def test_without_patch_new_bucket_has_no_default_encryption(localaws_without):
    s3 = client_for(localaws_without("s3_default_encryption"), "s3", REGION)
    _refused(lambda: _default_encryption(s3, _bucket(s3, "enc")), "ServerSideEncryptionConfigurationNotFoundError", 404)


# --- s3_notification_destinations -------------------------------------------------------------

def _queue(server, policy_for_bucket: str | None = None) -> str:
    """A queue; with ``policy_for_bucket`` its policy lets S3 send that bucket's events, as S3 documents."""
    sqs = client_for(server, "sqs", REGION)
    url = sqs.create_queue(QueueName=f"events-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if policy_for_bucket:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
             "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{policy_for_bucket}"}}}]})})
    return arn


def _queue_notification(arn: str) -> dict:
    return {"QueueConfigurations": [{"Id": "q", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}


def test_notification_destination_must_exist_and_allow_this_bucket(localaws):
    s3, sns = client_for(localaws, "s3", REGION), client_for(localaws, "sns", REGION)
    bucket, other = _bucket(s3, "notify"), _bucket(s3, "notify-other")
    missing = f"arn:aws:sqs:{REGION}:123456789012:no-such-queue-{uuid.uuid4().hex[:6]}"
    for arn in (missing, _queue(localaws), _queue(localaws, policy_for_bucket=other)):
        response = _refused(lambda arn=arn: s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=_queue_notification(arn)), "InvalidArgument", 400)
        assert response["Error"]["Message"] == "Unable to validate the following destination configurations"
        assert response["Error"]["ArgumentName1"] == arn
    topic = sns.create_topic(Name=f"events-{uuid.uuid4().hex[:8]}")["TopicArn"]  # SNS's default policy: owner only
    _refused(lambda: s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]}]}), "InvalidArgument", 400)
    allowed = _queue(localaws, policy_for_bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_queue_notification(allowed))
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"][0]["QueueArn"] == allowed


def test_notification_lambda_destination_needs_an_s3_permission(localaws):
    s3, lambda_ = client_for(localaws, "s3", REGION), client_for(localaws, "lambda", REGION)
    iam = client_for(localaws, "iam")
    bucket = _bucket(s3, "notify-fn")
    role = iam.create_role(RoleName=f"fn-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    function = lambda_.create_function(FunctionName=f"fn-{uuid.uuid4().hex[:8]}", Runtime="python3.11", Role=role,
                                       Handler="index.handler", Code={"ZipFile": _zip()})["FunctionArn"]
    notification = {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": function, "Events": ["s3:ObjectCreated:*"]}]}
    _refused(lambda: s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=notification),
             "InvalidArgument", 400)
    lambda_.add_permission(FunctionName=function, StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=notification)
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def test_without_patch_any_destination_is_accepted(localaws_without):
    server = localaws_without("s3_notification_destinations")
    s3 = client_for(server, "s3", REGION)
    bucket = _bucket(s3, "notify")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_queue_notification(_queue(server)))
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
