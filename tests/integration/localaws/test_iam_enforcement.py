"""IAM on the local endpoint: a role session may do what its policies allow and nothing else, as on AWS;
the tests' own `testing` keys stay an administrator's. Each gap is shown real without its patch."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import client_for

REGION = "eu-west-1"
ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
# The Session roles are assumed with the tests' keys: their trust policy must name this account, as on AWS.
SESSION_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _statement(actions, resources, effect="Allow", condition=None) -> dict:
    statement = {"Effect": effect, "Action": actions, "Resource": resources}
    return {**statement, "Condition": condition} if condition else statement


class Session:
    """Clients signed with an assumed-role session of a new role holding ``statements``."""

    def __init__(self, server, statements: list[dict], boundary: list[dict] | None = None, path: str = "/"):
        iam = client_for(server, "iam")
        self.role_name = _unique("iam-test")
        boundary_arn = None
        if boundary:
            boundary_arn = iam.create_policy(PolicyName=_unique("boundary"), PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": boundary}))["Policy"]["Arn"]
        role = iam.create_role(RoleName=self.role_name, Path=path, AssumeRolePolicyDocument=SESSION_TRUST,
                               **({"PermissionsBoundary": boundary_arn} if boundary_arn else {}))["Role"]
        self.role_arn = role["Arn"]
        iam.put_role_policy(RoleName=self.role_name, PolicyName="under-test", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
        credentials = client_for(server, "sts").assume_role(RoleArn=self.role_arn, RoleSessionName="test")["Credentials"]
        self.server = server
        self.session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                                     aws_secret_access_key=credentials["SecretAccessKey"],
                                     aws_session_token=credentials["SessionToken"])

    def client(self, service: str, region: str = REGION):
        return self.session.client(service, region_name=region, endpoint_url=self.server.endpoint_url)


def _denied(call, *args, **kwargs) -> dict:
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    return raised.value.response


def _bucket(server, region: str = REGION) -> str:
    name = _unique("iam-bucket")
    client_for(server, "s3", region).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


# --- what a session may do: allow, no allow, explicit deny, boundary cut, aws:ResourceAccount ---

def test_a_session_may_do_what_its_policy_allows_and_nothing_else(localaws):
    bucket = _bucket(localaws)
    session = Session(localaws, [_statement(["s3:GetBucketVersioning"], [f"arn:aws:s3:::{bucket}"])])
    s3 = session.client("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    refused = _denied(s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert (refused["Error"]["Code"], refused["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert "Status" not in client_for(localaws, "s3", REGION).get_bucket_versioning(Bucket=bucket), "nothing written"
    other = _bucket(localaws)
    assert _denied(s3.get_bucket_versioning, Bucket=other)["Error"]["Code"] == "AccessDenied"


def test_the_tests_own_keys_stay_unrestricted(localaws):
    bucket = _bucket(localaws)
    s3 = client_for(localaws, "s3", REGION)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_an_explicit_deny_wins_over_an_allow(localaws):
    bucket = _bucket(localaws)
    session = Session(localaws, [_statement(["s3:*"], ["*"]),
                                 _statement(["s3:PutBucketVersioning"], [f"arn:aws:s3:::{bucket}"], effect="Deny")])
    s3 = session.client("s3")
    s3.get_bucket_versioning(Bucket=bucket)
    assert _denied(s3.put_bucket_versioning, Bucket=bucket,
                   VersioningConfiguration={"Status": "Enabled"})["Error"]["Code"] == "AccessDenied"


def test_a_permissions_boundary_cuts_what_the_identity_policy_allows(localaws):
    bucket = _bucket(localaws)
    session = Session(localaws, [_statement(["s3:GetBucketVersioning", "s3:GetBucketTagging"], ["*"])],
                      boundary=[_statement(["s3:GetBucketVersioning"], ["*"])])
    s3 = session.client("s3")
    s3.get_bucket_versioning(Bucket=bucket)
    assert _denied(s3.get_bucket_tagging, Bucket=bucket)["Error"]["Code"] == "AccessDenied"


def test_aws_resource_account_is_the_bucket_owner(localaws):
    bucket = _bucket(localaws)
    own = Session(localaws, [_statement(["s3:GetBucketVersioning"], ["arn:aws:s3:::*"],
                                        condition={"StringEquals": {"aws:ResourceAccount": ACCOUNT}})])
    own.client("s3").get_bucket_versioning(Bucket=bucket)
    foreign = Session(localaws, [_statement(["s3:GetBucketVersioning"], ["arn:aws:s3:::*"],
                                            condition={"StringEquals": {"aws:ResourceAccount": "210987654321"}})])
    assert _denied(foreign.client("s3").get_bucket_versioning, Bucket=bucket)["Error"]["Code"] == "AccessDenied"


def test_a_condition_on_a_key_the_endpoint_cannot_compute_never_allows(localaws):
    bucket = _bucket(localaws)
    session = Session(localaws, [_statement(["s3:GetBucketVersioning"], ["*"],
                                            condition={"StringEquals": {"aws:SourceVpce": "vpce-1234"}})])
    assert _denied(session.client("s3").get_bucket_versioning, Bucket=bucket)["Error"]["Code"] == "AccessDenied"


# --- S3 operations checked as the IAM actions AWS checks ---

def test_s3_operations_are_checked_as_their_iam_actions(localaws):
    bucket = _bucket(localaws)
    admin = client_for(localaws, "s3", REGION)
    admin.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    session = Session(localaws, [_statement(["s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
                                             "s3:GetLifecycleConfiguration", "s3:ListBucket"],
                                            [f"arn:aws:s3:::{bucket}"])])
    s3 = session.client("s3")
    s3.head_bucket(Bucket=bucket)  # s3:ListBucket
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["a.txt"]
    # Every bucket has default encryption (SSE-S3), so reading it succeeds; the others answer not-found.
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    for call in (s3.get_bucket_replication, s3.get_bucket_lifecycle_configuration):
        with pytest.raises(ClientError) as raised:
            call(Bucket=bucket)
        assert raised.value.response["Error"]["Code"] != "AccessDenied", call  # allowed: a not-found error
    assert _denied(s3.get_bucket_tagging, Bucket=bucket)["Error"]["Code"] == "AccessDenied"
    assert _denied(s3.put_bucket_encryption, Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})["Error"]["Code"] == "AccessDenied"


def test_copy_object_needs_read_on_the_source_and_write_on_the_destination(localaws):
    source, destination = _bucket(localaws), _bucket(localaws)
    client_for(localaws, "s3", REGION).put_object(Bucket=source, Key="k", Body=b"data")
    write_only = Session(localaws, [_statement(["s3:PutObject"], [f"arn:aws:s3:::{destination}/*"])])
    assert _denied(write_only.client("s3").copy_object, Bucket=destination, Key="k",
                   CopySource={"Bucket": source, "Key": "k"})["Error"]["Code"] == "AccessDenied"
    both = Session(localaws, [_statement(["s3:PutObject"], [f"arn:aws:s3:::{destination}/*"]),
                              _statement(["s3:GetObject"], [f"arn:aws:s3:::{source}/*"])])
    both.client("s3").copy_object(Bucket=destination, Key="k", CopySource={"Bucket": source, "Key": "k"})
    assert client_for(localaws, "s3", REGION).get_object(Bucket=destination, Key="k")["Body"].read() == b"data"


def test_put_bucket_replication_passes_its_role_to_s3_only(localaws):
    bucket = _bucket(localaws)
    admin = client_for(localaws, "s3", REGION)
    admin.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    role = f"arn:aws:iam::{ACCOUNT}:role/service-role/s3-crr-{uuid.uuid4().hex[:6]}"
    config = {"Role": role, "Rules": [{"ID": "dr", "Priority": 1, "Status": "Enabled", "Filter": {},
                                       "DeleteMarkerReplication": {"Status": "Disabled"},
                                       "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]}
    replicate = _statement(["s3:PutReplicationConfiguration"], [f"arn:aws:s3:::{bucket}"])
    no_pass = Session(localaws, [replicate])
    assert _denied(no_pass.client("s3").put_bucket_replication, Bucket=bucket,
                   ReplicationConfiguration=config)["Error"]["Code"] == "AccessDenied"
    to_lambda = Session(localaws, [replicate, _statement(["iam:PassRole"], [role], condition={
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})])
    assert _denied(to_lambda.client("s3").put_bucket_replication, Bucket=bucket,
                   ReplicationConfiguration=config)["Error"]["Code"] == "AccessDenied"
    to_s3 = Session(localaws, [replicate, _statement(["iam:PassRole"], [role], condition={
        "StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}})])
    to_s3.client("s3").put_bucket_replication(Bucket=bucket, ReplicationConfiguration=config)


# --- other services: resources, request keys, error shapes ---

def test_other_services_check_the_named_resource_and_answer_their_protocol_s_error(localaws):
    admin_sns, admin_sqs = client_for(localaws, "sns", REGION), client_for(localaws, "sqs", REGION)
    topic, other_topic = (admin_sns.create_topic(Name=_unique(name))["TopicArn"] for name in ("iam-topic", "iam-other"))
    queue_url = admin_sqs.create_queue(QueueName=_unique("iam-queue"))["QueueUrl"]
    table = _unique("iam-table")
    dynamodb_admin = client_for(localaws, "dynamodb", REGION)
    dynamodb_admin.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    session = Session(localaws, [_statement(["sns:Publish"], [topic])])
    session.client("sns").publish(TopicArn=topic, Message="allowed")

    sns_refusal = _denied(session.client("sns").publish, TopicArn=other_topic, Message="refused")
    assert (sns_refusal["Error"]["Code"], sns_refusal["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert f"sns:Publish on resource: {other_topic}" in sns_refusal["Error"]["Message"]
    sqs_refusal = _denied(session.client("sqs").send_message, QueueUrl=queue_url, MessageBody="refused")
    assert (sqs_refusal["Error"]["Code"], sqs_refusal["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    iam_refusal = _denied(session.client("iam").create_role, RoleName=_unique("escalate"), AssumeRolePolicyDocument=TRUST)
    assert (iam_refusal["Error"]["Code"], iam_refusal["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    dynamodb_refusal = _denied(session.client("dynamodb").put_item, TableName=table, Item={"k": {"S": "x"}})
    assert dynamodb_refusal["Error"]["Code"] == "AccessDeniedException"
    assert f"table/{table}" in dynamodb_refusal["Error"]["Message"]
    kms_refusal = _denied(session.client("kms").create_key)
    assert kms_refusal["Error"]["Code"] == "AccessDeniedException"


def test_iam_permissions_boundary_condition_on_role_creation(localaws):
    boundary = client_for(localaws, "iam").create_policy(PolicyName=_unique("dr-boundary"), PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [_statement(["s3:GetObject"], ["*"])]}))["Policy"]["Arn"]
    session = Session(localaws, [_statement(["iam:CreateRole", "iam:PutRolePolicy"],
                                            [f"arn:aws:iam::{ACCOUNT}:role/service-role/s3-crr-*"],
                                            condition={"StringEquals": {"iam:PermissionsBoundary": boundary}})])
    iam = session.client("iam")
    unbounded = f"s3-crr-{uuid.uuid4().hex[:6]}"
    assert _denied(iam.create_role, RoleName=unbounded, Path="/service-role/",
                   AssumeRolePolicyDocument=TRUST)["Error"]["Code"] == "AccessDenied"
    bounded = f"s3-crr-{uuid.uuid4().hex[:6]}"
    iam.create_role(RoleName=bounded, Path="/service-role/", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=boundary)
    iam.put_role_policy(RoleName=bounded, PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [_statement(["s3:GetObject"], ["*"])]}))
    assert _denied(iam.create_role, RoleName=f"other-{uuid.uuid4().hex[:6]}", Path="/service-role/",
                   AssumeRolePolicyDocument=TRUST, PermissionsBoundary=boundary)["Error"]["Code"] == "AccessDenied"
    # An existing role without the boundary: its policy cannot be written (the key is the role's boundary).
    client_for(localaws, "iam").create_role(RoleName=unbounded, Path="/service-role/", AssumeRolePolicyDocument=TRUST)
    assert _denied(iam.put_role_policy, RoleName=unbounded, PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [_statement(["s3:*"], ["*"])]}))["Error"]["Code"] == "AccessDenied"


def test_kms_encryption_context_condition(localaws):
    key = client_for(localaws, "kms", REGION).create_key()["KeyMetadata"]["Arn"]
    session = Session(localaws, [_statement(["kms:Encrypt"], [key], condition={
        "StringEquals": {"kms:EncryptionContext:purpose": "dr"}})])
    kms = session.client("kms")
    kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"purpose": "dr"})
    assert _denied(kms.encrypt, KeyId=key, Plaintext=b"x",
                   EncryptionContext={"purpose": "other"})["Error"]["Code"] == "AccessDeniedException"
    assert _denied(kms.encrypt, KeyId=key, Plaintext=b"x")["Error"]["Code"] == "AccessDeniedException"


# --- Lambda functions run as their execution role ---

FUNCTION = '''
import json, os
import boto3

def handler(event, context):
    identity = boto3.client("sts").get_caller_identity()["Arn"]
    try:
        boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key="written", Body=b"x")
        written = "yes"
    except Exception as error:
        written = str(error)
    return {"identity": identity, "written": written}
'''


def _function_result(server, statements: list[dict], bucket: str) -> dict:
    import io
    import zipfile

    iam = client_for(server, "iam")
    role_name = _unique("fn-role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=role_name, PolicyName="fn", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", FUNCTION)
    lambda_client = client_for(server, "lambda", REGION)
    name = _unique("fn")
    lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                  Code={"ZipFile": code.getvalue()}, Environment={"Variables": {"BUCKET": bucket}})
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read()) | {"role": role_name, "function": name}


def test_a_function_runs_as_its_execution_role_and_gets_only_what_it_allows(localaws):
    bucket = _bucket(localaws)
    allowed = _function_result(localaws, [_statement(["s3:PutObject"], [f"arn:aws:s3:::{bucket}/*"])], bucket)
    assert allowed["identity"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{allowed['role']}/{allowed['function']}"
    assert allowed["written"] == "yes"
    refused = _function_result(localaws, [], bucket)
    assert "AccessDenied" in refused["written"] and "s3:PutObject" in refused["written"], refused


# --- each gap is real without its patch ---

def test_without_enforcement_a_session_may_do_anything(localaws_without):
    server = localaws_without("iam_session_enforcement")
    bucket = _bucket(server)
    session = Session(server, [_statement(["s3:GetBucketVersioning"], [f"arn:aws:s3:::{bucket}"])])
    session.client("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert client_for(server, "s3", REGION).get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_without_statement_matching_not_resource_allows_everything(localaws, localaws_without):
    statements = [{"Effect": "Allow", "Action": "s3:GetBucketVersioning", "NotResource": "arn:aws:s3:::iam-bucket-*"}]
    bucket = _bucket(localaws)
    assert _denied(Session(localaws, statements).client("s3").get_bucket_versioning,
                   Bucket=bucket)["Error"]["Code"] == "AccessDenied"
    server = localaws_without("iam_policy_statements")
    Session(server, statements).client("s3").get_bucket_versioning(Bucket=_bucket(server))


def test_without_conditions_a_foreign_resource_account_condition_passes(localaws_without):
    server = localaws_without("iam_policy_conditions")
    bucket = _bucket(server)
    Session(server, [_statement(["s3:GetBucketVersioning"], ["arn:aws:s3:::*"], condition={
        "StringEquals": {"aws:ResourceAccount": "210987654321"}})]).client("s3").get_bucket_versioning(Bucket=bucket)


def test_without_boundaries_the_boundary_is_ignored(localaws_without):
    server = localaws_without("iam_permissions_boundary")
    bucket = _bucket(server)
    session = Session(server, [_statement(["s3:GetBucketTagging"], ["*"])],
                      boundary=[_statement(["s3:GetBucketVersioning"], ["*"])])
    with pytest.raises(ClientError) as raised:
        session.client("s3").get_bucket_tagging(Bucket=bucket)
    assert raised.value.response["Error"]["Code"] == "NoSuchTagSet"  # allowed through, then not found


def test_without_request_resources_a_policy_naming_the_topic_never_allows(localaws_without):
    server = localaws_without("iam_request_resources")
    topic = client_for(server, "sns", REGION).create_topic(Name=_unique("iam-topic"))["TopicArn"]
    session = Session(server, [_statement(["sns:Publish"], [topic])])
    assert _denied(session.client("sns").publish, TopicArn=topic, Message="m")["Error"]["Code"] == "AccessDenied"


def test_without_error_shapes_a_json_service_refusal_has_no_readable_code(localaws_without):
    server = localaws_without("iam_access_denied_errors")
    table = _unique("iam-table")
    client_for(server, "dynamodb", REGION).create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    session = Session(server, [_statement(["sns:Publish"], ["*"])])
    refusal = _denied(session.client("dynamodb").put_item, TableName=table, Item={"k": {"S": "x"}})
    assert refusal["Error"]["Code"] != "AccessDeniedException"


def test_without_s3_action_names_copy_object_never_checks_the_source(localaws_without):
    server = localaws_without("s3_iam_action_names")
    source, destination = _bucket(server), _bucket(server)
    client_for(server, "s3", REGION).put_object(Bucket=source, Key="k", Body=b"data")
    write_only = Session(server, [_statement(["s3:PutObject"], [f"arn:aws:s3:::{destination}/*"])])
    write_only.client("s3").copy_object(Bucket=destination, Key="k", CopySource={"Bucket": source, "Key": "k"})
    replication_reader = Session(server, [_statement(["s3:GetReplicationConfiguration"], [f"arn:aws:s3:::{source}"])])
    assert _denied(replication_reader.client("s3").get_bucket_replication, Bucket=source)["Error"]["Code"] == "AccessDenied"
