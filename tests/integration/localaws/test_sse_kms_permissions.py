"""SSE-KMS through S3 on the local endpoint (tools/localaws/patches/s3_sse_kms_permissions.py): a role session
needs kms:GenerateDataKey / kms:Decrypt on the key, with S3's encryption context (the object ARN, or the bucket
ARN with an S3 Bucket Key), and a key policy that lets it; without the patch none of this is checked."""
from __future__ import annotations

import json
import uuid

import pytest

from conftest import client_for
from test_iam_enforcement import ACCOUNT, Session, _denied, _statement

REGION = "eu-west-1"
OBJECT_RIGHTS = ["s3:PutObject", "s3:GetObject"]


def _kms_bucket(server, bucket_key: bool, key_policy: dict | None = None) -> tuple[str, str]:
    """A bucket whose default encryption is SSE-KMS with a new customer managed key; (bucket, key ARN)."""
    kms = client_for(server, "kms", REGION)
    key = kms.create_key(**({"Policy": json.dumps(key_policy)} if key_policy else {}))["KeyMetadata"]["Arn"]
    bucket = f"kms-{uuid.uuid4().hex[:10]}"
    s3 = client_for(server, "s3", REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
        "BucketKeyEnabled": bucket_key}]})
    return bucket, key


def _kms_statement(actions: list[str], key: str, context_arn: str) -> dict:
    return _statement(actions, [key], condition={"StringEquals": {
        "kms:ViaService": f"s3.{REGION}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": context_arn}})


def _objects(bucket: str) -> dict:
    return _statement(OBJECT_RIGHTS, [f"arn:aws:s3:::{bucket}/*"])


@pytest.mark.parametrize("bucket_key", [False, True])
def test_writes_and_reads_need_the_key_with_the_encryption_context_s3_uses(localaws, bucket_key):
    bucket, key = _kms_bucket(localaws, bucket_key)
    object_arn, bucket_arn = f"arn:aws:s3:::{bucket}/doc", f"arn:aws:s3:::{bucket}"
    right, wrong = (bucket_arn, object_arn) if bucket_key else (object_arn, bucket_arn)

    no_kms = Session(localaws, [_objects(bucket)]).client("s3", REGION)
    refusal = _denied(no_kms.put_object, Bucket=bucket, Key="doc", Body=b"x")
    assert (refusal["Error"]["Code"], refusal["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert f"kms:GenerateDataKey on resource: {key}" in refusal["Error"]["Message"]

    wrong_context = Session(localaws, [_objects(bucket), _kms_statement(["kms:GenerateDataKey"], key, wrong)])
    assert _denied(wrong_context.client("s3", REGION).put_object, Bucket=bucket, Key="doc",
                   Body=b"x")["Error"]["Code"] == "AccessDenied"

    writer = Session(localaws, [_objects(bucket), _kms_statement(["kms:GenerateDataKey"], key, right)])
    writer.client("s3", REGION).put_object(Bucket=bucket, Key="doc", Body=b"secret")
    # Reading it back is kms:Decrypt, which the writer was not given.
    assert "kms:Decrypt" in _denied(writer.client("s3", REGION).get_object, Bucket=bucket,
                                    Key="doc")["Error"]["Message"]
    reader = Session(localaws, [_objects(bucket), _kms_statement(["kms:Decrypt"], key, right)])
    assert reader.client("s3", REGION).get_object(Bucket=bucket, Key="doc")["Body"].read() == b"secret"


def test_copy_needs_decrypt_on_the_source_key_and_generate_data_key_on_the_destination_key(localaws):
    source, source_key = _kms_bucket(localaws, bucket_key=False)
    dest, dest_key = _kms_bucket(localaws, bucket_key=True)
    client_for(localaws, "s3", REGION).put_object(Bucket=source, Key="doc", Body=b"data")
    s3_rights = [_statement(["s3:GetObject"], [f"arn:aws:s3:::{source}/*"]),
                 _statement(["s3:PutObject"], [f"arn:aws:s3:::{dest}/*"])]
    decrypt = _kms_statement(["kms:Decrypt"], source_key, f"arn:aws:s3:::{source}/doc")
    generate = _kms_statement(["kms:GenerateDataKey"], dest_key, f"arn:aws:s3:::{dest}")
    copy = {"Bucket": dest, "Key": "doc", "CopySource": {"Bucket": source, "Key": "doc"}}
    assert "kms:Decrypt" in _denied(Session(localaws, [*s3_rights, generate]).client("s3", REGION).copy_object,
                                    **copy)["Error"]["Message"]
    assert "kms:GenerateDataKey" in _denied(Session(localaws, [*s3_rights, decrypt]).client("s3", REGION).copy_object,
                                            **copy)["Error"]["Message"]
    Session(localaws, [*s3_rights, decrypt, generate]).client("s3", REGION).copy_object(**copy)
    stored = client_for(localaws, "s3", REGION).head_object(Bucket=dest, Key="doc")
    assert stored["SSEKMSKeyId"] == dest_key


def _key_policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _key_administration(server) -> dict:
    """A statement letting a new IAM user administer the key (a key policy may name only users that exist)."""
    admin = client_for(server, "iam").create_user(UserName=f"key-admin-{uuid.uuid4().hex[:8]}")["User"]["Arn"]
    return {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": admin}, "Action": "kms:*", "Resource": "*"}


ENABLE_IAM = {"Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
              "Action": "kms:*", "Resource": "*"}


def test_the_key_policy_decides_with_the_iam_policy(localaws):
    everything = [_statement(["s3:PutObject"], ["*"]), _statement(["kms:GenerateDataKey"], ["*"])]
    # A key policy that neither enables IAM policies (the account root) nor names the role: refused anyway.
    bucket, _key = _kms_bucket(localaws, False, _key_policy(_key_administration(localaws)))
    refusal = _denied(Session(localaws, everything).client("s3", REGION).put_object, Bucket=bucket, Key="k", Body=b"x")
    assert "no key policy statement allows the kms:GenerateDataKey action" in refusal["Error"]["Message"]

    # A key policy denying the role refuses what its IAM policy allows.
    session = Session(localaws, everything)
    bucket, _key = _kms_bucket(localaws, False, _key_policy(ENABLE_IAM, {
        "Sid": "NotThisRole", "Effect": "Deny", "Principal": {"AWS": session.role_arn}, "Action": "kms:*",
        "Resource": "*"}))
    refusal = _denied(session.client("s3", REGION).put_object, Bucket=bucket, Key="k", Body=b"x")
    assert "explicit deny in the key policy" in refusal["Error"]["Message"]

    # A key policy naming the role allows it through S3 with no KMS statement in its IAM policy.
    s3_only = Session(localaws, [_statement(["s3:PutObject"], ["*"])])
    bucket, _key = _kms_bucket(localaws, False, _key_policy(_key_administration(localaws), {
        "Sid": "RoleThroughS3", "Effect": "Allow", "Principal": {"AWS": s3_only.role_arn},
        "Action": "kms:GenerateDataKey", "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}}))
    s3_only.client("s3", REGION).put_object(Bucket=bucket, Key="k", Body=b"x")
    # ... through S3 only: its own direct KMS call carries no kms:ViaService.
    key = client_for(localaws, "s3", REGION).head_object(Bucket=bucket, Key="k")["SSEKMSKeyId"]
    assert _denied(s3_only.client("kms", REGION).generate_data_key, KeyId=key,
                   KeySpec="AES_256")["Error"]["Code"] == "AccessDeniedException"


def test_without_the_patch_sse_kms_needs_no_kms_permission(localaws_without):
    server = localaws_without("s3_sse_kms_permissions")
    bucket, _key = _kms_bucket(server, bucket_key=False)
    no_kms = Session(server, [_objects(bucket)]).client("s3", REGION)
    no_kms.put_object(Bucket=bucket, Key="doc", Body=b"x")
    assert no_kms.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"x"
