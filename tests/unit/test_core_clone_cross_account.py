"""Cross-account clone (``CloneSpec.dest_account_role_arn``) in-process on moto: the source bucket is read with the
caller's credentials, the DR bucket is read, made and written as a role of the DR account. moto derives the account
from an assumed role's credentials, so a session of a role that does not exist acts as the DR account."""
from __future__ import annotations

import json
import threading

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.s3.responses import S3Response

from plugins.module_utils.core import waiting
from plugins.module_utils.core.categories import RewriteContext, Unmapped
from plugins.module_utils.core.clients import ClientFactory, assumed_role_clients, boto3_clients
from plugins.module_utils.core.clone import CloneSpec, clone_configuration, drift_report
from plugins.module_utils.core.dest_access import DestAccessSpec, grant_dest_access
from plugins.module_utils.core.errors import DRError
from tools.localaws.patches import s3_expected_bucket_owner

SOURCE_ACCOUNT, DR_ACCOUNT = "123456789012", "210987654321"
SOURCE_REGION, DR_REGION = "eu-west-1", "eu-central-1"
VAULT_ROLE = f"arn:aws:iam::{DR_ACCOUNT}:role/vault-admin"
REPLICATION_ROLE = f"arn:aws:iam::{SOURCE_ACCOUNT}:role/s3-crr-app"
LIFECYCLE = {"Rules": [{"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
                        "Expiration": {"Days": 30}}]}
SOURCE_STATEMENT = {"Sid": "NoBucketDeletion", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
                    "Resource": "arn:aws:s3:::app"}
CROSS_ACCOUNT = CloneSpec(source_bucket="app", dest_region=DR_REGION, dest_account_role_arn=VAULT_ROLE)


@pytest.fixture
def aws(monkeypatch, moto_in_process):
    """The source account's clients, with bucket app (a lifecycle rule and a tag). S3 refuses a call whose
    ExpectedBucketOwner does not own the bucket, as AWS does (the endpoint's patch, here for this test only)."""
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(S3Response, "_bucket_response", S3Response._bucket_response)  # put back after the test
    s3_expected_bucket_owner.apply()
    clients = boto3_clients(boto3.session.Session())
    source = clients("s3", SOURCE_REGION)
    source.create_bucket(Bucket="app", CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    source.put_bucket_lifecycle_configuration(Bucket="app", LifecycleConfiguration=LIFECYCLE)
    source.put_bucket_tagging(Bucket="app", Tagging={"TagSet": [{"Key": "team", "Value": "payments"}]})
    return clients


def vault(clients):
    """The DR account's clients, made as the clone makes them."""
    return assumed_role_clients(clients, VAULT_ROLE, DR_REGION)


def bucket_names(clients) -> list[str]:
    return sorted(bucket["Name"] for bucket in clients("s3", DR_REGION).list_buckets()["Buckets"])


def sids(clients, bucket: str) -> list[str]:
    policy = json.loads(clients("s3", DR_REGION).get_bucket_policy(Bucket=bucket)["Policy"])
    return sorted(statement.get("Sid", "") for statement in policy["Statement"])


def test_the_dr_bucket_is_made_and_written_in_the_dr_account(aws):
    result = clone_configuration(aws, CROSS_ACCOUNT)
    assert result.changed and result.failure is None, result.failure
    assert "create DR bucket app-dr in eu-central-1" in result.actions
    dr = vault(aws)("s3", DR_REGION)
    dr.head_bucket(Bucket="app-dr", ExpectedBucketOwner=DR_ACCOUNT)
    with pytest.raises(ClientError) as not_owned:
        aws("s3", DR_REGION).head_bucket(Bucket="app-dr", ExpectedBucketOwner=SOURCE_ACCOUNT)
    assert not_owned.value.response["Error"]["Code"] == "403"
    assert bucket_names(aws) == ["app"] and bucket_names(vault(aws)) == ["app-dr"]
    assert dr.get_bucket_lifecycle_configuration(Bucket="app-dr")["Rules"][0]["ID"] == "expire-logs"
    assert dr.get_bucket_tagging(Bucket="app-dr")["TagSet"] == [{"Key": "team", "Value": "payments"}]
    assert dr.get_bucket_versioning(Bucket="app-dr")["Status"] == "Enabled"
    rerun = clone_configuration(aws, CROSS_ACCOUNT)
    assert not rerun.changed and rerun.actions == [] and rerun.failure is None


def test_access_points_are_made_in_the_dr_account_and_policies_name_its_arns(aws):
    control = aws("s3control", SOURCE_REGION)
    control.create_access_point(AccountId=SOURCE_ACCOUNT, Name="app-reader", Bucket="app")
    source_point = f"arn:aws:s3:{SOURCE_REGION}:{SOURCE_ACCOUNT}:accesspoint/app-reader"
    reader = {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": REPLICATION_ROLE}, "Action": "s3:GetObject",
              "Resource": f"{source_point}/object/*"}
    control.put_access_point_policy(AccountId=SOURCE_ACCOUNT, Name="app-reader", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [reader]}))
    result = clone_configuration(aws, CROSS_ACCOUNT)
    assert result.data["categories"]["access-points"] == {"status": "created"}
    dr_control = vault(aws)("s3control", DR_REGION)
    listed = dr_control.list_access_points(AccountId=DR_ACCOUNT, Bucket="app-dr")["AccessPointList"]
    assert [point["Name"] for point in listed] == ["app-reader"]
    policy = json.loads(dr_control.get_access_point_policy(AccountId=DR_ACCOUNT, Name="app-reader")["Policy"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:{DR_REGION}:{DR_ACCOUNT}:accesspoint/app-reader/object/*"
    assert not clone_configuration(aws, CROSS_ACCOUNT).changed


@pytest.mark.parametrize("source_policy", [True, False], ids=["source-policy", "no-source-policy"])
def test_the_dr_accounts_replication_grants_survive_a_purging_clone(aws, source_policy):
    if source_policy:
        aws("s3", SOURCE_REGION).put_bucket_policy(Bucket="app", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [SOURCE_STATEMENT]}))
    granted = grant_dest_access(vault(aws), DestAccessSpec("app-dr", DR_REGION, REPLICATION_ROLE, owner_override=True))
    grants = [sid for sid in sids(vault(aws), "app-dr") if sid.startswith("S3DrReplicas")]
    assert granted.changed and len(grants) == 2, grants
    spec = CloneSpec(source_bucket="app", dest_region=DR_REGION, dest_account_role_arn=VAULT_ROLE, purge=True)
    result = clone_configuration(aws, spec)
    assert result.failure is None, result.failure
    assert set(grants) < set(sids(vault(aws), "app-dr"))
    assert ("NoBucketDeletion" in sids(vault(aws), "app-dr")) is source_policy
    assert "DenyInsecureTransport" in sids(vault(aws), "app-dr")  # the secure baseline
    rerun = clone_configuration(aws, spec)
    assert not rerun.changed and rerun.actions == [], rerun.actions
    grant = DestAccessSpec("app-dr", DR_REGION, REPLICATION_ROLE, owner_override=True)
    assert not grant_dest_access(vault(aws), grant).changed  # nor is the grant undone


def test_a_grant_made_after_the_clone_leaves_the_next_clone_nothing_to_write(aws):
    aws("s3", SOURCE_REGION).put_bucket_policy(Bucket="app", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [SOURCE_STATEMENT]}))
    clone_configuration(aws, CROSS_ACCOUNT)
    assert grant_dest_access(vault(aws), DestAccessSpec("app-dr", DR_REGION, REPLICATION_ROLE)).changed
    rerun = clone_configuration(aws, CROSS_ACCOUNT)
    assert not rerun.changed and rerun.actions == [], rerun.actions
    assert len([sid for sid in sids(vault(aws), "app-dr") if sid.startswith("S3DrReplicas")]) == 2


def test_drift_reads_the_dr_side_as_the_dr_account(aws):
    clone_configuration(aws, CROSS_ACCOUNT)
    grant_dest_access(vault(aws), DestAccessSpec("app-dr", DR_REGION, REPLICATION_ROLE))
    report = drift_report(aws, CROSS_ACCOUNT)
    assert report["dest_bucket_exists"] and report["versioning"]["dest"] == "Enabled"
    statuses = {name: entry["status"] for name, entry in report["categories"].items()}
    assert statuses["lifecycle"] == statuses["tagging"] == statuses["policy"] == "in_sync"
    assert set(statuses.values()) <= {"in_sync", "skipped"}, statuses
    # What the DR account changes on its bucket is drift.
    vault(aws)("s3", DR_REGION).put_bucket_tagging(Bucket="app-dr", Tagging={"TagSet": [{"Key": "team", "Value": "x"}]})
    assert drift_report(aws, CROSS_ACCOUNT)["categories"]["tagging"]["status"] == "drifted"
    # Read as the source account, the DR bucket is not its own.
    with pytest.raises(DRError, match=f"DR bucket app-dr exists but is not owned by account {SOURCE_ACCOUNT}"):
        drift_report(aws, CloneSpec(source_bucket="app", dest_region=DR_REGION))


@pytest.mark.parametrize("role_arn,dest_region,problem", [
    ("vault-admin", DR_REGION, "dest_account_role_arn 'vault-admin' is not an ARN; give an IAM role ARN like "
                               "arn:aws:iam::111122223333:role/name"),
    (f"arn:aws:iam::{DR_ACCOUNT}:user/vault-admin", DR_REGION,
     f"dest_account_role_arn arn:aws:iam::{DR_ACCOUNT}:user/vault-admin is not an IAM role ARN"),
    (VAULT_ROLE, "cn-north-1", f"dest_account_role_arn {VAULT_ROLE} is in partition aws, but the Regions of this task "
                               "are in aws-cn"),
    (f"arn:aws-us-gov:iam::{DR_ACCOUNT}:role/vault-admin", DR_REGION, "is in partition aws-us-gov, but the Regions "
                                                                      "of this task are in aws"),
], ids=["not-an-arn", "user-arn", "aws-arn-for-china", "govcloud-arn-for-aws"])
@pytest.mark.parametrize("run", [clone_configuration, drift_report])
def test_a_bad_dest_account_role_arn_is_refused_before_any_call(run, role_arn, dest_region, problem):
    calls = []

    def recording(service, region):
        calls.append((service, region))
        raise AssertionError(f"no AWS call expected, got {service} in {region}")

    with pytest.raises(DRError) as error:
        run(recording, CloneSpec(source_bucket="app", dest_region=dest_region, dest_account_role_arn=role_arn))
    assert str(error.value).startswith("Bucket app: nothing was changed because the input is invalid: ")
    assert problem in str(error.value) and calls == []


class AssumeRoleDenied:
    """An STS client whose AssumeRole is refused, as when the role's trust policy does not name the caller."""

    def __init__(self, client):
        self._client = client

    def assume_role(self, **kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform: sts:AssumeRole"}},
                          "AssumeRole")

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_a_role_that_cannot_be_assumed_is_named_with_its_trust_policy_and_nothing_is_written(aws):
    def clients(service, region):
        return AssumeRoleDenied(aws(service, region)) if service == "sts" else aws(service, region)

    with pytest.raises(DRError) as error:
        clone_configuration(clients, CROSS_ACCOUNT)
    caller = aws("sts", DR_REGION).get_caller_identity()["Arn"]
    assert str(error.value) == (
        f"Bucket app: cannot assume {VAULT_ROLE} (not authorized to perform: sts:AssumeRole (AccessDenied)): that "
        f"role's trust policy must let {caller} call sts:AssumeRole, and the caller must be allowed to assume it")
    assert error.value.done == [] and error.value.region == DR_REGION
    assert bucket_names(aws) == ["app"] and bucket_names(vault(aws)) == []
    with pytest.raises(DRError, match=f"^Bucket app: cannot assume {VAULT_ROLE} .*trust policy must let {caller} call"):
        drift_report(clients, CROSS_ACCOUNT)


def context(dest_account_id: str = "", **given) -> RewriteContext:
    return RewriteContext("app", "app-dr", SOURCE_REGION, DR_REGION, SOURCE_ACCOUNT, dest_account_id=dest_account_id,
                          **given)


@pytest.mark.parametrize("partition", ["aws", "aws-cn"])
def test_an_access_point_arn_maps_to_the_dr_region_and_the_dr_account(partition):
    source = f"arn:{partition}:s3:{SOURCE_REGION}:{SOURCE_ACCOUNT}:accesspoint/app-reader/object/*"
    assert context(DR_ACCOUNT).map_access_point_arn(source, "Resource") == \
        f"arn:{partition}:s3:{DR_REGION}:{DR_ACCOUNT}:accesspoint/app-reader/object/*"
    assert context().map_access_point_arn(source, "Resource") == \
        f"arn:{partition}:s3:{DR_REGION}:{SOURCE_ACCOUNT}:accesspoint/app-reader/object/*"
    assert context(DR_ACCOUNT).dest_account == DR_ACCOUNT and context().dest_account == SOURCE_ACCOUNT


def test_only_the_source_accounts_access_points_of_the_source_region_are_mapped():
    mapped = f"arn:aws:s3:{DR_REGION}:{DR_ACCOUNT}:accesspoint/theirs-dr"
    others = [f"arn:aws:s3:{SOURCE_REGION}:{DR_ACCOUNT}:accesspoint/theirs",  # another account's
              f"arn:aws:s3:us-east-1:{SOURCE_ACCOUNT}:accesspoint/elsewhere"]  # another Region's
    for arn in others:
        with pytest.raises(Unmapped, match="map it in policy_value_map"):
            context(DR_ACCOUNT).map_access_point_arn(arn, "Resource")
    mapping = context(DR_ACCOUNT, policy_value_map={others[0]: mapped})
    assert mapping.map_access_point_arn(others[0], "Resource") == mapped


def credentials_of(role_arn: str) -> dict:
    sts = boto3.client("sts", region_name=DR_REGION)
    return sts.assume_role(RoleArn=role_arn, RoleSessionName="vault")["Credentials"]


def test_boto3_factories_and_their_workers_make_factories_with_other_credentials(moto_in_process):
    clients = boto3_clients(boto3.session.Session())
    credentials = credentials_of(VAULT_ROLE)
    assert clients("sts", DR_REGION).get_caller_identity()["Account"] == SOURCE_ACCOUNT
    assert clients.with_credentials(credentials)("sts", DR_REGION).get_caller_identity()["Account"] == DR_ACCOUNT
    accounts = []

    def in_a_worker():
        worker = clients.for_worker()
        accounts.append(worker("sts", DR_REGION).get_caller_identity()["Account"])
        credentialed = worker.with_credentials(credentials)
        accounts.append(credentialed("sts", DR_REGION).get_caller_identity()["Account"])
        accounts.append(credentialed.for_worker()("sts", DR_REGION).get_caller_identity()["Account"])

    thread = threading.Thread(target=in_a_worker)
    thread.start()
    thread.join()
    assert accounts == [SOURCE_ACCOUNT, DR_ACCOUNT, DR_ACCOUNT]


def test_a_factory_without_credentials_support_says_so():
    factory = ClientFactory(lambda service, region: object())
    with pytest.raises(ValueError, match="cannot make clients with other credentials"):
        factory.with_credentials({"AccessKeyId": "a", "SecretAccessKey": "b", "SessionToken": "c"})
    with pytest.raises(ValueError, match="cannot make clients with other credentials"):
        factory.for_worker().with_credentials({"AccessKeyId": "a", "SecretAccessKey": "b", "SessionToken": "c"})
