"""Bucket and key policies naming an IAM role or user that does not exist are refused, as on AWS
(patches/policy_principals_exist.py): S3 answers MalformedPolicy "Invalid principal in policy", KMS
MalformedPolicyDocumentException; accounts, "*", services, sessions and existing roles and users are accepted."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import OTHER_ACCOUNT_ID, client_for, other_account_client

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PATCH = "policy_principals_exist"
LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _bucket(server) -> str:
    name = _name("principals")
    client_for(server, "s3", REGION).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def _role(server, path: str = "/") -> str:
    return client_for(server, "iam").create_role(RoleName=_name("role"), Path=path,
                                                 AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]


def _user(server) -> str:
    return client_for(server, "iam").create_user(UserName=_name("user"))["User"]["Arn"]


def _bucket_policy(bucket: str, principal, element: str = "Principal", effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, element: principal, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def _key_policy(principal) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Administration", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Use", "Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*"}]})


def _error(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


def _stored_bucket_policy(s3, bucket: str) -> dict | None:
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchBucketPolicy"
        return None


def _missing_role() -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{_name('no-such-role')}"


# --- S3 PutBucketPolicy ---------------------------------------------------------------------------

@pytest.mark.parametrize("principal, element", [
    pytest.param(lambda _server: {"AWS": _missing_role()}, "Principal", id="missing-role"),
    pytest.param(lambda _server: {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{_name('no-such-user')}"}, "Principal",
                 id="missing-user"),
    pytest.param(lambda server: {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", _role(server), _missing_role()]}, "Principal",
                 id="one-missing-among-valid"),
    pytest.param(lambda server: {"AWS": _role(server, "/service-role/").replace("/service-role/", "/")}, "Principal",
                 id="role-at-another-path"),
    pytest.param(lambda _server: {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app-*"}, "Principal", id="wildcard-role-arn"),
    pytest.param(lambda _server: {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/{_name('theirs')}"}, "Principal",
                 id="missing-role-of-another-account"),
    pytest.param(lambda _server: {"AWS": _missing_role()}, "NotPrincipal", id="not-principal"),
])
def test_a_bucket_policy_naming_a_missing_role_or_user_is_refused_and_not_stored(localaws, principal, element):
    s3, bucket = client_for(localaws, "s3", REGION), _bucket(localaws)
    refused = _error(lambda: s3.put_bucket_policy(
        Bucket=bucket, Policy=_bucket_policy(bucket, principal(localaws), element, "Deny")))
    assert (refused["Error"]["Code"], refused["Error"]["Message"], refused["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("MalformedPolicy", "Invalid principal in policy", 400)
    assert _stored_bucket_policy(s3, bucket) is None


def test_a_refused_bucket_policy_leaves_the_stored_one_as_it_was(localaws):
    s3, bucket = client_for(localaws, "s3", REGION), _bucket(localaws)
    kept = _bucket_policy(bucket, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    s3.put_bucket_policy(Bucket=bucket, Policy=kept)
    assert _error(lambda: s3.put_bucket_policy(
        Bucket=bucket, Policy=_bucket_policy(bucket, {"AWS": _missing_role()})))["Error"]["Code"] == "MalformedPolicy"
    assert _stored_bucket_policy(s3, bucket) == json.loads(kept)


def test_a_missing_bucket_is_reported_before_the_principals(localaws):
    s3 = client_for(localaws, "s3", REGION)
    bucket = _name("no-such-bucket")
    refused = _error(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=_bucket_policy(bucket, {"AWS": _missing_role()})))
    assert refused["Error"]["Code"] == "NoSuchBucket"


@pytest.mark.parametrize("principal", [
    pytest.param(lambda server: {"AWS": _role(server)}, id="existing-role"),
    pytest.param(lambda server: {"AWS": _role(server, "/service-role/")}, id="existing-role-with-path"),
    pytest.param(lambda server: {"AWS": _user(server)}, id="existing-user"),
    pytest.param(lambda server: {"AWS": other_account_client(server, "iam").create_role(
        RoleName=_name("theirs"), AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]},
        id="existing-role-of-another-account"),
    pytest.param(lambda _server: {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, id="account-root"),
    pytest.param(lambda _server: {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root"}, id="another-account-root"),
    pytest.param(lambda _server: {"AWS": OTHER_ACCOUNT_ID}, id="account-id"),
    pytest.param(lambda _server: {"AWS": "*"}, id="aws-wildcard"),
    pytest.param(lambda _server: "*", id="wildcard"),
    pytest.param(lambda _server: {"Service": "cloudtrail.amazonaws.com"}, id="service"),
    pytest.param(lambda _server: {"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/{_name('gone')}/session"},
                 id="assumed-role-session"),
])
def test_a_bucket_policy_naming_existing_principals_is_stored(localaws, principal):
    s3, bucket = client_for(localaws, "s3", REGION), _bucket(localaws)
    policy = _bucket_policy(bucket, principal(localaws), effect="Deny")  # Deny: "*" is not public then
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert _stored_bucket_policy(s3, bucket) == json.loads(policy)


def test_a_role_may_be_named_once_it_exists_and_the_account_before(localaws):
    """What the product does for a replication role another account makes later: name the account root with
    aws:PrincipalArn first; the role ARN itself only once the role exists."""
    s3, iam, bucket = client_for(localaws, "s3", REGION), client_for(localaws, "iam"), _bucket(localaws)
    name = _name("later")
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    by_account = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*", "Condition": {"ArnEquals": {"aws:PrincipalArn": arn}}}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=by_account)
    assert _error(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=_bucket_policy(bucket, {"AWS": arn})))[
        "Error"]["Code"] == "MalformedPolicy"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)
    s3.put_bucket_policy(Bucket=bucket, Policy=_bucket_policy(bucket, {"AWS": arn}))
    assert _stored_bucket_policy(s3, bucket) == json.loads(_bucket_policy(bucket, {"AWS": arn}))


# --- KMS CreateKey / PutKeyPolicy -----------------------------------------------------------------

def _assert_invalid_principals(refused: dict) -> None:
    assert (refused["Error"]["Code"], refused["Error"]["Message"], refused["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals.", 400)


def _keys_described(kms, description: str) -> list[str]:
    return [key["KeyId"] for key in kms.list_keys()["Keys"]
            if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"].get("Description") == description]


def test_create_key_with_a_policy_naming_a_missing_role_is_refused_and_makes_no_key(localaws):
    kms, description = client_for(localaws, "kms", REGION), _name("refused-key")
    _assert_invalid_principals(_error(lambda: kms.create_key(
        Description=description, Policy=_key_policy({"AWS": _missing_role()}))))
    assert _keys_described(kms, description) == []


def test_create_key_with_existing_principals_is_made(localaws):
    kms, description = client_for(localaws, "kms", REGION), _name("made-key")
    policy = _key_policy({"AWS": [_role(localaws), _user(localaws), OTHER_ACCOUNT_ID], "Service": "sns.amazonaws.com"})
    key_id = kms.create_key(Description=description, Policy=policy)["KeyMetadata"]["KeyId"]
    assert json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]) == json.loads(policy)


def test_put_key_policy_naming_a_missing_role_is_refused_and_the_stored_policy_kept(localaws):
    kms = client_for(localaws, "kms", REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    stored = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    for principal in ({"AWS": _missing_role()}, {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{_name('no-such-user')}"}):
        _assert_invalid_principals(_error(lambda principal=principal: kms.put_key_policy(
            KeyId=key_id, PolicyName="default", Policy=_key_policy(principal))))
    assert kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"] == stored
    existing = _key_policy({"AWS": _role(localaws)})
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=existing)
    assert json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]) == json.loads(existing)


# --- the gap is real ------------------------------------------------------------------------------

def test_without_the_patch_policies_naming_missing_roles_are_stored(localaws_without):
    server = localaws_without(PATCH)
    s3, kms, bucket = client_for(server, "s3", REGION), client_for(server, "kms", REGION), _bucket(server)
    bucket_policy = _bucket_policy(bucket, {"AWS": _missing_role()})
    s3.put_bucket_policy(Bucket=bucket, Policy=bucket_policy)
    assert _stored_bucket_policy(s3, bucket) == json.loads(bucket_policy)
    key_policy = _key_policy({"AWS": _missing_role()})
    key_id = kms.create_key(Policy=key_policy)["KeyMetadata"]["KeyId"]
    assert json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]) == json.loads(key_policy)
