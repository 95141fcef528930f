"""Unit tests of each category's rewrite rules and skip reasons (pure, no AWS calls)."""
from __future__ import annotations

import json

import pytest

from plugins.module_utils.core.categories import REGISTRY, RewriteContext, Unmapped
from plugins.module_utils.core.clone import CloneSpec, changed_fields, clone_spec_problems


def context(**maps) -> RewriteContext:
    return RewriteContext("app", "app-dr", "us-east-1", "us-west-2", "123456789012", **maps)


def test_registry_has_every_category_of_the_s3_api():
    assert sorted(REGISTRY) == sorted([
        "accelerate", "acl", "analytics", "cors", "encryption", "intelligent-tiering", "inventory", "lifecycle",
        "logging", "metrics", "notification", "ownership-controls", "policy", "public-access-block",
        "request-payment", "tagging", "versioning", "website", "object-lock", "access-points"])


def test_policy_rewrites_only_the_source_bucket_arns():
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": ["arn:aws:s3:::app", "arn:aws:s3:::app/*", "arn:aws:s3:::app-logs/*"]}]}
    rewritten = REGISTRY["policy"].rewrite(policy, context())
    assert rewritten["Statement"][0]["Resource"] == ["arn:aws:s3:::app-dr", "arn:aws:s3:::app-dr/*",
                                                     "arn:aws:s3:::app-logs/*"]


@pytest.mark.parametrize("condition_key", ["aws:SourceVpce", "aws:SourceVpc", "s3:DataAccessPointArn"])
def test_policy_statement_with_region_bound_condition_is_skipped_unless_mapped(condition_key):
    statement = {"Sid": "Vpc", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::app/*", "Condition": {"StringEquals": {condition_key: "value-1"}}}
    keep = {"Sid": "Keep", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app/*"}
    ctx = context()
    rewritten = REGISTRY["policy"].rewrite({"Statement": [statement, keep]}, ctx)
    assert [s["Sid"] for s in rewritten["Statement"]] == ["Keep"]
    assert condition_key in ctx.skipped[0] and "policy_value_map" in ctx.skipped[0]
    mapped = REGISTRY["policy"].rewrite({"Statement": [statement]}, context(policy_value_map={"value-1": "value-2"}))
    assert mapped["Statement"][0]["Condition"]["StringEquals"][condition_key] == "value-2"


SOURCE_KEY, DR_KEY = "arn:aws:kms:us-east-1:123456789012:key/src-1", "arn:aws:kms:us-west-2:123456789012:key/dr-1"
# Real-world bucket policies ("Bucket policy examples", S3 User Guide), as a source bucket "app" carries them.
DENY_NON_TLS = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": ["arn:aws:s3:::app", "arn:aws:s3:::app/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
DENY_WITHOUT_SSE_KMS_KEY = {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                            "Resource": "arn:aws:s3:::app/*", "Condition": {"StringNotEqualsIfExists": {
                                "s3:x-amz-server-side-encryption-aws-kms-key-id": SOURCE_KEY}}}
DENY_WITHOUT_SSE_HEADER = {"Sid": "DenyUnencrypted", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                           "Resource": "arn:aws:s3:::app/*",
                           "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}
DENY_OUTSIDE_ORG = {"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::app", "arn:aws:s3:::app/*"],
                    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
DENY_UNLESS_PRINCIPAL = {"Sid": "OnlyTheseRoles", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                         "Resource": ["arn:aws:s3:::app", "arn:aws:s3:::app/*"], "Condition": {"ArnNotLike": {
                             "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/app-*"]}}}
DENY_UNLESS_VPCE = {"Sid": "OnlyThroughVpce", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::app", "arn:aws:s3:::app/*"],
                    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
DENY_NOT_PRINCIPAL = {"Sid": "OnlyAdmin", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/admin"},
                      "Action": "s3:*", "Resource": "arn:aws:s3:::app/*"}
DENY_OTHER_ACCOUNTS = {"Sid": "OnlyThisAccount", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": "arn:aws:s3:::app/*",
                       "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ["123456789012"]}}}


def test_policy_carries_conditional_statements_that_hold_for_our_principals_with_their_kms_keys_mapped():
    statements = [DENY_NON_TLS, DENY_WITHOUT_SSE_KMS_KEY, DENY_WITHOUT_SSE_HEADER, DENY_OUTSIDE_ORG, DENY_OTHER_ACCOUNTS]
    policy = {"Version": "2012-10-17", "Statement": statements}
    ctx = context(kms_key_map={SOURCE_KEY: DR_KEY})
    rewritten = REGISTRY["policy"].rewrite(policy, ctx)
    assert ctx.skipped == []
    by_sid = {statement["Sid"]: statement for statement in rewritten["Statement"]}
    assert set(by_sid) == {"DenyInsecureTransport", "DenyOtherKeys", "DenyUnencrypted", "DenyOutsideOrg", "OnlyThisAccount"}
    assert by_sid["DenyOtherKeys"]["Condition"]["StringNotEqualsIfExists"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": DR_KEY}
    assert by_sid["DenyInsecureTransport"]["Resource"] == ["arn:aws:s3:::app-dr", "arn:aws:s3:::app-dr/*"]


def test_policy_statement_with_an_unmapped_kms_key_is_skipped_or_fails_naming_kms_key_map():
    ctx = context()
    assert REGISTRY["policy"].rewrite({"Statement": [DENY_WITHOUT_SSE_KMS_KEY, DENY_NON_TLS]}, ctx)["Statement"] == [
        {**DENY_NON_TLS, "Resource": ["arn:aws:s3:::app-dr", "arn:aws:s3:::app-dr/*"]}]
    assert "DenyOtherKeys" in ctx.skipped[0] and "kms_key_map" in ctx.skipped[0]
    with pytest.raises(Unmapped, match="kms_key_map"):
        REGISTRY["policy"].rewrite({"Statement": [DENY_WITHOUT_SSE_KMS_KEY]}, context(on_unmapped="fail"))


@pytest.mark.parametrize("statement", [DENY_UNLESS_PRINCIPAL, DENY_UNLESS_VPCE, DENY_NOT_PRINCIPAL,
                                       {**DENY_OTHER_ACCOUNTS, "Condition": {"StringNotEquals": {
                                           "aws:PrincipalAccount": "111111111111"}}}],
                         ids=["principal-list", "vpc-endpoint", "not-principal", "another-account-only"])
def test_policy_deny_that_would_deny_our_own_principals_is_reported_never_carried(statement):
    ctx = context(policy_value_map={"vpce-1a2b3c4d": "vpce-9z8y7x6w"})
    assert REGISTRY["policy"].rewrite({"Statement": [statement]}, ctx) is None
    assert len(ctx.skipped) == 1 and statement["Sid"] in ctx.skipped[0], ctx.skipped
    assert "would deny the replication role, the backfill and the pipeline's functions" in ctx.skipped[0]
    with pytest.raises(Unmapped, match="would deny the replication role"):
        REGISTRY["policy"].rewrite({"Statement": [statement]}, context(on_unmapped="fail"))


def test_policy_own_access_point_moves_to_the_dr_region_another_accounts_needs_a_mapping():
    own = {"Sid": "Ap", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:us-east-1:123456789012:accesspoint/reports/object/*",
           "Condition": {"StringEquals": {"s3:DataAccessPointArn": "arn:aws:s3:us-east-1:123456789012:accesspoint/reports"}}}
    rewritten = REGISTRY["policy"].rewrite({"Statement": [own]}, context(on_unmapped="fail"))["Statement"][0]
    assert rewritten["Resource"] == "arn:aws:s3:us-west-2:123456789012:accesspoint/reports/object/*"
    assert rewritten["Condition"]["StringEquals"]["s3:DataAccessPointArn"] == (
        "arn:aws:s3:us-west-2:123456789012:accesspoint/reports")
    others = {**own, "Resource": "arn:aws:s3:us-east-1:210987654321:accesspoint/shared/object/*"}
    with pytest.raises(Unmapped, match="policy_value_map"):
        REGISTRY["policy"].rewrite({"Statement": [others]}, context(on_unmapped="fail"))
    mapped = context(policy_value_map={others["Resource"]: "arn:aws:s3:us-west-2:210987654321:accesspoint/shared-dr/object/*"})
    assert REGISTRY["policy"].rewrite({"Statement": [others]}, mapped)["Statement"][0]["Resource"] == (
        "arn:aws:s3:us-west-2:210987654321:accesspoint/shared-dr/object/*")


def test_access_points_keep_their_names_need_their_vpc_mapped_and_normalize_the_defaults():
    app_policy = {"Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:us-east-1:123456789012:accesspoint/app/object/*"}]}
    value = {"app": {"VpcId": None, "PublicAccessBlock": None, "Policy": app_policy},
             "private": {"VpcId": "vpc-1", "PublicAccessBlock": None, "Policy": None}}
    ctx = context()
    rewritten = REGISTRY["access-points"].rewrite(value, ctx)
    assert set(rewritten) == {"app"}
    assert rewritten["app"]["Policy"]["Statement"][0]["Resource"] == (
        "arn:aws:s3:us-west-2:123456789012:accesspoint/app/object/*")
    assert ctx.skipped and "vpc-1" in ctx.skipped[0] and "policy_value_map" in ctx.skipped[0]
    with pytest.raises(Unmapped, match="private"):
        REGISTRY["access-points"].rewrite(value, context(on_unmapped="fail"))
    assert REGISTRY["access-points"].rewrite(value, context(policy_value_map={"vpc-1": "vpc-2"}))["private"]["VpcId"] == "vpc-2"
    # S3 blocks all public access on an access point unless told otherwise: no setting equals all four on.
    assert REGISTRY["access-points"].normalize({"p": {"PublicAccessBlock": None}}) == REGISTRY["access-points"].normalize(
        {"p": {"PublicAccessBlock": {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                                     "RestrictPublicBuckets": True}}})


def test_encryption_key_is_mapped_or_unmapped():
    rules = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:us-east-1:1:key/a"}}]
    mapped = REGISTRY["encryption"].rewrite(rules, context(kms_key_map={"arn:aws:kms:us-east-1:1:key/a": "arn:aws:kms:us-west-2:1:key/b"}))
    assert mapped[0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == "arn:aws:kms:us-west-2:1:key/b"
    with pytest.raises(Unmapped, match="kms_key_map"):
        REGISTRY["encryption"].rewrite(rules, context())
    sse_s3 = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    assert REGISTRY["encryption"].rewrite(sse_s3, context()) == sse_s3
    assert REGISTRY["encryption"].normalize(sse_s3) == REGISTRY["encryption"].normalize(
        [{**sse_s3[0], "BucketKeyEnabled": False}])


def test_notification_targets_are_mapped_eventbridge_carried_unmapped_skipped():
    value = {"QueueConfigurations": [{"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectCreated:*"]}],
             "TopicConfigurations": [{"Id": "t", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Events": ["s3:ObjectRemoved:*"]}],
             "LambdaFunctionConfigurations": [{"Id": "l", "LambdaFunctionArn": "arn:aws:lambda:us-west-2:1:function:f",
                                               "Events": ["s3:ObjectCreated:*"]}],
             "EventBridgeConfiguration": {}}
    ctx = context(notification_target_map={"arn:aws:sqs:us-east-1:1:q": "arn:aws:sqs:us-west-2:1:q"})
    rewritten = REGISTRY["notification"].rewrite(value, ctx)
    assert rewritten["QueueConfigurations"][0]["QueueArn"] == "arn:aws:sqs:us-west-2:1:q"
    assert rewritten["LambdaFunctionConfigurations"] == value["LambdaFunctionConfigurations"]  # already in the DR Region
    assert "TopicConfigurations" not in rewritten
    assert rewritten["EventBridgeConfiguration"] == {}
    assert "arn:aws:sns:us-east-1:1:t" in ctx.skipped[0] and "notification_target_map" in ctx.skipped[0]


def test_logging_inventory_analytics_destinations_follow_the_bucket_map():
    logging = REGISTRY["logging"]
    assert logging.rewrite({"TargetBucket": "app", "TargetPrefix": "l/"}, context())["TargetBucket"] == "app-dr"
    assert logging.rewrite({"TargetBucket": "logs", "TargetPrefix": ""},
                           context(bucket_map={"logs": "logs-west"}))["TargetBucket"] == "logs-west"
    with pytest.raises(Unmapped, match="bucket_map"):
        logging.rewrite({"TargetBucket": "logs", "TargetPrefix": ""}, context())
    inventory = {"weekly": {"Id": "weekly", "Destination": {"S3BucketDestination": {
        "Bucket": "arn:aws:s3:::reports", "Format": "CSV",
        "Encryption": {"SSEKMS": {"KeyId": "arn:aws:kms:us-east-1:1:key/a"}}}}}}
    rewritten = REGISTRY["inventory"].rewrite(inventory, context(
        bucket_map={"reports": "reports-west"}, kms_key_map={"arn:aws:kms:us-east-1:1:key/a": "arn:aws:kms:us-west-2:1:key/b"}))
    destination = rewritten["weekly"]["Destination"]["S3BucketDestination"]
    assert destination["Bucket"] == "arn:aws:s3:::reports-west"
    assert destination["Encryption"]["SSEKMS"]["KeyId"] == "arn:aws:kms:us-west-2:1:key/b"
    analytics = {"a": {"Id": "a", "StorageClassAnalysis": {"DataExport": {"Destination": {"S3BucketDestination": {
        "Bucket": "arn:aws:s3:::elsewhere", "Format": "CSV"}}}}}}
    with pytest.raises(Unmapped, match="analytics configuration a"):
        REGISTRY["analytics"].rewrite(analytics, context())


def test_trigger_tag_is_never_copied():
    assert REGISTRY["tagging"].rewrite({"dr": "true", "team": "x"}, context()) == {"team": "x"}
    assert REGISTRY["tagging"].rewrite({"dr": "true"}, context()) is None
    assert REGISTRY["tagging"].rewrite({"replicate": "yes"}, context(trigger_tag_key="replicate")) is None


def test_versioning_is_enabled_and_mfa_delete_reported():
    ctx = context()
    assert REGISTRY["versioning"].rewrite({"Status": "Suspended", "MFADelete": "Enabled"}, ctx) == {"Status": "Enabled"}
    assert "MFA delete is not automatable" in ctx.skipped[0]


def test_acl_grants_to_other_accounts_are_reported():
    ctx = context()
    value = {"Owner": "owner-id", "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": "owner-id"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "CanonicalUser", "ID": "partner-id"}, "Permission": "READ"}]}
    rewritten = REGISTRY["acl"].rewrite(value, ctx)
    assert "partner-id" in ctx.skipped[0]
    dest_value = {"Owner": "dr-owner-id", "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": "dr-owner-id"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "CanonicalUser", "ID": "partner-id"}, "Permission": "READ"}]}
    assert REGISTRY["acl"].normalize(rewritten) == REGISTRY["acl"].normalize(dest_value)


def dr_values(**values):
    """``dest_value(name)`` as clone gives it to ``unsupported``: the DR bucket's current category values."""
    return lambda name: values.get(name.replace("-", "_"))


def test_skip_reasons_for_what_the_dr_bucket_cannot_take():
    assert "BucketOwnerEnforced" in REGISTRY["acl"].unsupported(
        {}, dr_values(ownership_controls="BucketOwnerEnforced"), "b")
    assert REGISTRY["acl"].unsupported({}, dr_values(ownership_controls="ObjectWriter"), "b") is None
    locked = {"ObjectLockEnabled": "Enabled"}
    reason = REGISTRY["object-lock"].unsupported(locked, dr_values(), "b")
    assert "has no Object Lock" in reason
    # What S3 allows for an existing bucket (since 2023): versioning on, then PutObjectLockConfiguration.
    assert "turn its versioning on, then `aws s3api put-object-lock-configuration --bucket b " \
           "--object-lock-configuration ObjectLockEnabled=Enabled`" in reason
    assert REGISTRY["object-lock"].unsupported(locked, dr_values(object_lock=locked), "b") is None
    assert "dots" in REGISTRY["accelerate"].unsupported("Enabled", dr_values(), "my.bucket-dr")
    with pytest.raises(Unmapped, match="access point"):
        REGISTRY["metrics"].rewrite({"m": {"Id": "m", "Filter": {
            "AccessPointArn": "arn:aws:s3:us-east-1:1:accesspoint/ap"}}}, context())


def test_lifecycle_dates_compare_as_written():
    import datetime

    written = [{"ID": "x", "Expiration": {"Date": "2030-01-01T00:00:00Z"}}]
    read_back = [{"ID": "x", "Expiration": {"Date": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)}}]
    assert REGISTRY["lifecycle"].normalize(written) == REGISTRY["lifecycle"].normalize(read_back)


def test_changed_fields_names_the_paths():
    assert changed_fields([{"Expiration": {"Days": 7}}], [{"Expiration": {"Days": 30}}]) == ["[0].Expiration.Days"]
    assert changed_fields({"a": 1, "b": 2}, {"a": 1}) == ["b"]
    assert changed_fields(None, {"x": 1}) == ["x"]


def test_spec_problems():
    problems = clone_spec_problems(CloneSpec("app", "us-west-2", categories=["lifecycle", "colour"],
                                             kms_key_map={"k": "arn:aws:kms:eu-west-1:123456789012:key/x"}))
    assert any("unknown categories colour" in problem for problem in problems)
    assert any("kms_key_map[k] arn:aws:kms:eu-west-1:123456789012:key/x is a key in eu-west-1, but it must be in the DR "
               "Region us-west-2" in problem for problem in problems)
    assert json.dumps(clone_spec_problems(CloneSpec("app", "us-west-2"))) == "[]"


def test_policy_leaves_out_deleted_principals_which_aws_refuses_in_a_new_policy():
    """A deleted role or user shows as its unique ID (AROA.../AIDA...); PutBucketPolicy refuses it ("Invalid principal
    in policy"). It can never sign a request again, so leaving it out keeps what the statement allows."""
    partly = {"Sid": "Readers", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app/*",
              "Principal": {"AWS": ["arn:aws:iam::123456789012:role/reader", "AROAEXAMPLEDELETED01"]}}
    only = {"Sid": "Gone", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::app/*",
            "Principal": {"AWS": "AIDAEXAMPLEDELETED02"}}
    ctx = context(on_unmapped="fail")  # nothing is unmapped: a deleted principal means no one
    rewritten = REGISTRY["policy"].rewrite({"Statement": [partly, only]}, ctx)
    assert rewritten["Statement"] == [{**partly, "Resource": "arn:aws:s3:::app-dr/*",
                                       "Principal": {"AWS": ["arn:aws:iam::123456789012:role/reader"]}}]
    assert [skip.split(":")[0] for skip in ctx.skipped] == ["policy statement Readers", "policy statement Gone"]
    assert "AROAEXAMPLEDELETED01" in ctx.skipped[0] and "names no one else" in ctx.skipped[1]
