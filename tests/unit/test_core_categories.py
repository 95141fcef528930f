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
        "request-payment", "tagging", "versioning", "website", "object-lock"])


def test_policy_rewrites_only_the_source_bucket_arns():
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": ["arn:aws:s3:::app", "arn:aws:s3:::app/*", "arn:aws:s3:::app-logs/*"]}]}
    rewritten = REGISTRY["policy"].rewrite(policy, context())
    assert rewritten["Statement"][0]["Resource"] == ["arn:aws:s3:::app-dr", "arn:aws:s3:::app-dr/*",
                                                     "arn:aws:s3:::app-logs/*"]


@pytest.mark.parametrize("condition_key", ["aws:SourceVpce", "aws:SourceVpc", "s3:DataAccessPointArn"])
def test_policy_statement_with_region_bound_condition_is_skipped_unless_mapped(condition_key):
    statement = {"Sid": "Vpc", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::app/*",
                 "Condition": {"StringNotEquals": {condition_key: "value-1"}}}
    keep = {"Sid": "Keep", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app/*"}
    ctx = context()
    rewritten = REGISTRY["policy"].rewrite({"Statement": [statement, keep]}, ctx)
    assert [s["Sid"] for s in rewritten["Statement"]] == ["Keep"]
    assert condition_key in ctx.skipped[0] and "policy_value_map" in ctx.skipped[0]
    mapped = REGISTRY["policy"].rewrite({"Statement": [statement]}, context(policy_value_map={"value-1": "value-2"}))
    assert mapped["Statement"][0]["Condition"]["StringNotEquals"][condition_key] == "value-2"


def test_policy_access_point_resource_needs_a_mapping():
    statement = {"Sid": "Ap", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:us-east-1:123456789012:accesspoint/reports/object/*"}
    ctx = context(on_unmapped="fail")
    with pytest.raises(Unmapped, match="policy_value_map"):
        REGISTRY["policy"].rewrite({"Statement": [statement]}, ctx)


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
    assert "created without Object Lock" in REGISTRY["object-lock"].unsupported(locked, dr_values(), "b")
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
