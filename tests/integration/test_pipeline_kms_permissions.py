"""The enable_replication function's KMS permissions (roles/dr_pipeline/templates/_backfill_kms.j2) under the
endpoint's IAM enforcement: its policy, rendered by Ansible as the role renders it, lets the function's backfill
copy an SSE-KMS object into an SSE-KMS DR bucket (with S3 Bucket Keys, as the DR buckets are made); without its
KMS statements the same backfill is refused by KMS through S3, as on AWS."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest

from conftest import client_for
from plugins.module_utils.core.backfill import BackfillSpec, backfill, backfill_clients
from tests.unit.test_policy_lint import render_role_policies

ACCOUNT, SOURCE_REGION, DR_REGION = "123456789012", "eu-west-1", "us-west-2"
KMS_SIDS = {"DecryptSourceObjectsForBackfill", "EncryptBackfillCopiesInDrBuckets", "ResolveKmsKeyIdsToArns"}
# The function's trust policy, and this account's: the test assumes the role to act as the function.
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture(scope="module")
def keys(localaws):
    return (client_for(localaws, "kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"],
            client_for(localaws, "kms", DR_REGION).create_key()["KeyMetadata"]["Arn"])


@pytest.fixture(scope="module")
def function_policy(keys, tmp_path_factory) -> dict:
    """The enable_replication role policy for a pipeline mapping the source key to the DR key."""
    source_key, dr_key = keys
    rendered = render_role_policies(tmp_path_factory.mktemp("render"), {
        "dr_pipeline_caller": {"account": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer"},
        "dr_pipeline_pairs": [{"source_region": SOURCE_REGION, "dest_region": DR_REGION}],
        "dr_pipeline_kms_key_map": {source_key: dr_key}, "dr_pipeline_dest_kms_key_id": dr_key})
    return next(document for name, document in rendered.items() if name.startswith("policy_enable_replication"))


def _session_clients(localaws, policy: dict):
    iam = client_for(localaws, "iam")
    name = f"s3dr-test-enable-replication-{uuid.uuid4().hex[:6]}"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="s3dr-pipeline", PolicyDocument=json.dumps(policy))
    credentials = client_for(localaws, "sts").assume_role(RoleArn=role, RoleSessionName="fn")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                    aws_secret_access_key=credentials["SecretAccessKey"],
                                    aws_session_token=credentials["SessionToken"])
    return backfill_clients(session, concurrency=2)


def _kms_pair(localaws, keys) -> str:
    """An SSE-KMS source with one object, and its DR bucket with SSE-KMS and a Bucket Key (as the clone makes it)."""
    source_key, dr_key = keys
    source = f"kms-bf-{uuid.uuid4().hex[:8]}"
    for bucket, region, key in ((source, SOURCE_REGION, source_key), (f"{source}-dr", DR_REGION, dr_key)):
        s3 = client_for(localaws, "s3", region)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
            "BucketKeyEnabled": True}]})
    client_for(localaws, "s3", SOURCE_REGION).put_object(Bucket=source, Key="ledger.csv", Body=b"a,b\n1,2\n")
    return source


def test_the_function_policy_scopes_kms_to_the_mapped_keys_through_s3(function_policy, keys):
    statements = {statement.get("Sid"): statement for statement in function_policy["Statement"]}
    assert statements["DecryptSourceObjectsForBackfill"]["Resource"] == [keys[0]]
    assert statements["DecryptSourceObjectsForBackfill"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"s3.{SOURCE_REGION}.amazonaws.com"}}
    assert statements["EncryptBackfillCopiesInDrBuckets"]["Resource"] == [keys[1]]
    assert statements["EncryptBackfillCopiesInDrBuckets"]["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::*-dr", "arn:aws:s3:::*-dr/*"]}


def test_backfill_of_an_sse_kms_object_works_with_the_function_policy(localaws, keys, function_policy):
    source = _kms_pair(localaws, keys)
    result = backfill(_session_clients(localaws, function_policy),
                      BackfillSpec(source_bucket=source, dest_region=DR_REGION, concurrency=2))
    assert (result.data["objects_copied"], result.data["objects_failed"]) == (1, 0), result.data
    copied = client_for(localaws, "s3", DR_REGION).get_object(Bucket=f"{source}-dr", Key="ledger.csv")
    assert copied["Body"].read() == b"a,b\n1,2\n"
    assert copied["SSEKMSKeyId"] == keys[1]


def test_backfill_of_an_sse_kms_object_is_refused_without_the_kms_statements(localaws, keys, function_policy):
    kept = [statement for statement in function_policy["Statement"] if statement.get("Sid") not in KMS_SIDS]
    without_kms = {**function_policy, "Statement": kept}
    source = _kms_pair(localaws, keys)
    result = backfill(_session_clients(localaws, without_kms),
                      BackfillSpec(source_bucket=source, dest_region=DR_REGION, concurrency=2))
    assert (result.data["objects_copied"], result.data["objects_failed"]) == (0, 1), result.data
    assert "kms:Decrypt" in json.dumps(result.data, default=str)
    objects = client_for(localaws, "s3", DR_REGION).list_objects_v2(Bucket=f"{source}-dr")
    assert objects["KeyCount"] == 0
