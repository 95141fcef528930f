"""Bucket, key, role trust and access point policies naming an IAM role or user that does not exist are refused, as on
AWS (patches/policy_principals_exist.py): S3 and S3 Control answer MalformedPolicy "Invalid principal in policy", KMS
MalformedPolicyDocumentException, IAM MalformedPolicyDocument naming the principal; accounts, "*", services, sessions
and existing roles and users are accepted."""
from __future__ import annotations

import json
import uuid
from typing import Any

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


# --- IAM CreateRole / UpdateAssumeRolePolicy (role trust policies) --------------------------------

def _trust(principal) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def _missing_user() -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{_name('no-such-user')}"


def _assert_invalid_trust_principal(refused: dict, arn: str) -> None:
    assert (refused["Error"]["Code"], refused["Error"]["Message"], refused["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{arn}"', 400)


def _role_exists(iam, name: str) -> bool:
    try:
        iam.get_role(RoleName=name)
        return True
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchEntity"
        return False


def _stored_trust(iam, name: str) -> dict:
    document = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    return document if isinstance(document, dict) else json.loads(document)


MISSING_IDENTITIES = [pytest.param(_missing_role, id="missing-role"), pytest.param(_missing_user, id="missing-user")]
EXISTING_PRINCIPALS = [
    pytest.param(lambda server: {"AWS": _role(server)}, id="existing-role"),
    pytest.param(lambda server: {"AWS": _user(server)}, id="existing-user"),
    pytest.param(lambda _server: {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, id="account-root"),
    pytest.param(lambda _server: {"AWS": OTHER_ACCOUNT_ID}, id="account-id"),
    pytest.param(lambda _server: {"Service": "lambda.amazonaws.com"}, id="service"),
]


@pytest.mark.parametrize("missing", MISSING_IDENTITIES)
def test_create_role_trusting_a_missing_role_or_user_is_refused_and_makes_no_role(localaws, missing):
    iam, name, arn = client_for(localaws, "iam"), _name("refused-role"), missing()
    # Named among valid principals: AWS names the one it cannot resolve.
    principal = {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", arn], "Service": "lambda.amazonaws.com"}
    _assert_invalid_trust_principal(_error(lambda: iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=_trust(principal))), arn)
    assert not _role_exists(iam, name)


@pytest.mark.parametrize("principal", EXISTING_PRINCIPALS)
def test_create_role_trusting_existing_principals_makes_the_role(localaws, principal):
    iam, name = client_for(localaws, "iam"), _name("trusting")
    trust = _trust(principal(localaws))
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    assert _stored_trust(iam, name) == json.loads(trust)


def test_a_role_cannot_trust_itself_before_it_exists_and_may_once_it_does(localaws):
    iam, name = client_for(localaws, "iam"), _name("self-trusting")
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    _assert_invalid_trust_principal(_error(lambda: iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=_trust({"AWS": arn}))), arn)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=_trust({"AWS": arn}))
    assert _stored_trust(iam, name) == json.loads(_trust({"AWS": arn}))


@pytest.mark.parametrize("missing", MISSING_IDENTITIES)
def test_update_assume_role_policy_naming_a_missing_role_or_user_is_refused_and_the_trust_kept(localaws, missing):
    iam, name, arn = client_for(localaws, "iam"), _name("kept-trust"), missing()
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)
    _assert_invalid_trust_principal(_error(lambda: iam.update_assume_role_policy(
        RoleName=name, PolicyDocument=_trust({"AWS": arn}))), arn)
    assert _stored_trust(iam, name) == json.loads(LAMBDA_TRUST)


@pytest.mark.parametrize("principal", EXISTING_PRINCIPALS)
def test_update_assume_role_policy_naming_existing_principals_is_stored(localaws, principal):
    iam, name = client_for(localaws, "iam"), _name("updated-trust")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)
    trust = _trust(principal(localaws))
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
    assert _stored_trust(iam, name) == json.loads(trust)


def test_update_assume_role_policy_of_a_missing_role_reports_the_role_first(localaws):
    refused = _error(lambda: client_for(localaws, "iam").update_assume_role_policy(
        RoleName=_name("no-such-role"), PolicyDocument=_trust({"AWS": _missing_role()})))
    assert refused["Error"]["Code"] == "NoSuchEntity"


# --- S3 Control PutAccessPointPolicy --------------------------------------------------------------

def _access_point(server) -> tuple[Any, str]:
    control, name = client_for(server, "s3control", REGION), _name("ap")
    control.create_access_point(AccountId=ACCOUNT, Name=name, Bucket=_bucket(server))
    return control, name


def _access_point_policy(name: str, principal) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/{name}/object/*"}]})


def _stored_access_point_policy(control, name: str) -> dict | None:
    try:
        return json.loads(control.get_access_point_policy(AccountId=ACCOUNT, Name=name)["Policy"])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchAccessPointPolicy"
        return None


@pytest.mark.parametrize("missing", MISSING_IDENTITIES)
def test_an_access_point_policy_naming_a_missing_role_or_user_is_refused_and_not_stored(localaws, missing):
    control, name = _access_point(localaws)
    policy = _access_point_policy(name, {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", missing()]})
    refused = _error(lambda: control.put_access_point_policy(AccountId=ACCOUNT, Name=name, Policy=policy))
    assert (refused["Error"]["Code"], refused["Error"]["Message"], refused["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("MalformedPolicy", "Invalid principal in policy", 400)
    assert _stored_access_point_policy(control, name) is None


def test_a_refused_access_point_policy_leaves_the_stored_one_as_it_was(localaws):
    control, name = _access_point(localaws)
    kept = _access_point_policy(name, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    control.put_access_point_policy(AccountId=ACCOUNT, Name=name, Policy=kept)
    assert _error(lambda: control.put_access_point_policy(
        AccountId=ACCOUNT, Name=name, Policy=_access_point_policy(name, {"AWS": _missing_role()})))[
        "Error"]["Code"] == "MalformedPolicy"
    assert _stored_access_point_policy(control, name) == json.loads(kept)


def test_a_missing_access_point_is_reported_before_the_principals(localaws):
    control, name = client_for(localaws, "s3control", REGION), _name("no-such-ap")
    refused = _error(lambda: control.put_access_point_policy(
        AccountId=ACCOUNT, Name=name, Policy=_access_point_policy(name, {"AWS": _missing_role()})))
    assert refused["Error"]["Code"] == "NoSuchAccessPoint"


@pytest.mark.parametrize("principal", EXISTING_PRINCIPALS)
def test_an_access_point_policy_naming_existing_principals_is_stored(localaws, principal):
    control, name = _access_point(localaws)
    policy = _access_point_policy(name, principal(localaws))
    control.put_access_point_policy(AccountId=ACCOUNT, Name=name, Policy=policy)
    assert _stored_access_point_policy(control, name) == json.loads(policy)


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


def test_without_the_patch_trust_and_access_point_policies_naming_missing_roles_and_users_are_stored(localaws_without):
    server = localaws_without(PATCH)
    iam, role = client_for(server, "iam"), _name("lax-trust")
    created = _trust({"AWS": _missing_role()})
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=created)
    assert _stored_trust(iam, role) == json.loads(created)
    updated = _trust({"AWS": _missing_user()})
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=updated)
    assert _stored_trust(iam, role) == json.loads(updated)
    control, access_point = _access_point(server)
    policy = _access_point_policy(access_point, {"AWS": _missing_role()})
    control.put_access_point_policy(AccountId=ACCOUNT, Name=access_point, Policy=policy)
    assert _stored_access_point_policy(control, access_point) == json.loads(policy)
