"""s3_crr_enable through real ansible-playbook runs against the local endpoint."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import client_for

PLAYBOOK = "tests/integration/playbooks/crr/single.yml"
TASK = "Run s3_crr_enable"
SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"
ACCOUNT = "123456789012"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/resilience-s3dr/s3dr-replication-role-boundary"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_source(aws_client, name: str | None = None, region: str = SOURCE_REGION, tags: dict | None = None) -> str:
    name = name or unique("src")
    s3 = aws_client("s3", region)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return name


def crr(run_playbook, check: bool = False, diff: bool = False, **options) -> dict:
    run = run_playbook(PLAYBOOK, extra_vars={"crr": options}, check=check, diff=diff)
    results = run.task_results(TASK)
    assert results, run
    return results[0]


def writes(localaws) -> list:
    return [call for call in localaws.recorded_calls() if call.is_write]


def existing_role(aws_client, name: str) -> str:
    """The ARN of a replication role the user manages (role_arn must name a role that exists)."""
    iam = aws_client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]


def replication_of(aws_client, bucket: str, region: str = SOURCE_REGION) -> dict:
    return aws_client("s3", region).get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]


def whole_bucket_rule(dest: str, **destination) -> dict:
    return {"ID": "dr", "Priority": 0, "Status": "Enabled", "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": f"arn:aws:s3:::{dest}", **destination}}


def test_fresh_pair_is_made_then_second_run_writes_nothing(localaws, run_playbook, aws_client):
    source = make_source(aws_client)
    first = crr(run_playbook, source_bucket=source, dest_region=DR_REGION)
    assert first["changed"] is True and not first.get("failed"), first
    dest = f"{source}-dr"
    assert first["dest_bucket"] == dest and first["source_region"] == SOURCE_REGION

    dest_s3, source_s3 = aws_client("s3", DR_REGION), aws_client("s3", SOURCE_REGION)
    assert dest_s3.get_bucket_location(Bucket=dest)["LocationConstraint"] == DR_REGION
    assert dest_s3.get_public_access_block(Bucket=dest)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    encryption = dest_s3.get_bucket_encryption(Bucket=dest)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    ownership = dest_s3.get_bucket_ownership_controls(Bucket=dest)["OwnershipControls"]["Rules"][0]
    assert ownership["ObjectOwnership"] == "BucketOwnerEnforced"
    policy = json.loads(dest_s3.get_bucket_policy(Bucket=dest)["Policy"])
    assert policy["Statement"][0]["Effect"] == "Deny"
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert dest_s3.get_bucket_versioning(Bucket=dest)["Status"] == "Enabled"
    assert source_s3.get_bucket_versioning(Bucket=source)["Status"] == "Enabled"

    role_name = f"s3-crr-{source}"
    iam = aws_client("iam")
    role = iam.get_role(RoleName=role_name)["Role"]
    assert first["role_arn"] == role["Arn"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY_ARN
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:s3:::{source}"
    inline = iam.get_role_policy(RoleName=role_name, PolicyName="s3-replication")["PolicyDocument"]
    resources = {resource for statement in inline["Statement"] for resource in statement["Resource"]}
    assert resources == {f"arn:aws:s3:::{source}", f"arn:aws:s3:::{source}/*", f"arn:aws:s3:::{dest}/*"}
    actions = {action for statement in inline["Statement"] for action in statement["Action"]}
    assert not any(action in ("s3:*", "*") for action in actions)

    assert replication_of(aws_client, source) == {"Role": role["Arn"], "Rules": [whole_bucket_rule(dest)]}

    localaws.start_recording()
    second = crr(run_playbook, source_bucket=source, dest_region=DR_REGION)
    assert second["changed"] is False and second["actions"] == [], second
    assert writes(localaws) == []
    assert localaws.recorded_calls(), "the recording saw the second run's reads"


def test_check_mode_writes_nothing_and_diff_shows_what_would_change(localaws, run_playbook, aws_client):
    source = make_source(aws_client)
    localaws.start_recording()
    result = crr(run_playbook, check=True, diff=True, source_bucket=source, dest_region=DR_REGION)
    assert writes(localaws) == []
    assert result["changed"] is True
    assert "create DR bucket" in result["actions"][0]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["dest_bucket_exists"] is False and after["dest_bucket_exists"] is True
    assert before["source_versioning"] == "Disabled" and after["source_versioning"] == "Enabled"
    assert before["dest_versioning"] == "Disabled" and after["dest_versioning"] == "Enabled"
    assert before["replication"] is None
    assert after["replication"]["Rules"][0]["Destination"] == {"Bucket": f"arn:aws:s3:::{source}-dr"}
    assert after["replication"]["Role"] == f"arn:aws:iam::{ACCOUNT}:role/service-role/s3-crr-{source}"
    with pytest.raises(ClientError):
        aws_client("s3", DR_REGION).head_bucket(Bucket=f"{source}-dr")

    crr(run_playbook, source_bucket=source, dest_region=DR_REGION)
    again = crr(run_playbook, check=True, diff=True, source_bucket=source, dest_region=DR_REGION)
    assert again["changed"] is False and again["diff"]["before"] == again["diff"]["after"]


def _kms_key(aws_client, region: str) -> str:
    return aws_client("kms", region).create_key(Description="dr test key")["KeyMetadata"]["Arn"]


def test_kms_rtc_and_metrics_read_back_equal(run_playbook, aws_client):
    source = make_source(aws_client)
    source_key, replica_key = _kms_key(aws_client, SOURCE_REGION), _kms_key(aws_client, DR_REGION)
    result = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, dest_kms_key_id=replica_key,
                 source_kms_key_ids=[source_key],
                 rules=[{"id": "dr", "sse_kms_encrypted_objects": True, "replica_kms_key_id": replica_key,
                         "replication_time": True, "metrics": True}])
    assert not result.get("failed"), result
    dest = f"{source}-dr"
    expected_rule = whole_bucket_rule(
        dest, EncryptionConfiguration={"ReplicaKmsKeyID": replica_key},
        ReplicationTime={"Status": "Enabled", "Time": {"Minutes": 15}},
        Metrics={"Status": "Enabled", "EventThreshold": {"Minutes": 15}})
    expected_rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert replication_of(aws_client, source)["Rules"] == [expected_rule]

    encryption = aws_client("s3", DR_REGION).get_bucket_encryption(Bucket=dest)
    default = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    assert default == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": replica_key}
    policy = aws_client("iam").get_role_policy(RoleName=f"s3-crr-{source}", PolicyName="s3-replication")
    statements = {statement["Sid"]: statement for statement in policy["PolicyDocument"]["Statement"]}
    assert statements["DecryptSourceObjects"]["Resource"] == [source_key]
    assert statements["DecryptSourceObjects"]["Condition"]["StringLike"]["kms:ViaService"] == \
        f"s3.{SOURCE_REGION}.amazonaws.com"
    assert statements["EncryptReplicas"]["Resource"] == [replica_key]
    assert statements["EncryptReplicas"]["Condition"]["StringLike"]["kms:ViaService"] == f"s3.{DR_REGION}.amazonaws.com"


def test_a_replica_key_alias_is_stored_as_the_key_arn_and_a_second_run_changes_nothing(run_playbook, aws_client):
    source = make_source(aws_client)
    source_key, replica_key = _kms_key(aws_client, SOURCE_REGION), _kms_key(aws_client, DR_REGION)
    alias = f"alias/{source}"
    aws_client("kms", DR_REGION).create_alias(AliasName=alias, TargetKeyId=replica_key)
    options = {"source_bucket": source, "dest_region": DR_REGION, "source_kms_key_ids": [source_key],
               "rules": [{"id": "dr", "sse_kms_encrypted_objects": True, "replica_kms_key_id": alias}]}
    first = crr(run_playbook, **options)
    assert first["changed"] is True, first
    rule = replication_of(aws_client, source)["Rules"][0]
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": replica_key}
    again = crr(run_playbook, **options)
    assert again["changed"] is False, again


@pytest.mark.parametrize(("rule", "expected_filter", "expected_extra"), [
    ({"id": "dr", "prefix": "reports/"}, {"Prefix": "reports/"}, {}),
    ({"id": "dr", "tags": {"tier": "gold"}}, {"Tag": {"Key": "tier", "Value": "gold"}},
     {"DeleteMarkerReplication": {"Status": "Disabled"}}),
    ({"id": "dr", "prefix": "logs/", "tags": {"b": "2", "a": "1"}},
     {"And": {"Prefix": "logs/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}},
     {"DeleteMarkerReplication": {"Status": "Disabled"}}),
    ({"id": "dr", "storage_class": "STANDARD_IA"}, {}, {"Destination": {"StorageClass": "STANDARD_IA"}}),
    ({"id": "dr", "replica_modifications": True}, {},
     {"SourceSelectionCriteria": {"ReplicaModifications": {"Status": "Enabled"}}}),
    ({"id": "dr", "status": "disabled", "priority": 7, "delete_marker_replication": False}, {},
     {"Status": "Disabled", "Priority": 7, "DeleteMarkerReplication": {"Status": "Disabled"}}),
], ids=["prefix", "tag", "prefix-and-tags", "storage-class", "replica-modifications", "disabled-priority"])
def test_rule_features_read_back_equal(rule, expected_filter, expected_extra, run_playbook, aws_client):
    source = make_source(aws_client)
    result = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, rules=[rule])
    assert not result.get("failed"), result
    expected = whole_bucket_rule(f"{source}-dr")
    expected["Filter"] = expected_filter
    for key, value in expected_extra.items():
        expected[key] = {**expected[key], **value} if key == "Destination" else value
    assert replication_of(aws_client, source)["Rules"] == [expected]
    assert crr(run_playbook, source_bucket=source, dest_region=DR_REGION, rules=[rule])["changed"] is False


def test_cross_account_shape_reads_back_equal(localaws, run_playbook, aws_client):
    source = make_source(aws_client)
    dest = unique("their-dr")
    result = crr(run_playbook, source_bucket=source, dest_bucket=dest, dest_region=DR_REGION,
                 dest_account="210987654321", owner_override=True)
    assert not result.get("failed"), result
    assert replication_of(aws_client, source)["Rules"] == [whole_bucket_rule(
        dest, Account="210987654321", AccessControlTranslation={"Owner": "Destination"})]
    with pytest.raises(ClientError):  # the other account's bucket is theirs to create
        aws_client("s3", DR_REGION).head_bucket(Bucket=dest)
    policy = aws_client("iam").get_role_policy(RoleName=f"s3-crr-{source}", PolicyName="s3-replication")
    replicate = next(s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "WriteReplicasToDrBucket")
    assert "s3:ObjectOwnerOverrideToBucketOwner" in replicate["Action"]


def test_owner_override_per_rule_reads_back_equal(localaws, run_playbook, aws_client):
    source = make_source(aws_client)
    dest = unique("their-dr")
    rules = [{"id": "invoices", "prefix": "invoices/", "priority": 1, "owner_override": True},
             {"id": "everything-else", "priority": 0}]
    result = crr(run_playbook, source_bucket=source, dest_bucket=dest, dest_region=DR_REGION,
                 dest_account="210987654321", rules=rules)
    assert not result.get("failed"), result
    destination = {"Bucket": f"arn:aws:s3:::{dest}", "Account": "210987654321"}
    by_id = {rule["ID"]: rule for rule in replication_of(aws_client, source)["Rules"]}
    assert by_id["invoices"]["Destination"] == {**destination, "AccessControlTranslation": {"Owner": "Destination"}}
    assert by_id["everything-else"]["Destination"] == destination
    policy = aws_client("iam").get_role_policy(RoleName=f"s3-crr-{source}", PolicyName="s3-replication")
    replicate = next(s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "WriteReplicasToDrBucket")
    assert "s3:ObjectOwnerOverrideToBucketOwner" in replicate["Action"]
    again = crr(run_playbook, source_bucket=source, dest_bucket=dest, dest_region=DR_REGION,
                rules=[{**rule, "dest_account": "210987654321"} for rule in rules])
    assert not again.get("failed") and again["changed"] is False, again


def _put_foreign_rule(aws_client, source: str, role: str) -> dict:
    s3 = aws_client("s3", SOURCE_REGION)
    other = make_source(aws_client, unique("other-team"))
    for bucket in (source, other):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    foreign = {"ID": "other-team", "Priority": 5, "Status": "Enabled", "Filter": {"Prefix": "shared/"},
               "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{other}"}}
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": role, "Rules": [foreign]})
    return foreign


def test_foreign_rule_survives_purge_removes_it_and_absent_is_idempotent(localaws, run_playbook, aws_client):
    source = make_source(aws_client)
    role = existing_role(aws_client, "team-replication")
    foreign = _put_foreign_rule(aws_client, source, role)

    kept = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, role_arn=role)
    assert not kept.get("failed"), kept
    rules = {rule["ID"]: rule for rule in replication_of(aws_client, source)["Rules"]}
    assert rules["other-team"] == foreign
    assert rules["dr"]["Destination"]["Bucket"] == f"arn:aws:s3:::{source}-dr"
    assert rules["dr"]["Priority"] == 0

    purged = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, role_arn=role, purge_rules=True)
    assert purged["changed"] is True
    assert [rule["ID"] for rule in replication_of(aws_client, source)["Rules"]] == ["dr"]

    removed = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, state="absent")
    assert removed["changed"] is True
    with pytest.raises(ClientError) as error:
        replication_of(aws_client, source)
    assert error.value.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"
    assert aws_client("s3", SOURCE_REGION).get_bucket_versioning(Bucket=source)["Status"] == "Enabled"
    assert aws_client("s3", DR_REGION).head_bucket(Bucket=f"{source}-dr")

    localaws.start_recording()
    assert crr(run_playbook, source_bucket=source, dest_region=DR_REGION, state="absent")["changed"] is False
    assert writes(localaws) == []


def test_absent_keeps_other_rules(run_playbook, aws_client):
    source = make_source(aws_client)
    role = existing_role(aws_client, "team-replication")
    foreign = _put_foreign_rule(aws_client, source, role)
    crr(run_playbook, source_bucket=source, dest_region=DR_REGION, role_arn=role)
    removed = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, state="absent")
    assert removed["changed"] is True
    assert replication_of(aws_client, source) == {"Role": role, "Rules": [foreign]}


def test_an_aws_error_the_core_did_not_foresee_is_a_message_naming_the_bucket(run_playbook, aws_client):
    source = make_source(aws_client)
    role = existing_role(aws_client, "team-replication")
    _put_foreign_rule(aws_client, source, role)
    crr(run_playbook, source_bucket=source, dest_region=DR_REGION, role_arn=role)
    # S3 refuses a replication configuration on a bucket whose versioning is no longer Enabled.
    aws_client("s3", SOURCE_REGION).put_bucket_versioning(Bucket=source, VersioningConfiguration={"Status": "Suspended"})
    failed = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, state="absent")
    assert failed.get("failed"), failed
    assert failed["msg"].startswith(f"Bucket {source}: ") and "(InvalidRequest)" in failed["msg"], failed["msg"]
    assert failed["bucket"] == source


def test_role_change_with_foreign_rules_needs_opt_in(localaws, run_playbook, aws_client):
    source = make_source(aws_client)
    _put_foreign_rule(aws_client, source, existing_role(aws_client, "team-replication"))
    another_role = existing_role(aws_client, "another-role")
    localaws.start_recording()
    refused = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, role_arn=another_role)
    assert refused.get("failed") and "allow_role_change" in refused["msg"] and source in refused["msg"], refused
    assert writes(localaws) == []
    allowed = crr(run_playbook, source_bucket=source, dest_region=DR_REGION,
                  role_arn=another_role, allow_role_change=True)
    assert not allowed.get("failed"), allowed
    configuration = replication_of(aws_client, source)
    assert configuration["Role"].endswith("another-role") and len(configuration["Rules"]) == 2


def test_legacy_v1_rule_is_kept_as_equivalent_v2_rule(run_playbook, aws_client):
    source = make_source(aws_client)
    other = make_source(aws_client, unique("legacy-dst"))
    s3 = aws_client("s3", SOURCE_REGION)
    for bucket in (source, other):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    role = existing_role(aws_client, "seed-role")
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": role, "Rules": [
        {"ID": "seed", "Prefix": "", "Status": "Enabled", "Destination": {"Bucket": f"arn:aws:s3:::{other}"}}]})
    result = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, role_arn=role)
    assert not result.get("failed"), result
    assert any("legacy (V1)" in warning for warning in result.get("warnings", []))
    rules = {rule["ID"]: rule for rule in replication_of(aws_client, source)["Rules"]}
    assert rules["seed"] == {"ID": "seed", "Priority": 1, "Status": "Enabled", "Filter": {},
                             "DeleteMarkerReplication": {"Status": "Enabled"},
                             "Destination": {"Bucket": f"arn:aws:s3:::{other}"}}


def _other_account_s3(localaws, region: str):
    credentials = client_for(localaws, "sts").assume_role(
        RoleArn="arn:aws:iam::111111111111:role/other", RoleSessionName="other")["Credentials"]
    return boto3.client("s3", region_name=region, endpoint_url=localaws.endpoint_url,
                        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def test_fleet_of_50_with_2_broken_buckets(localaws, run_playbook, aws_client):
    fleet_tag = unique("fleet")
    sources = [make_source(aws_client, f"{fleet_tag}-{index:02d}", tags={"fleet": fleet_tag}) for index in range(50)]
    taken_elsewhere, wrong_region = sources[7], sources[31]
    _other_account_s3(localaws, DR_REGION).create_bucket(
        Bucket=f"{taken_elsewhere}-dr", CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    aws_client("s3", "ap-south-1").create_bucket(
        Bucket=f"{wrong_region}-dr", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    make_source(aws_client, unique("untagged"))

    result = crr(run_playbook, source_tags={"fleet": fleet_tag}, source_region=SOURCE_REGION, dest_region=DR_REGION)
    assert result.get("failed") is True
    assert sorted(result["failed_buckets"]) == sorted([taken_elsewhere, wrong_region])
    assert "2 of 50 buckets failed" in result["msg"]
    assert taken_elsewhere in result["msg"] and "not owned by account" in result["msg"]
    assert wrong_region in result["msg"] and "ap-south-1" in result["msg"]
    assert len(result["results"]) == 50
    done = [item for item in result["results"] if not item["failed"]]
    assert len(done) == 48
    for item in done:
        assert replication_of(aws_client, item["source_bucket"])["Rules"][0]["Destination"]["Bucket"] == \
            f"arn:aws:s3:::{item['source_bucket']}-dr"

    again = crr(run_playbook, sources=[{"source_bucket": name} for name in sources if name not in
                                       (taken_elsewhere, wrong_region)], dest_region=DR_REGION)
    assert not again.get("failed") and again["changed"] is False, again


# Bad input (and the cases that were here) is in test_bad_input.py.


def test_long_source_name_gets_a_shortened_deterministic_dr_name(run_playbook, aws_client):
    source = make_source(aws_client, ("long-" + uuid.uuid4().hex * 2)[:62])
    result = crr(run_playbook, source_bucket=source, dest_region=DR_REGION)
    assert not result.get("failed"), result
    dest = result["dest_bucket"]
    assert len(dest) == 63 and dest.endswith("-dr") and dest.startswith(source[:40])
    assert aws_client("s3", DR_REGION).head_bucket(Bucket=dest)
    assert crr(run_playbook, source_bucket=source, dest_region=DR_REGION)["dest_bucket"] == dest


def test_an_organisation_boundary_replaces_the_collection_one_on_a_managed_role(localaws, run_playbook, aws_client):
    source = make_source(aws_client)
    assert not crr(run_playbook, source_bucket=source, dest_region=DR_REGION).get("failed")
    iam = aws_client("iam")
    org_boundary = iam.create_policy(PolicyName=unique("org-boundary"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Replicate*",
                                                "Resource": "arn:aws:s3:::*/*"}]}))["Policy"]["Arn"]
    localaws.start_recording()
    moved = crr(run_playbook, source_bucket=source, dest_region=DR_REGION, permissions_boundary=org_boundary)
    assert moved["actions"] == [f"set permissions boundary {org_boundary} on IAM role s3-crr-{source}"], moved
    assert [call.operation for call in writes(localaws)] == ["PutRolePermissionsBoundary"]
    role = iam.get_role(RoleName=f"s3-crr-{source}")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == org_boundary
