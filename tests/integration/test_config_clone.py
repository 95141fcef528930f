"""s3_bucket_config_clone and s3_dr_drift_info through real ansible-playbook runs."""
from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

CLONE, DRIFT = "tests/integration/playbooks/clone/clone.yml", "tests/integration/playbooks/clone/drift.yml"
SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
ACCOUNT = "123456789012"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def clone(run_playbook, check=False, diff=False, **options) -> dict:
    run = run_playbook(CLONE, extra_vars={"clone": options}, check=check, diff=diff)
    results = run.task_results("Run s3_bucket_config_clone")
    assert results, run
    return results[0]


def drift(run_playbook, **options) -> dict:
    run = run_playbook(DRIFT, extra_vars={"drift": options})
    results = run.task_results("Run s3_dr_drift_info")
    assert results, run
    return results[0]


def writes(localaws) -> list:
    return [call for call in localaws.recorded_calls() if call.is_write]


def strip(response: dict) -> dict:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def s3_event_queue(sqs) -> str:
    """A queue whose policy lets S3 send this account's bucket events (S3 validates it on put)."""
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]})})
    return arn


def fully_configured_source(aws_client) -> dict:
    """A source bucket with every category set; returns names and the ARNs used."""
    source = unique("full")
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION},
                     ObjectLockEnabledForBucket=True)
    source_key = aws_client("kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    dest_key = aws_client("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]
    queue, dest_queue = s3_event_queue(aws_client("sqs", SOURCE_REGION)), s3_event_queue(aws_client("sqs", DR_REGION))
    arn = f"arn:aws:s3:::{source}"
    s3.put_bucket_policy(Bucket=source, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadForTeam", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "s3:GetObject", "Resource": f"{arn}/*"},
        {"Sid": "AccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{arn}/logs/*"}]}))
    s3.put_bucket_encryption(Bucket=source, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": source_key},
        "BucketKeyEnabled": True}]})
    s3.put_object_lock_configuration(Bucket=source, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}})
    s3.put_bucket_lifecycle_configuration(Bucket=source, LifecycleConfiguration={"Rules": [
        {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}},
        {"ID": "old-versions", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]})
    s3.put_bucket_cors(Bucket=source, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["https://app.example.com"], "MaxAgeSeconds": 300}]})
    s3.put_bucket_website(Bucket=source, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": source, "TargetPrefix": "logs/"}})
    s3.put_bucket_notification_configuration(Bucket=source, NotificationConfiguration={
        "QueueConfigurations": [{"Id": "new-objects", "QueueArn": queue, "Events": ["s3:ObjectCreated:*"]}],
        "EventBridgeConfiguration": {}})
    s3.put_bucket_tagging(Bucket=source, Tagging={"TagSet": [{"Key": "dr", "Value": "true"},
                                                             {"Key": "team", "Value": "payments"}]})
    s3.put_bucket_accelerate_configuration(Bucket=source, AccelerateConfiguration={"Status": "Enabled"})
    s3.put_bucket_request_payment(Bucket=source, RequestPaymentConfiguration={"Payer": "Requester"})
    s3.put_bucket_analytics_configuration(Bucket=source, Id="sca", AnalyticsConfiguration={
        "Id": "sca", "StorageClassAnalysis": {"DataExport": {"OutputSchemaVersion": "V_1", "Destination": {
            "S3BucketDestination": {"Format": "CSV", "Bucket": arn, "Prefix": "analytics/"}}}}})
    s3.put_bucket_metrics_configuration(Bucket=source, Id="all", MetricsConfiguration={"Id": "all"})
    s3.put_bucket_inventory_configuration(Bucket=source, Id="weekly", InventoryConfiguration={
        "Id": "weekly", "IsEnabled": True, "IncludedObjectVersions": "All", "Schedule": {"Frequency": "Weekly"},
        "Destination": {"S3BucketDestination": {"Bucket": arn, "Format": "CSV", "Prefix": "inventory/"}}})
    s3.put_bucket_intelligent_tiering_configuration(Bucket=source, Id="archive", IntelligentTieringConfiguration={
        "Id": "archive", "Status": "Enabled", "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]})
    return {"source": source, "dest": f"{source}-dr", "source_key": source_key, "dest_key": dest_key,
            "queue": queue, "dest_queue": dest_queue}


def test_every_category_is_cloned_rewritten_then_idempotent(localaws, run_playbook, aws_client):
    names = fully_configured_source(aws_client)
    source, dest = names["source"], names["dest"]
    options = {"source_bucket": source, "dest_region": DR_REGION,
               "kms_key_map": {names["source_key"]: names["dest_key"]},
               "notification_target_map": {names["queue"]: names["dest_queue"]}}
    result = clone(run_playbook, **options)
    assert not result.get("failed"), result
    statuses = {name: outcome["status"] for name, outcome in result["categories"].items()}
    assert statuses["acl"] == "skipped" and "BucketOwnerEnforced" in result["categories"]["acl"]["reason"]
    assert {name for name, status in statuses.items() if status in ("skipped", "failed")} == {"acl", "replication"}

    src, dst = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)

    def rename(value):
        return json.loads(json.dumps(value).replace(f"arn:aws:s3:::{source}", f"arn:aws:s3:::{dest}"))

    same = {
        "cors": lambda s3, b: s3.get_bucket_cors(Bucket=b)["CORSRules"],
        "website": lambda s3, b: strip(s3.get_bucket_website(Bucket=b)),
        "lifecycle": lambda s3, b: s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"],
        "accelerate": lambda s3, b: s3.get_bucket_accelerate_configuration(Bucket=b)["Status"],
        "request-payment": lambda s3, b: s3.get_bucket_request_payment(Bucket=b)["Payer"],
        "metrics": lambda s3, b: s3.list_bucket_metrics_configurations(Bucket=b)["MetricsConfigurationList"],
        "intelligent-tiering": lambda s3, b: s3.list_bucket_intelligent_tiering_configurations(Bucket=b)[
            "IntelligentTieringConfigurationList"],
        "object-lock": lambda s3, b: s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"],
    }
    for name, read in same.items():
        assert read(dst, dest) == read(src, source), name
    assert dst.list_bucket_analytics_configurations(Bucket=dest)["AnalyticsConfigurationList"] == rename(
        src.list_bucket_analytics_configurations(Bucket=source)["AnalyticsConfigurationList"])
    assert dst.list_bucket_inventory_configurations(Bucket=dest)["InventoryConfigurationList"] == rename(
        src.list_bucket_inventory_configurations(Bucket=source)["InventoryConfigurationList"])
    assert dst.get_bucket_logging(Bucket=dest)["LoggingEnabled"] == {"TargetBucket": dest, "TargetPrefix": "logs/"}
    assert dst.get_bucket_tagging(Bucket=dest)["TagSet"] == [{"Key": "team", "Value": "payments"}]
    default = dst.get_bucket_encryption(Bucket=dest)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == names["dest_key"]
    notification = strip(dst.get_bucket_notification_configuration(Bucket=dest))
    assert notification["QueueConfigurations"][0]["QueueArn"] == names["dest_queue"]
    assert "EventBridgeConfiguration" in notification
    policy = json.loads(dst.get_bucket_policy(Bucket=dest)["Policy"])
    source_policy = json.loads(src.get_bucket_policy(Bucket=source)["Policy"])
    assert policy["Statement"][:2] == rename(source_policy["Statement"])
    assert policy["Statement"][2]["Sid"] == "DenyInsecureTransport"
    assert all(dst.get_public_access_block(Bucket=dest)["PublicAccessBlockConfiguration"].values())
    assert dst.get_bucket_versioning(Bucket=dest)["Status"] == "Enabled"

    localaws.start_recording()
    again = clone(run_playbook, **options)
    assert again["changed"] is False, again["actions"]
    assert writes(localaws) == []

    report = drift(run_playbook, **options)
    categories = report["buckets"][0]["categories"]
    assert {name for name, entry in categories.items() if entry["status"] != "in_sync"} == {"acl"}
    # Object Lock turned versioning on for the source; replication is s3_crr_enable's business.
    assert report["buckets"][0]["problems"] == [f"replication to {dest} is not enabled"]


def test_check_mode_writes_nothing_and_diff_is_per_category(localaws, run_playbook, aws_client):
    source = unique("chk")
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_cors(Bucket=source, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]})
    localaws.start_recording()
    result = clone(run_playbook, check=True, diff=True, source_bucket=source, dest_region=DR_REGION)
    assert writes(localaws) == []
    assert result["changed"] is True
    assert result["categories"]["cors"]["status"] == "created"
    assert result["diff"]["before"]["cors"] is None
    assert result["diff"]["after"]["cors"] == [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
    assert any(action.startswith("create DR bucket") for action in result["actions"])


def test_drift_reports_the_field_and_clone_brings_it_back(run_playbook, aws_client):
    source = unique("drift")
    s3, dr = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_lifecycle_configuration(Bucket=source, LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 7}}]})
    s3.put_bucket_tagging(Bucket=source, Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
    options = {"source_bucket": source, "dest_region": DR_REGION, "categories": ["lifecycle", "tagging", "cors"]}
    clone(run_playbook, **options)
    assert all(entry["status"] == "in_sync" for entry in drift(run_playbook, **options)["buckets"][0]["categories"].values())

    dr.put_bucket_lifecycle_configuration(Bucket=f"{source}-dr", LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]})
    dr.put_bucket_cors(Bucket=f"{source}-dr", CORSConfiguration={"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]})
    dr.delete_bucket_tagging(Bucket=f"{source}-dr")
    report = drift(run_playbook, **options)["buckets"][0]
    assert report["categories"]["lifecycle"] == {"status": "drifted", "fields": ["[0].Expiration.Days"]}
    assert report["categories"]["tagging"]["status"] == "missing_on_dr"
    assert report["categories"]["cors"]["status"] == "drifted"
    assert report["dr_ready"] is False and "lifecycle drifted" in report["problems"]

    clone(run_playbook, **options)
    assert all(entry["status"] == "in_sync" for entry in drift(run_playbook, **options)["buckets"][0]["categories"].values())


@pytest.mark.parametrize("purge", [True, False])
def test_purge_removes_dr_only_lifecycle_rule(purge, run_playbook, aws_client):
    source = unique("purge")
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    options = {"source_bucket": source, "dest_region": DR_REGION, "categories": ["lifecycle"]}
    clone(run_playbook, **options)
    dr = aws_client("s3", DR_REGION)
    dr.put_bucket_lifecycle_configuration(Bucket=f"{source}-dr", LifecycleConfiguration={"Rules": [
        {"ID": "dr-only", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]})
    result = clone(run_playbook, purge=purge, **options)
    assert result["categories"]["lifecycle"]["status"] == ("deleted" if purge else "unchanged")
    rules = dr.get_bucket_lifecycle_configuration(Bucket=f"{source}-dr")["Rules"] if not purge else None
    assert rules is None or rules[0]["ID"] == "dr-only"


def test_unmapped_values_are_skipped_with_reasons_or_fail(run_playbook, aws_client):
    source = unique("unmapped")
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    key = aws_client("kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    s3.put_bucket_encryption(Bucket=source, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    s3.put_bucket_policy(Bucket=source, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadFromVpce", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{source}/*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1111"}}}]}))
    options = {"source_bucket": source, "dest_region": DR_REGION, "categories": ["encryption", "policy"]}
    result = clone(run_playbook, **options)
    assert result["categories"]["encryption"]["status"] == "skipped"
    assert "kms_key_map" in result["categories"]["encryption"]["reason"] and key in result["categories"]["encryption"]["reason"]
    assert any("aws:SourceVpce" in part and "policy_value_map" in part
               for part in result["categories"]["policy"]["skipped_parts"])
    policy = json.loads(aws_client("s3", DR_REGION).get_bucket_policy(Bucket=f"{source}-dr")["Policy"])
    assert [statement["Sid"] for statement in policy["Statement"]] == ["DenyInsecureTransport"]

    mapped = clone(run_playbook, policy_value_map={"vpce-1111": "vpce-2222"}, **options)
    assert not mapped.get("failed"), mapped
    policy = json.loads(aws_client("s3", DR_REGION).get_bucket_policy(Bucket=f"{source}-dr")["Policy"])
    assert policy["Statement"][0]["Condition"]["StringEquals"]["aws:SourceVpce"] == "vpce-2222"

    failed = clone(run_playbook, on_unmapped="fail", policy_value_map={"vpce-1111": "vpce-2222"}, **options)
    assert failed.get("failed") and "kms_key_map" in failed["msg"] and source in failed["msg"]
    assert failed["failed_categories"] == ["encryption"] and failed["categories"]["policy"]["status"] == "unchanged"


def test_conditional_denies_are_carried_with_kms_keys_mapped_or_reported_when_they_would_deny_us(
        run_playbook, aws_client):
    """Real-world policies ("Bucket policy examples"): the DR bucket keeps TLS-only and the SSE-KMS key requirement
    (its key mapped) and stays writable by our own principals; a principal allow-list Deny is reported, not carried."""
    source = unique("conditional")
    s3, dr = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    source_key = aws_client("kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    dr_key = aws_client("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]
    s3.put_bucket_policy(Bucket=source, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyAppRoles", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{source}", f"arn:aws:s3:::{source}/*"],
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::{ACCOUNT}:role/app-*"]}}},
        {"Sid": "OnlyOurKey", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{source}/*",
         "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": source_key}}}]}))
    result = clone(run_playbook, source_bucket=source, dest_region=DR_REGION, categories=["policy"],
                   kms_key_map={source_key: dr_key})
    assert not result.get("failed"), result
    skipped = result["categories"]["policy"]["skipped_parts"]
    assert len(skipped) == 1 and "OnlyAppRoles" in skipped[0] and "would deny the replication role" in skipped[0], skipped
    policy = json.loads(dr.get_bucket_policy(Bucket=f"{source}-dr")["Policy"])
    by_sid = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert set(by_sid) == {"OnlyOurKey", "DenyInsecureTransport"}
    assert by_sid["OnlyOurKey"]["Condition"]["StringNotEqualsIfExists"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": dr_key}
    # The strict endpoint evaluates those conditions: our writes with the DR key pass, others are denied.
    dr.put_object(Bucket=f"{source}-dr", Key="copied.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=dr_key)
    with pytest.raises(ClientError) as denied:
        dr.put_object(Bucket=f"{source}-dr", Key="other-key.txt", Body=b"x", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=source_key)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    failed = clone(run_playbook, source_bucket=source, dest_region=DR_REGION, categories=["policy"],
                   kms_key_map={source_key: dr_key}, on_unmapped="fail")
    assert failed.get("failed") and "OnlyAppRoles" in failed["msg"] and source in failed["msg"], failed


def test_fleet_with_injected_failures(localaws, run_playbook, aws_client):
    tag = unique("cfleet")
    s3 = aws_client("s3", SOURCE_REGION)
    sources = []
    for index in range(50):
        name = f"{tag}-{index:02d}"
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "fleet", "Value": tag}]})
        sources.append(name)
    broken = [sources[3], sources[40]]
    for name in broken:  # a DR bucket name already taken in another Region
        aws_client("s3", "ap-south-1").create_bucket(Bucket=f"{name}-dr",
                                                     CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    result = clone(run_playbook, source_tags={"fleet": tag}, source_region=SOURCE_REGION, dest_region=DR_REGION,
                   categories=["tagging"])
    assert result.get("failed") and sorted(result["failed_buckets"]) == sorted(broken)
    assert "2 of 50 buckets failed" in result["msg"] and all(name in result["msg"] for name in broken)
    assert sum(not item["failed"] for item in result["results"]) == 48
    assert aws_client("s3", DR_REGION).get_bucket_tagging(Bucket=f"{sources[0]}-dr")["TagSet"] == [
        {"Key": "fleet", "Value": tag}]


# Bad input (and the cases that were here) is in test_bad_input.py.


def test_unknown_category_is_refused_before_any_call(localaws, run_playbook):
    localaws.start_recording()
    result = clone(run_playbook, source_bucket="any-bucket", dest_region=DR_REGION, categories=["lifecycle", "colour"])
    assert result.get("failed") and "colour" in result["msg"]
    assert localaws.recorded_calls() == []


def test_acl_is_carried_when_the_baseline_is_off(run_playbook, aws_client):
    source = unique("acl")
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION},
                     ObjectOwnership="ObjectWriter")
    owner = s3.get_bucket_acl(Bucket=source)["Owner"]["ID"]
    partner = "b" * 64
    s3.put_bucket_acl(Bucket=source, AccessControlPolicy={"Owner": {"ID": owner}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "CanonicalUser", "ID": partner}, "Permission": "READ"}]})
    result = clone(run_playbook, source_bucket=source, dest_region=DR_REGION, secure_baseline=False,
                   categories=["ownership-controls", "acl"])
    assert result["categories"]["ownership-controls"]["status"] == "updated"
    assert result["categories"]["acl"]["status"] == "updated", result["categories"]["acl"]
    assert partner in result["categories"]["acl"]["skipped_parts"][0]
    grants = aws_client("s3", DR_REGION).get_bucket_acl(Bucket=f"{source}-dr")["Grants"]
    assert {(grant["Grantee"].get("ID"), grant["Permission"]) for grant in grants} >= {(partner, "READ")}
    again = clone(run_playbook, source_bucket=source, dest_region=DR_REGION, secure_baseline=False,
                  categories=["ownership-controls", "acl"])
    assert again["changed"] is False


def test_drift_in_every_category_is_reported_then_cloned_away(run_playbook, aws_client):
    names = fully_configured_source(aws_client)
    dest = names["dest"]
    options = {"source_bucket": names["source"], "dest_region": DR_REGION,
               "kms_key_map": {names["source_key"]: names["dest_key"]},
               "notification_target_map": {names["queue"]: names["dest_queue"]}}
    clone(run_playbook, **options)
    dr = aws_client("s3", DR_REGION)
    drifts = {
        "object-lock": lambda: dr.put_object_lock_configuration(Bucket=dest, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}),
        "accelerate": lambda: dr.put_bucket_accelerate_configuration(Bucket=dest, AccelerateConfiguration={"Status": "Suspended"}),
        "analytics": lambda: dr.delete_bucket_analytics_configuration(Bucket=dest, Id="sca"),
        "cors": lambda: dr.put_bucket_cors(Bucket=dest, CORSConfiguration={"CORSRules": [
            {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]}),
        "encryption": lambda: dr.put_bucket_encryption(Bucket=dest, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}),
        "intelligent-tiering": lambda: dr.put_bucket_intelligent_tiering_configuration(
            Bucket=dest, Id="archive", IntelligentTieringConfiguration={
                "Id": "archive", "Status": "Disabled", "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]}),
        "inventory": lambda: dr.delete_bucket_inventory_configuration(Bucket=dest, Id="weekly"),
        "lifecycle": lambda: dr.put_bucket_lifecycle_configuration(Bucket=dest, LifecycleConfiguration={"Rules": [
            {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]}),
        "logging": lambda: dr.put_bucket_logging(Bucket=dest, BucketLoggingStatus={}),
        "metrics": lambda: dr.delete_bucket_metrics_configuration(Bucket=dest, Id="all"),
        "notification": lambda: dr.put_bucket_notification_configuration(Bucket=dest, NotificationConfiguration={}),
        "ownership-controls": lambda: dr.put_bucket_ownership_controls(Bucket=dest, OwnershipControls={
            "Rules": [{"ObjectOwnership": "ObjectWriter"}]}),
        "policy": lambda: dr.delete_bucket_policy(Bucket=dest),
        "public-access-block": lambda: dr.put_public_access_block(Bucket=dest, PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}),
        "request-payment": lambda: dr.put_bucket_request_payment(Bucket=dest, RequestPaymentConfiguration={"Payer": "BucketOwner"}),
        "tagging": lambda: dr.delete_bucket_tagging(Bucket=dest),
        "website": lambda: dr.delete_bucket_website(Bucket=dest),
    }
    for drift_it in drifts.values():
        drift_it()
    # acl: skipped while ACLs are off on the DR bucket; versioning cannot be suspended with Object Lock on.
    report = drift(run_playbook, **options)["buckets"][0]
    for name in drifts:
        entry = report["categories"][name]
        assert entry["status"] in ("drifted", "missing_on_dr"), (name, entry)
        assert entry["fields"], (name, entry)
    assert report["dr_ready"] is False

    clone(run_playbook, **options)
    report = drift(run_playbook, **options)["buckets"][0]
    assert {name: entry["status"] for name, entry in report["categories"].items() if entry["status"] != "in_sync"} == {
        "acl": "skipped"}


def test_drift_fleet_reports_a_broken_pair_as_not_ready_and_names_its_dr_bucket(run_playbook, aws_client):
    tag = unique("dfleet")
    s3 = aws_client("s3", SOURCE_REGION)
    sources = [f"{tag}-{index}" for index in range(3)]
    for name in sources:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "fleet", "Value": tag}]})
    broken = sources[1]  # its DR bucket name is taken in another Region: the pair cannot be read
    aws_client("s3", "ap-south-1").create_bucket(Bucket=f"{broken}-dr",
                                                 CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    result = drift(run_playbook, source_tags={"fleet": tag}, source_region=SOURCE_REGION, dest_region=DR_REGION,
                   categories=["tagging"])
    assert result.get("failed") is not True, result
    assert result["dr_ready"] is False
    reports = {item["source_bucket"]: item for item in result["buckets"]}
    assert reports[broken]["dr_ready"] is False and reports[broken]["dest_bucket"] == f"{broken}-dr"
    assert "ap-south-1" in reports[broken]["error"], reports[broken]
    assert any(line.startswith(f"{broken} -> {broken}-dr: NOT DR-ready") for line in result["summary"]), result["summary"]
