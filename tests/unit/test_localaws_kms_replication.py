"""The replication role's KMS permissions, evaluated for the KMS calls S3 Replication makes with it (the local
endpoint copies no replicas): the statement and condition evaluation of the IAM enforcement patches, applied to
the role policy and the permissions boundary the collection writes, with S3 Bucket Keys on and off on each side."""
from __future__ import annotations

import pytest

from plugins.module_utils.core import policies
from tools.localaws.patches._iam import Authorization
from tools.localaws.patches.s3_sse_kms_permissions import allows, replication_kms_authorizations

ACCOUNT = "123456789012"
SOURCE, SOURCE_REGION, DEST, DEST_REGION = "app-data", "eu-west-1", "app-data-dr", "us-west-2"
SOURCE_KEY = f"arn:aws:kms:{SOURCE_REGION}:{ACCOUNT}:key/1111aaaa-11aa-11aa-11aa-111111111111"
REPLICA_KEY = f"arn:aws:kms:{DEST_REGION}:{ACCOUNT}:key/2222bbbb-22bb-22bb-22bb-222222222222"
ROLE = policies.replication_role_policy(SOURCE, SOURCE_REGION, DEST, DEST_REGION, source_kms_keys=[SOURCE_KEY],
                                        replica_kms_keys=[REPLICA_KEY])
BOUNDARY = policies.replication_boundary_policy("aws", ACCOUNT)
# What the endpoint's global condition keys add for the role's account.
GLOBAL = {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT, "kms:CallerAccount": ACCOUNT}


def _allowed(authorization: Authorization) -> bool:
    """Allowed by the role's policy and within its boundary, as the endpoint evaluates a role session."""
    return allows([ROLE], authorization, GLOBAL) and allows([BOUNDARY], authorization, GLOBAL)


@pytest.mark.parametrize("source_bucket_key", [False, True], ids=["source-object-context", "source-bucket-key"])
@pytest.mark.parametrize("dest_bucket_key", [False, True], ids=["dr-object-context", "dr-bucket-key"])
def test_every_kms_call_of_replication_is_allowed(source_bucket_key, dest_bucket_key):
    calls = replication_kms_authorizations(SOURCE, SOURCE_REGION, SOURCE_KEY, source_bucket_key,
                                           DEST, DEST_REGION, REPLICA_KEY, dest_bucket_key, key="reports/q1.csv")
    assert [call.action for call in calls] == ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"]
    expected_context = f"arn:aws:s3:::{DEST}" if dest_bucket_key else f"arn:aws:s3:::{DEST}/reports/q1.csv"
    assert calls[1].context["kms:EncryptionContext:aws:s3:arn"] == expected_context
    assert [call.action for call in calls if not _allowed(call)] == []


@pytest.mark.parametrize("bucket_key", [False, True])
def test_nothing_wider_is_allowed(bucket_key):
    # Another bucket's objects, through the right key and Region.
    other = replication_kms_authorizations("other", SOURCE_REGION, SOURCE_KEY, bucket_key,
                                           "other-dr", DEST_REGION, REPLICA_KEY, bucket_key)
    assert not any(_allowed(call) for call in other)
    # A key the policy does not list.
    unlisted = replication_kms_authorizations(SOURCE, SOURCE_REGION, SOURCE_KEY.replace("1111aaaa", "9999ffff"),
                                              bucket_key, DEST, DEST_REGION,
                                              REPLICA_KEY.replace("2222bbbb", "9999ffff"), bucket_key)
    assert not any(_allowed(call) for call in unlisted)
    # Through S3 in another Region (the source key is decrypted by S3 in the source Region).
    decrypt = replication_kms_authorizations(SOURCE, "us-east-1", SOURCE_KEY, bucket_key, DEST, DEST_REGION,
                                             REPLICA_KEY, bucket_key)[0]
    assert not _allowed(decrypt)
    # Directly, not through S3 (no kms:ViaService).
    direct = replication_kms_authorizations(SOURCE, SOURCE_REGION, SOURCE_KEY, bucket_key, DEST, DEST_REGION,
                                            REPLICA_KEY, bucket_key)[0]
    assert not _allowed(Authorization(direct.action, direct.resource,
                                      {k: v for k, v in direct.context.items() if k != "kms:ViaService"}))


def test_the_policy_before_the_fix_is_refused_with_a_bucket_key_which_the_evaluator_sees():
    """The evaluation can say no: the object-ARN-only context and no Decrypt on the replica key (the role policy
    before issue 13) fail for a DR bucket with a Bucket Key, the default of the DR buckets the collection makes."""
    old = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [SOURCE_KEY], "Condition": {"StringLike": {
            "kms:ViaService": f"s3.{SOURCE_REGION}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{SOURCE}/*"]}}},
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": [REPLICA_KEY],
         "Condition": {"StringLike": {"kms:ViaService": f"s3.{DEST_REGION}.amazonaws.com",
                                      "kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{DEST}/*"]}}}]}
    calls = replication_kms_authorizations(SOURCE, SOURCE_REGION, SOURCE_KEY, False, DEST, DEST_REGION,
                                           REPLICA_KEY, True)
    assert [call.action for call in calls if not allows([old], call, GLOBAL)] == [
        "kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"]
