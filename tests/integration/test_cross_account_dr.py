"""Cross-account DR through real ansible-playbook runs: playbooks/cross_account_dr.yml, play 1 as the source
account, play 2 as the DR (vault) account (a role of it assumed with amazon.aws.sts_assume_role)."""
from __future__ import annotations

import json
import uuid

from conftest import OTHER_ACCOUNT_ID, client_for, other_account_client, wait_for

from plugins.module_utils.core.policies import dr_access_sid

PLAYBOOK = "playbooks/cross_account_dr.yml"
SOURCE_REGION, DR_REGION = "eu-west-1", "eu-central-1"
SOURCE_TASK = "Replicate into the DR account, which owns the replicas"
CLONE_TASK = "Clone the source bucket's settings to the DR bucket, as the DR account's role"
DR_TASK = "Create the DR bucket if needed and allow the replication role in its bucket (and key) policy"


def status_of(s3, bucket: str, key: str, version_id: str) -> str | None:
    return s3.head_object(Bucket=bucket, Key=key, VersionId=version_id).get("ReplicationStatus")


def settled_status(s3, bucket: str, key: str, version_id: str) -> str:
    """COMPLETED or FAILED, once S3 is done with the version (bounded)."""
    return wait_for(lambda: (status := status_of(s3, bucket, key, version_id)) in ("COMPLETED", "FAILED") and status,
                    f"{bucket}/{key} replication settled", timeout=60, interval=0.2)


def owner(s3, bucket: str, key: str) -> str:
    return s3.get_object_acl(Bucket=bucket, Key=key)["Owner"]["ID"]


def accounts_that_signed(localaws, calls) -> set[str]:
    """The accounts whose credentials signed ``calls`` (STS GetAccessKeyInfo of each access key)."""
    sts = client_for(localaws, "sts")
    return {sts.get_access_key_info(AccessKeyId=key)["Account"] for key in {call.access_key for call in calls}}


LIFECYCLE = {"Rules": [{"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                        "Expiration": {"Days": 7}}]}


def test_replicas_and_settings_reach_the_dr_account_owned_by_it_once_its_play_ran(localaws, run_playbook):
    source, dest = f"xacct-{uuid.uuid4().hex[:10]}", f"xacct-vault-{uuid.uuid4().hex[:10]}"
    s3 = client_for(localaws, "s3", SOURCE_REGION)
    s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_lifecycle_configuration(Bucket=source, LifecycleConfiguration=LIFECYCLE)
    s3.put_bucket_tagging(Bucket=source, Tagging={"TagSet": [{"Key": "team", "Value": "billing"}]})
    dr_s3, dr_kms = other_account_client(localaws, "s3", DR_REGION), other_account_client(localaws, "kms", DR_REGION)
    # The vault account's existing bucket: objects owned by their writer (no BucketOwnerEnforced), not versioned yet.
    dr_s3.create_bucket(Bucket=dest, CreateBucketConfiguration={"LocationConstraint": DR_REGION},
                        ObjectOwnership="ObjectWriter")
    key_arn = dr_kms.create_key(Description="vault replicas")["KeyMetadata"]["Arn"]
    source_key = client_for(localaws, "kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    extra_vars = {"dr_source_bucket": source, "dr_dest_bucket": dest, "dr_dest_region": DR_REGION,
                  "dr_account_id": OTHER_ACCOUNT_ID, "dr_kms_key_arn": key_arn, "dr_source_kms_key_ids": [source_key],
                  "dr_account_role_arn": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/s3dr-vault-admin"}

    # Play 1 only: the settings are cloned into the DR account's bucket, as its role; the replication rule is
    # written, but the DR account has not let the role in - replication FAILS, nothing arrives.
    localaws.start_recording()
    run = run_playbook(PLAYBOOK, extra_vars=extra_vars, env={"ANSIBLE_RUN_TAGS": "source_account"})
    assert run.rc == 0, run
    on_dest = [call for call in localaws.recorded_calls() if call.bucket == dest]
    assert any(call.is_write for call in on_dest)
    assert accounts_that_signed(localaws, on_dest) == {OTHER_ACCOUNT_ID}  # the DR bucket only ever saw B's keys
    cloned = run.task_results(CLONE_TASK)[0]
    assert cloned["categories"]["lifecycle"]["status"] == "created", cloned
    assert dr_s3.get_bucket_lifecycle_configuration(Bucket=dest)["Rules"][0]["ID"] == "expire-tmp"
    assert {"Key": "team", "Value": "billing"} in dr_s3.get_bucket_tagging(Bucket=dest)["TagSet"]
    assert dr_s3.get_bucket_versioning(Bucket=dest)["Status"] == "Enabled"
    assert dr_s3.get_bucket_ownership_controls(Bucket=dest)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    source_side = run.task_results(SOURCE_TASK)[0]
    role_arn = source_side["role_arn"]
    assert any(f"DR bucket {dest} belongs to account {OTHER_ACCOUNT_ID}" in warning and "s3_crr_dest_access" in warning
               for warning in source_side["warnings"]), source_side
    rule = source_side["replication_configuration"]["Rules"][0]
    assert rule["Destination"]["Account"] == OTHER_ACCOUNT_ID
    assert rule["Destination"]["AccessControlTranslation"] == {"Owner": "Destination"}
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": key_arn}
    assert rule["SourceSelectionCriteria"]["SseKmsEncryptedObjects"] == {"Status": "Enabled"}
    early = s3.put_object(Bucket=source, Key="before-dr-side.txt", Body=b"early")["VersionId"]
    assert settled_status(s3, source, "before-dr-side.txt", early) == "FAILED"
    assert dr_s3.list_object_versions(Bucket=dest).get("Versions") is None

    # The DR side's validation, in check mode: what to fix, and nothing written.
    localaws.start_recording()
    run = run_playbook(PLAYBOOK, extra_vars=extra_vars, check=True)
    assert run.rc == 0, run
    assert [call for call in localaws.recorded_calls() if call.is_write and call.service != "sts"] == []
    problems = run.task_results(DR_TASK)[0]["problems"]
    assert any(f"the bucket policy of {dest} does not allow role {role_arn} s3:ReplicateObject" in problem
               and "s3:ObjectOwnerOverrideToBucketOwner" in problem for problem in problems), problems
    assert any(f"the key policy of {key_arn} does not let role {role_arn}" in problem for problem in problems), problems

    # Both plays: the DR account writes its side with its own credentials; a new object arrives, owned by it.
    run = run_playbook(PLAYBOOK, extra_vars=extra_vars)
    assert run.rc == 0, run
    assert run.task_results(DR_TASK)[0]["account_id"] == OTHER_ACCOUNT_ID
    put = s3.put_object(Bucket=source, Key="invoices/1.txt", Body=b"paid", Metadata={"team": "billing"},
                        ServerSideEncryption="aws:kms", SSEKMSKeyId=source_key)
    assert settled_status(s3, source, "invoices/1.txt", put["VersionId"]) == "COMPLETED"
    replica = dr_s3.get_object(Bucket=dest, Key="invoices/1.txt")
    assert replica["Body"].read() == b"paid" and replica["Metadata"] == {"team": "billing"}
    assert replica["ReplicationStatus"] == "REPLICA" and replica["SSEKMSKeyId"] == key_arn
    dr_s3.put_object(Bucket=dest, Key="written-by-the-vault", Body=b"")
    assert owner(dr_s3, dest, "invoices/1.txt") == owner(dr_s3, dest, "written-by-the-vault")  # the DR account's
    assert owner(dr_s3, dest, "invoices/1.txt") != owner(s3, source, "invoices/1.txt")
    assert settled_status(s3, source, "before-dr-side.txt", early) == "FAILED"  # as on AWS: a failed version stays so

    # Idempotent: a second run changes nothing on either side - the clone keeps the DR account's grants, and
    # the grants keep the cloned policy.
    run = run_playbook(PLAYBOOK, extra_vars=extra_vars)
    assert run.rc == 0 and run.recap["localhost"]["changed"] == 0, run
    assert not run.task_results(DR_TASK)[0]["changed"] and run.task_results(DR_TASK)[0]["problems"] == []
    statements = json.loads(dr_s3.get_bucket_policy(Bucket=dest)["Policy"])["Statement"]
    wanted = {"DenyInsecureTransport", dr_access_sid(role_arn, "Objects"), dr_access_sid(role_arn, "Bucket")}
    assert {statement["Sid"] for statement in statements} >= wanted, statements


def test_without_the_dr_accounts_credentials_the_dr_play_refuses(localaws, run_playbook):
    """Play 2 run with the source account's credentials (no dr_account_role_arn): the module refuses, naming why."""
    source = f"xacct-{uuid.uuid4().hex[:10]}"
    client_for(localaws, "s3", SOURCE_REGION).create_bucket(
        Bucket=source, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    localaws.start_recording()
    run = run_playbook(PLAYBOOK, extra_vars={"dr_source_bucket": source, "dr_dest_region": DR_REGION,
                                             "dr_account_id": OTHER_ACCOUNT_ID})
    assert run.rc != 0
    assert any(f"DR bucket {source}-dr: role_arn arn:aws:iam::123456789012:role/service-role/s3-crr-{source} is of "
               "this account (123456789012)" in failure and "DR account's credentials" in failure
               for failure in run.failures), run
    assert [call for call in localaws.recorded_calls() if call.bucket == f"{source}-dr"] == []  # not even read


def test_a_fleet_run_makes_dr_pairs_in_the_dr_account(localaws, run_playbook):
    """playbooks/dr_buckets.yml with dr_dest_account_role_arn: per bucket, the DR bucket made and cloned as the DR
    account's role, that account's grants, and a rule giving it the replicas; the copy backfill is refused first."""
    s3 = client_for(localaws, "s3", SOURCE_REGION)
    dr_s3 = other_account_client(localaws, "s3", DR_REGION)
    sources = [f"xfleet-{index}-{uuid.uuid4().hex[:8]}" for index in range(2)]
    for bucket in sources:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    extra_vars = {"dr_buckets": sources, "dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION,
                  "dr_dest_account_role_arn": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/s3dr-vault-admin"}

    localaws.start_recording()
    refused = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars)
    assert refused.rc != 0 and any("set backfill to false" in failure and "method=batch_replication" in failure
                                   for failure in refused.failures), refused
    assert [call for call in localaws.recorded_calls() if call.is_write] == []

    extra_vars["dr_backfill"] = False
    localaws.start_recording()
    run = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars)
    assert run.rc == 0, run.failures
    on_dest = [call for call in localaws.recorded_calls() if call.bucket in {f"{bucket}-dr" for bucket in sources}]
    assert any(call.is_write for call in on_dest) and accounts_that_signed(localaws, on_dest) == {OTHER_ACCOUNT_ID}
    for bucket in sources:
        dest = f"{bucket}-dr"
        dr_s3.head_bucket(Bucket=dest, ExpectedBucketOwner=OTHER_ACCOUNT_ID)
        assert dr_s3.get_bucket_lifecycle_configuration(Bucket=dest)["Rules"][0]["ID"] == "expire-tmp"
        rule = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"][0]
        assert rule["Destination"]["Account"] == OTHER_ACCOUNT_ID
        assert rule["Destination"]["AccessControlTranslation"] == {"Owner": "Destination"}
        put = s3.put_object(Bucket=bucket, Key="k", Body=b"v")
        assert settled_status(s3, bucket, "k", put["VersionId"]) == "COMPLETED"
        assert dr_s3.get_object(Bucket=dest, Key="k")["ReplicationStatus"] == "REPLICA"

    again = run_playbook("playbooks/dr_buckets.yml", extra_vars=extra_vars)
    assert again.rc == 0 and again.recap["localhost"]["changed"] == 0, again.failures

    # dr_validate.yml reads the DR side as the DR account's role: every pair is DR-ready.
    validate_vars = {key: extra_vars[key] for key in ("dr_buckets", "dr_source_region", "dr_dest_region",
                                                      "dr_dest_account_role_arn")}
    validated = run_playbook("playbooks/dr_validate.yml", extra_vars=validate_vars)
    assert validated.rc == 0, validated.failures
    drift = validated.task_results("Compare each source bucket with its DR bucket")[0]
    assert drift["dr_ready"] and len(drift["buckets"]) == 2, drift["summary"]
    unreadable = run_playbook("playbooks/dr_validate.yml", extra_vars={**validate_vars, "dr_dest_account_role_arn": ""})
    assert unreadable.rc != 0  # without the role, the DR buckets are not this account's
