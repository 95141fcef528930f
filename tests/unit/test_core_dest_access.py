"""The DR account's side of cross-account replication (core.dest_access) in-process on moto, as account B."""
from __future__ import annotations

import json

import boto3
import pytest

from plugins.module_utils.core import waiting
from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.dest_access import DestAccessSpec, grant_dest_access
from plugins.module_utils.core.errors import DRError

DR_ACCOUNT, SOURCE_ACCOUNT, REGION = "111111111111", "123456789012", "eu-central-1"
ROLE = f"arn:aws:iam::{SOURCE_ACCOUNT}:role/s3dr-replication-app-data"


@pytest.fixture
def dr(monkeypatch, moto_in_process):
    """Clients with credentials of the DR account (moto: a session of a role of that account)."""
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{DR_ACCOUNT}:role/vault-admin", RoleSessionName="vault")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                    aws_secret_access_key=credentials["SecretAccessKey"],
                                    aws_session_token=credentials["SessionToken"])
    return boto3_clients(session)


def policy_of(clients, bucket: str) -> dict:
    return json.loads(clients("s3", REGION).get_bucket_policy(Bucket=bucket)["Policy"])


def test_creates_a_locked_down_bucket_whose_policy_lets_the_role_replicate(dr):
    result = grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, owner_override=True))
    assert result.changed and result.data["account_id"] == DR_ACCOUNT
    statements = {statement.get("Sid"): statement for statement in policy_of(dr, "vault")["Statement"]}
    assert "DenyInsecureTransport" in statements  # the baseline is kept
    objects = statements[f"S3DrReplicasObjects{SOURCE_ACCOUNT}S3DrReplicationAppData"]
    # The role named by its account and aws:PrincipalArn: valid before the role exists, and after it is made again.
    assert objects["Principal"] == {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:root"}
    assert objects["Condition"] == {"ArnEquals": {"aws:PrincipalArn": ROLE}}
    assert objects["Resource"] == "arn:aws:s3:::vault/*"
    assert set(objects["Action"]) == {"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
                                      "s3:ObjectOwnerOverrideToBucketOwner"}
    assert dr("s3", REGION).get_bucket_versioning(Bucket="vault")["Status"] == "Enabled"
    assert not grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, owner_override=True)).changed  # idempotent


def test_check_mode_writes_nothing_and_says_what_is_missing(dr):
    s3 = dr("s3", REGION)
    s3.create_bucket(Bucket="vault", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="vault", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Theirs", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::vault"}]}))
    result = grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, owner_override=True), check_mode=True)
    assert result.changed
    assert any(f"does not allow role {ROLE} s3:ReplicateObject" in problem and "s3:ObjectOwnerOverrideToBucketOwner" in problem
               for problem in result.data["problems"]), result.data["problems"]
    assert any("versioning Disabled" in problem for problem in result.data["problems"])
    assert [statement["Sid"] for statement in policy_of(dr, "vault")["Statement"]] == ["Theirs"]
    assert "Status" not in s3.get_bucket_versioning(Bucket="vault")

    grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, owner_override=True))
    assert [statement["Sid"] for statement in policy_of(dr, "vault")["Statement"]][0] == "Theirs"  # others are kept
    assert grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, owner_override=True), check_mode=True).data["problems"] == []

    grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, state="absent"))
    assert [statement["Sid"] for statement in policy_of(dr, "vault")["Statement"]] == ["Theirs"]


def test_the_replica_key_policy_gets_the_role_through_s3_only(dr):
    kms = dr("kms", REGION)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, kms_key_arn=key_arn))
    statements = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])["Statement"]
    assert len(statements) == 2  # the default statement is kept
    assert statements[1]["Principal"] == {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:root"}
    assert statements[1]["Condition"] == {"ArnEquals": {"aws:PrincipalArn": ROLE},
                                          "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
    grant_dest_access(dr, DestAccessSpec("vault", REGION, ROLE, kms_key_arn=key_arn, state="absent"))
    assert len(json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])["Statement"]) == 1


@pytest.mark.parametrize("spec, message", [
    (DestAccessSpec("vault", REGION, "not-an-arn"), "role_arn 'not-an-arn' is not an ARN"),
    (DestAccessSpec("vault", REGION, ROLE, kms_key_arn="alias/vault"), "kms_key_arn alias/vault is not a key ARN"),
    (DestAccessSpec("vault", REGION, f"arn:aws:iam::{DR_ACCOUNT}:role/own"), "is of this account (111111111111)"),
    (DestAccessSpec("vault", REGION, ROLE, create_dest_bucket=False), "does not exist in eu-central-1"),
])
def test_bad_input_is_refused_before_any_write(dr, spec, message):
    with pytest.raises(DRError, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        grant_dest_access(dr, spec)
    assert raised.value.done == []
    assert dr("s3", REGION).list_buckets()["Buckets"] == []
