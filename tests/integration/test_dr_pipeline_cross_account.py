"""The pipeline into a DR (vault) account, deployed for real: the DR account makes the role the pipeline assumes
there (playbooks/dr_account_access.yml, run with that account's credentials), the source account deploys the
pipeline with dr_pipeline_dest_account_role_arn (playbooks/dr_setup.yml); then a bucket tagged dr=true gets its
DR bucket in the DR account, cloned, with the grants, and its objects arrive there owned by that account.

The DR account's role exists, so the endpoint evaluates IAM for its sessions: the clone and the grants run
with only the permissions dr_account_access.yml gives it."""
from __future__ import annotations

import json
import uuid

import pytest

from conftest import OTHER_ACCOUNT_ID, client_for, other_account_client, playbook_runner, wait_for
from test_cross_account_dr import LIFECYCLE, accounts_that_signed, owner, settled_status, status_of

from plugins.module_utils.core.policies import dr_access_sid

SOURCE_REGION, DR_REGION = "eu-south-1", "eu-north-1"
ACCOUNT = "123456789012"


def dr_account_env(localaws) -> dict[str, str]:
    """Credentials of the DR account, as the DR account's team runs its playbook."""
    credentials = client_for(localaws, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/other-account", RoleSessionName="vault-team")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"]}


@pytest.fixture(scope="module")
def vault_pipeline(localaws, tmp_path_factory):
    """The DR account's role, then the pipeline in the source account, each deployed once for this module."""
    run = playbook_runner(localaws, tmp_path_factory.mktemp("vault-pipeline"))
    prefix = f"xa{uuid.uuid4().hex[:6]}"
    key_arn = other_account_client(localaws, "kms", DR_REGION).create_key(Description="vault")["KeyMetadata"]["Arn"]
    access_vars = {"dr_pipeline_source_account": ACCOUNT, "dr_pipeline_source_region": SOURCE_REGION,
                   "dr_pipeline_dest_region": DR_REGION, "dr_pipeline_name_prefix": prefix,
                   "dr_pipeline_dest_kms_key_id": key_arn}
    access = run("playbooks/dr_account_access.yml", extra_vars=access_vars, env=dr_account_env(localaws))
    assert access.rc == 0, access.failures
    role_arn = f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/{prefix}-{SOURCE_REGION}-dr-account"
    assert any(role_arn in str(result.get("msg")) for result in access.task_results(
        "Show the role to give the pipeline as dr_pipeline_dest_account_role_arn")), access
    setup_vars = {"dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
                  "dr_pipeline_name_prefix": prefix, "dr_pipeline_dest_account_role_arn": role_arn,
                  "dr_pipeline_dest_kms_key_id": key_arn, "dr_pipeline_backfill": True,
                  "dr_pipeline_sweep_schedule": ""}
    setup = run("playbooks/dr_setup.yml", extra_vars=setup_vars)
    assert setup.rc == 0, setup.failures
    return {"run": run, "access_vars": access_vars, "setup_vars": setup_vars, "role_arn": role_arn, "key_arn": key_arn}


def test_a_tagged_bucket_gets_its_dr_bucket_in_the_dr_account_which_owns_the_replicas(localaws, vault_pipeline):
    s3 = client_for(localaws, "s3", SOURCE_REGION)
    dr_s3, dr_kms = other_account_client(localaws, "s3", DR_REGION), other_account_client(localaws, "kms", DR_REGION)
    bucket = f"xa-app-{uuid.uuid4().hex[:8]}"
    dest = f"{bucket}-dr"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    before = s3.put_object(Bucket=bucket, Key="ledger/0-before-tagging.txt", Body=b"opening balance")
    localaws.start_recording()
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"},
                                                             {"Key": "team", "Value": "ledger"}]})

    configuration = wait_for(lambda: s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"],
                             f"replication on {bucket}", timeout=120)
    destination = configuration["Rules"][0]["Destination"]
    assert destination["Bucket"] == f"arn:aws:s3:::{dest}" and destination["Account"] == OTHER_ACCOUNT_ID
    assert destination["AccessControlTranslation"] == {"Owner": "Destination"}
    # The DR bucket is the DR account's, made and cloned only with that account's credentials.
    dr_s3.head_bucket(Bucket=dest, ExpectedBucketOwner=OTHER_ACCOUNT_ID)
    on_dest = [call for call in localaws.recorded_calls() if call.bucket == dest]
    assert any(call.is_write for call in on_dest) and accounts_that_signed(localaws, on_dest) == {OTHER_ACCOUNT_ID}
    assert dr_s3.get_bucket_lifecycle_configuration(Bucket=dest)["Rules"][0]["ID"] == "expire-tmp"
    assert dr_s3.get_bucket_tagging(Bucket=dest)["TagSet"] == [{"Key": "team", "Value": "ledger"}]  # never the trigger
    assert dr_s3.get_public_access_block(Bucket=dest)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"]
    # The DR account let the pair's replication role in: bucket policy (with the baseline) and replica key policy.
    replication_role = configuration["Role"]
    sids = {statement["Sid"] for statement in json.loads(dr_s3.get_bucket_policy(Bucket=dest)["Policy"])["Statement"]}
    assert sids >= {"DenyInsecureTransport", dr_access_sid(replication_role, "Objects"),
                    dr_access_sid(replication_role, "Bucket")}, sids
    key_sids = {statement.get("Sid") for statement in json.loads(dr_kms.get_key_policy(
        KeyId=vault_pipeline["key_arn"], PolicyName="default")["Policy"])["Statement"]}
    assert dr_access_sid(replication_role, "Key") in key_sids

    put = s3.put_object(Bucket=bucket, Key="ledger/1.txt", Body=b"entry", Metadata={"team": "ledger"})
    assert settled_status(s3, bucket, "ledger/1.txt", put["VersionId"]) == "COMPLETED"
    replica = dr_s3.get_object(Bucket=dest, Key="ledger/1.txt")
    assert replica["Body"].read() == b"entry" and replica["ReplicationStatus"] == "REPLICA"
    dr_s3.put_object(Bucket=dest, Key="written-by-the-vault", Body=b"")
    assert owner(dr_s3, dest, "ledger/1.txt") == owner(dr_s3, dest, "written-by-the-vault") != owner(
        s3, bucket, "ledger/1.txt")

    # What the bucket held before it was tagged reaches the DR account through the Batch Replication job that
    # enable_replication started (the copy engine could not write there), as a replica that account owns.
    existing = wait_for(lambda: dr_s3.get_object(Bucket=dest, Key="ledger/0-before-tagging.txt"),
                        "the object written before tagging in the DR account", timeout=120, interval=0.5)
    assert existing["Body"].read() == b"opening balance" and existing["ReplicationStatus"] == "REPLICA"
    assert owner(dr_s3, dest, "ledger/0-before-tagging.txt") == owner(dr_s3, dest, "written-by-the-vault")
    assert status_of(s3, bucket, "ledger/0-before-tagging.txt", before["VersionId"]) == "COMPLETED"
    job = wait_for(lambda: [job for job in pair_jobs(localaws, bucket) if job["Status"] == "Complete"],
                   f"the Batch Replication job of {bucket} complete", timeout=60, interval=0.5)
    assert len(job) == 1 and job[0]["ProgressSummary"]["NumberOfTasksSucceeded"] == 1, job
    vault_pipeline["pair_bucket"] = bucket


def pair_jobs(localaws, bucket: str) -> list[dict]:
    """The S3 Batch Operations jobs of the source account in the source Region that backfill ``bucket``."""
    jobs = client_for(localaws, "s3control", SOURCE_REGION).list_jobs(AccountId=ACCOUNT)["Jobs"]
    return [job for job in jobs if job.get("Description", "").endswith(f"s3://{bucket}/")]


def test_the_same_event_again_starts_no_second_batch_job(localaws, vault_pipeline):
    bucket = vault_pipeline["pair_bucket"]
    s3 = client_for(localaws, "s3", SOURCE_REGION)
    logs = client_for(localaws, "logs", SOURCE_REGION)
    function = f"{vault_pipeline['setup_vars']['dr_pipeline_name_prefix']}-{SOURCE_REGION}-enable-replication"
    group = f"/aws/lambda/{function}"

    def backfill_records() -> list[dict]:
        events = logs.filter_log_events(logGroupName=group)["events"]
        records = [json.loads(event["message"]) for event in events if event["message"].startswith("{")]
        return [record for record in records if record.get("action") == "backfill" and record.get("bucket") == bucket]

    # The CreateBucket event may have reached the pipeline after the tag (events are asynchronous): a second run, even
    # at the same time as the first - both then send today's ClientRequestToken, and S3 answers both with one job.
    earlier = backfill_records()
    assert len({record["job_id"] for record in earlier}) == 1 and any(record["job_created"] for record in earlier), earlier
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"},
                                                             {"Key": "team", "Value": "ledger"}]})
    now = wait_for(lambda: len(records := backfill_records()) > len(earlier) and records,
                   "enable_replication ran for the same pair again", timeout=120, interval=0.5)
    assert [record["job_created"] for record in now if record not in earlier] == [False], now  # found, not made
    assert {record["job_id"] for record in now} == {job["JobId"] for job in pair_jobs(localaws, bucket)}, now
    assert len(pair_jobs(localaws, bucket)) == 1


def test_both_sides_redeploy_with_no_change(localaws, vault_pipeline):
    run = vault_pipeline["run"]
    access = run("playbooks/dr_account_access.yml", extra_vars=vault_pipeline["access_vars"], env=dr_account_env(localaws))
    assert access.rc == 0 and access.recap["localhost"]["changed"] == 0, access
    setup = run("playbooks/dr_setup.yml", extra_vars=vault_pipeline["setup_vars"])
    assert setup.rc == 0 and setup.recap["localhost"]["changed"] == 0, setup


def test_a_copy_engine_limit_with_the_batch_backfill_is_refused_before_anything_is_written(localaws, vault_pipeline):
    localaws.start_recording()
    with_limit = {**vault_pipeline["setup_vars"], "dr_pipeline_backfill_max_objects": 100}
    setup = vault_pipeline["run"]("playbooks/dr_setup.yml", extra_vars=with_limit)
    assert setup.rc != 0
    assert any("dr_pipeline_backfill_max_objects only limit the copy engine" in failure
               and "S3 Batch Replication" in failure for failure in setup.failures), setup
    assert [call for call in localaws.recorded_calls() if call.is_write] == []


def test_teardown_removes_the_batch_role_and_keeps_the_job_reports(localaws, vault_pipeline):
    """Last in this module: it removes the pipeline."""
    prefix = vault_pipeline["setup_vars"]["dr_pipeline_name_prefix"]
    role, reports = f"{prefix}-{SOURCE_REGION}-batch-replication", f"{prefix}-backfill-reports-{ACCOUNT}-{SOURCE_REGION}"
    iam, s3 = client_for(localaws, "iam"), client_for(localaws, "s3", SOURCE_REGION)
    assert iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    gone = vault_pipeline["run"]("playbooks/dr_teardown.yml", extra_vars=vault_pipeline["setup_vars"])
    assert gone.rc == 0, gone.failures
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=role)
    [job] = pair_jobs(localaws, vault_pipeline["pair_bucket"])
    report = s3.get_object(Bucket=reports, Key=f"s3-dr-backfill/job-{job['JobId']}/manifest.json")
    assert json.loads(report["Body"].read())["Results"][0]["TaskExecutionStatus"] == "succeeded"
