"""The request recording that tests use to count write calls."""
from __future__ import annotations

import json


def test_recording_classifies_reads_and_writes(localaws, aws_client):
    localaws.start_recording()
    s3, iam, events = aws_client("s3", "eu-west-1"), aws_client("iam"), aws_client("events", "eu-west-1")
    s3.create_bucket(Bucket="recorded-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.get_bucket_location(Bucket="recorded-bucket")
    iam.create_role(RoleName="recorded-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    iam.get_role(RoleName="recorded-role")
    events.put_rule(Name="recorded-rule", ScheduleExpression="rate(1 day)")
    events.describe_rule(Name="recorded-rule")

    calls = localaws.recorded_calls()
    summary = [(call.service, call.operation.split("?")[0] if call.service == "s3" else call.operation, call.is_write)
               for call in calls]
    assert summary == [
        ("s3", "PUT /recorded-bucket", True),
        ("s3", "GET /recorded-bucket", False),
        ("iam", "CreateRole", True),
        ("iam", "GetRole", False),
        ("events", "PutRule", True),
        ("events", "DescribeRule", False),
    ]
    assert calls[0].region == "eu-west-1"


def test_recording_names_the_signing_key_and_sts_tells_its_account(localaws, localaws_without):
    """The recorded access key of a request signed by another account's session (an assumed role of account
    111111111111) is that account's per GetAccessKeyInfo; without patch sts_access_key_info moto answers with
    the caller's own account, as for any key it does not know."""
    from conftest import OTHER_ACCOUNT_ID, client_for, other_account_client

    def account_of_signer(server) -> str:
        server.start_recording()
        other_account_client(server, "s3", "eu-west-1").list_buckets()
        signed = [call.access_key for call in server.recorded_calls() if call.service == "s3"]
        assert len(signed) == 1 and signed[0]
        return client_for(server, "sts").get_access_key_info(AccessKeyId=signed[0])["Account"]

    assert account_of_signer(localaws) == OTHER_ACCOUNT_ID
    assert account_of_signer(localaws_without("sts_access_key_info")) == "123456789012"
