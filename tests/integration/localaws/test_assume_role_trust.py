"""STS AssumeRole on the local endpoint honours the role's trust policy (patches/sts_assume_role_trust.py), as on
AWS: the caller must be named by it (role, account, ``*``) with its conditions met; a role that does not exist
can still be assumed (the tests' way to act as another account)."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import OTHER_ACCOUNT_ID, client_for, other_account_client

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _trust(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal, condition: dict | None = None, effect: str = "Allow") -> dict:
    statement = {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
    return {**statement, "Condition": condition} if condition else statement


def _role(server, *statements: dict, identity: list[dict] | None = None) -> str:
    iam, name = client_for(server, "iam"), f"trust-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(*statements))["Role"]["Arn"]
    if identity:
        iam.put_role_policy(RoleName=name, PolicyName="identity", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": identity}))
    return arn


def _sts_as(credentials: dict, server):
    return boto3.client("sts", region_name="us-east-1", endpoint_url=server.endpoint_url,
                        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def _refused(sts, role_arn: str, **kwargs) -> dict:
    with pytest.raises(ClientError) as raised:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="test", **kwargs)
    return raised.value.response


def _assumed(sts, role_arn: str, **kwargs) -> dict:
    return sts.assume_role(RoleArn=role_arn, RoleSessionName="test", **kwargs)


LAMBDA_ONLY = _allow({"Service": "lambda.amazonaws.com"})


def test_a_role_trusting_only_a_service_is_refused_to_the_account(localaws):
    role = _role(localaws, LAMBDA_ONLY)
    refused = _refused(client_for(localaws, "sts"), role)
    assert (refused["Error"]["Code"], refused["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert refused["Error"]["Message"] == f"User: {ROOT} is not authorized to perform: sts:AssumeRole on resource: {role}"


def test_a_role_trusting_another_account_is_refused(localaws):
    role = _role(localaws, _allow({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root"}))
    assert _refused(client_for(localaws, "sts"), role)["Error"]["Code"] == "AccessDenied"
    # ... and that account's own principals may assume it (their identity policies decide: administrators here).
    other_sts = other_account_client(localaws, "sts")
    assert _assumed(other_sts, role)["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/")


@pytest.mark.parametrize("principal", [{"AWS": ROOT}, {"AWS": ACCOUNT}, {"AWS": "*"}, "*"])
def test_a_role_trusting_the_account_is_assumed_with_its_keys(localaws, principal):
    role = _role(localaws, _allow(principal))
    credentials = _assumed(client_for(localaws, "sts"), role)["Credentials"]
    assert _sts_as(credentials, localaws).get_caller_identity()["Arn"] == \
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.split('/')[-1]}/test"


def test_an_explicit_deny_in_the_trust_policy_wins(localaws):
    role = _role(localaws, _allow({"AWS": ROOT}), _allow({"AWS": ROOT}, effect="Deny"))
    assert _refused(client_for(localaws, "sts"), role)["Error"]["Code"] == "AccessDenied"


def test_a_session_assumes_a_role_whose_trust_names_its_role_and_no_other(localaws):
    caller = _role(localaws, _allow({"AWS": ROOT}), identity=[
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/*"}])
    named = _role(localaws, _allow({"AWS": caller}))
    by_principal_arn = _role(localaws, _allow({"AWS": ROOT}, {"ArnEquals": {"aws:PrincipalArn": caller}}))
    someone_else = _role(localaws, _allow({"AWS": _role(localaws, LAMBDA_ONLY)}))  # trusts another (existing) role
    other_principal_arn = _role(localaws, _allow({"AWS": ROOT}, {"ArnEquals": {"aws:PrincipalArn": someone_else}}))
    session = _assumed(client_for(localaws, "sts"), caller)
    sts = _sts_as(session["Credentials"], localaws)

    for role in (named, by_principal_arn):
        assert _assumed(sts, role)["AssumedRoleUser"]["Arn"] == \
            f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.split('/')[-1]}/test"
    for role in (someone_else, other_principal_arn):
        refused = _refused(sts, role)
        assert refused["Error"]["Message"] == (f"User: {session['AssumedRoleUser']['Arn']} is not authorized to "
                                               f"perform: sts:AssumeRole on resource: {role}")


def test_the_external_id_condition_must_match(localaws):
    role = _role(localaws, _allow({"AWS": ROOT}, {"StringEquals": {"sts:ExternalId": "vault-7"}}))
    sts = client_for(localaws, "sts")
    assert _refused(sts, role)["Error"]["Code"] == "AccessDenied"
    assert _refused(sts, role, ExternalId="vault-8")["Error"]["Code"] == "AccessDenied"
    assert _assumed(sts, role, ExternalId="vault-7")["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_a_role_that_does_not_exist_can_still_be_assumed(localaws):
    sts = client_for(localaws, "sts")
    credentials = _assumed(sts, f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/no-such-role-{uuid.uuid4().hex[:6]}")["Credentials"]
    assert _sts_as(credentials, localaws).get_caller_identity()["Account"] == OTHER_ACCOUNT_ID


def test_the_gap_is_real_without_the_patch(localaws_without):
    server = localaws_without("sts_assume_role_trust")
    sts = client_for(server, "sts")
    assert _assumed(sts, _role(server, LAMBDA_ONLY))["AssumedRoleUser"]["Arn"].endswith("/test")  # trust not read
    # ... while a session is refused a role whose trust names its role: moto matches the session ARN literally.
    caller = _role(server, _allow({"AWS": ROOT}), identity=[{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}])
    named = _role(server, _allow({"AWS": caller}))
    assert _refused(_sts_as(_assumed(sts, caller)["Credentials"], server), named)["Error"]["Code"] == "AccessDenied"
