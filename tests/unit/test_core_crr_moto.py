"""The replication core in-process on moto: retries for a new role, check mode, errors with steps done."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from plugins.module_utils.core import waiting
from plugins.module_utils.core.buckets import create_secure_bucket
from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.crr import CrrSpec, apply_crr
from plugins.module_utils.core.errors import DRError
from plugins.module_utils.core.result import Result


@pytest.fixture
def aws(monkeypatch, moto_in_process):
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)  # retries without waiting
    clients = boto3_clients(boto3.session.Session())
    clients("s3", "eu-west-1").create_bucket(Bucket="src", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield clients


class FlakyReplicationPut:
    """An S3 client whose PutBucketReplication fails like S3 does while IAM has not propagated a new role."""

    def __init__(self, client, failures: int):
        self._client, self.failures, self.calls = client, failures, 0

    def put_bucket_replication(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise ClientError({"Error": {"Code": "InvalidRequest", "Message": "Role is not valid"}},
                              "PutBucketReplication")
        return self._client.put_bucket_replication(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_new_role_is_retried_until_s3_accepts_it(aws):
    flaky = FlakyReplicationPut(aws("s3", "eu-west-1"), failures=2)

    def clients(service, region):
        return flaky if (service, region) == ("s3", "eu-west-1") else aws(service, region)

    result = apply_crr(clients, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert flaky.calls == 3
    assert len(result.warnings) == 2 and "waiting for new IAM role" in result.warnings[0]
    assert aws("s3", "eu-west-1").get_bucket_replication(Bucket="src")["ReplicationConfiguration"]["Rules"]


def test_role_retries_are_bounded_and_the_error_names_steps_done(aws):
    flaky = FlakyReplicationPut(aws("s3", "eu-west-1"), failures=1000)

    def clients(service, region):
        return flaky if (service, region) == ("s3", "eu-west-1") else aws(service, region)

    with pytest.raises(DRError) as error:
        apply_crr(clients, CrrSpec(source_bucket="src", dest_region="us-west-2", role_propagation_timeout=5))
    assert 1 < flaky.calls < 10
    message = str(error.value)
    assert message.startswith("Bucket src:") and "InvalidRequest" in message
    assert "Steps already done: create DR bucket src-dr in us-west-2" in message
    assert "create IAM role s3-crr-src" in message


def test_check_mode_returns_the_same_plan_and_writes_nothing(aws):
    planned = apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2"), check_mode=True)
    assert planned.changed
    assert [bucket["Name"] for bucket in aws("s3", "us-west-2").list_buckets()["Buckets"]] == ["src"]
    with pytest.raises(ClientError):
        aws("iam", "us-east-1").get_role(RoleName="s3-crr-src")
    done = apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert done.actions == planned.actions
    assert done.after["replication"] == planned.after["replication"]


def test_dr_bucket_created_meanwhile_by_a_parallel_run_is_still_locked_down(aws):
    s3 = aws("s3", "us-west-2")
    s3.create_bucket(Bucket="src-dr", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})  # the other run
    create_secure_bucket(s3, "src-dr", "us-west-2", None, False, Result(), check_mode=False)
    assert all(s3.get_public_access_block(Bucket="src-dr")["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_versioning(Bucket="src-dr")["Status"] == "Enabled"
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket="src-dr")["Policy"]


def test_dr_bucket_created_meanwhile_in_another_region_is_a_clear_error(aws):
    aws("s3", "ap-south-1").create_bucket(Bucket="src-dr", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    with pytest.raises(DRError, match="DR bucket src-dr exists in ap-south-1, not in the DR Region us-west-2"):
        create_secure_bucket(aws("s3", "us-west-2"), "src-dr", "us-west-2", None, False, Result(), check_mode=False)


def no_dr_bucket_and_no_role(aws) -> bool:
    dr_buckets = [bucket["Name"] for bucket in aws("s3", "us-west-2").list_buckets()["Buckets"] if bucket["Name"] != "src"]
    roles = aws("iam", "us-east-1").list_roles()["Roles"]
    return dr_buckets == [] and roles == []


def test_role_conflict_with_foreign_rules_is_refused_before_any_write(aws):
    s3 = aws("s3", "eu-west-1")
    s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="src", ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/someone-elses", "Rules": [{
            "ID": "theirs", "Priority": 9, "Status": "Enabled", "Filter": {"Prefix": "x/"},
            "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]})
    with pytest.raises(DRError, match="theirs"):
        apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert no_dr_bucket_and_no_role(aws)
    assert s3.get_bucket_replication(Bucket="src")["ReplicationConfiguration"]["Rules"][0]["ID"] == "theirs"


def test_unresolvable_kms_key_is_refused_before_any_write(aws):
    with pytest.raises(DRError, match="KMS key alias/no-such-key in us-west-2 cannot be resolved"):
        apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", dest_kms_key_id="alias/no-such-key"))
    assert no_dr_bucket_and_no_role(aws)
    assert aws("s3", "eu-west-1").get_bucket_versioning(Bucket="src").get("Status") is None  # not enabled either


def test_an_existing_role_not_managed_by_us_is_never_rewritten(aws):
    iam = aws("iam", "us-east-1")
    iam.create_role(RoleName="s3-crr-src", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    with pytest.raises(DRError, match="IAM role s3-crr-src exists and is not managed by resilience.s3_dr"):
        apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert iam.list_role_policies(RoleName="s3-crr-src")["PolicyNames"] == []
    assert [bucket["Name"] for bucket in aws("s3", "us-west-2").list_buckets()["Buckets"]] == ["src"]
    assert apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2",
                                  role_arn=iam.get_role(RoleName="s3-crr-src")["Role"]["Arn"])).changed


class FailingEncryptionPut:
    """An S3 client whose PutBucketEncryption is denied, as with a policy that lacks s3:PutEncryptionConfiguration."""

    def __init__(self, client):
        self._client = client

    def put_bucket_encryption(self, **kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutBucketEncryption")

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_steps_done_of_a_failed_run_are_only_those_that_happened(aws):
    def clients(service, region):
        client = aws(service, region)
        return FailingEncryptionPut(client) if (service, region) == ("s3", "us-west-2") else client

    with pytest.raises(DRError) as error:
        apply_crr(clients, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert error.value.done == ["create DR bucket src-dr in us-west-2", "block public access on src-dr"]
    assert "Steps already done: create DR bucket src-dr in us-west-2; block public access on src-dr." in str(error.value)


class RefusingReplicationPut(FlakyReplicationPut):
    """An S3 client whose PutBucketReplication always fails with a genuine validation error (not about the role)."""

    def put_bucket_replication(self, **kwargs):
        self.calls += 1
        raise ClientError({"Error": {"Code": "InvalidArgument", "Message": "Priority must be unique"}},
                          "PutBucketReplication")


def test_a_validation_error_after_a_new_role_surfaces_at_once(aws):
    refusing = RefusingReplicationPut(aws("s3", "eu-west-1"), failures=0)

    def clients(service, region):
        return refusing if (service, region) == ("s3", "eu-west-1") else aws(service, region)

    with pytest.raises(DRError, match="Priority must be unique"):
        apply_crr(clients, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert refusing.calls == 1


COLLECTION_BOUNDARY = "arn:aws:iam::123456789012:policy/resilience-s3dr/s3dr-replication-role-boundary"


def test_managed_role_carries_the_collection_boundary_which_allows_replication_only(aws):
    result = apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    iam = aws("iam", "us-east-1")
    role = iam.get_role(RoleName="s3-crr-src")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == COLLECTION_BOUNDARY
    assert result.actions.index("create IAM policy s3dr-replication-role-boundary (permissions boundary of "
                                "replication roles)") < result.actions.index("create IAM role s3-crr-src")
    policy = iam.get_policy(PolicyArn=COLLECTION_BOUNDARY)["Policy"]
    document = iam.get_policy_version(PolicyArn=COLLECTION_BOUNDARY, VersionId=policy["DefaultVersionId"])
    statements = document["PolicyVersion"]["Document"]["Statement"]
    actions = {action for statement in statements for action in statement["Action"]}
    assert all(action.startswith(("s3:GetObject", "s3:Replicate", "kms:")) or action in (
        "s3:GetReplicationConfiguration", "s3:ListBucket", "s3:ObjectOwnerOverrideToBucketOwner") for action in actions)
    assert all(statement["Condition"] for statement in statements)
    writes = next(statement for statement in statements if "s3:ReplicateObject" in statement["Action"])
    assert writes["Condition"] == {"StringEquals": {"aws:ResourceAccount": ["123456789012"]}}
    again = apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert not [action for action in again.actions if "IAM" in action]  # (in-process moto loses replication rules)


def test_an_organisation_boundary_is_used_as_given_and_replaces_a_missing_one(aws):
    iam = aws("iam", "us-east-1")
    org_boundary = iam.create_policy(PolicyName="org-boundary", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Replicate*",
                                                "Resource": "arn:aws:s3:::*/*"}]}))["Policy"]["Arn"]
    apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", permissions_boundary=org_boundary))
    assert iam.get_role(RoleName="s3-crr-src")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == org_boundary
    with pytest.raises(ClientError):
        iam.get_policy(PolicyArn=COLLECTION_BOUNDARY)  # not created when the organisation brings its own
    iam.delete_role_permissions_boundary(RoleName="s3-crr-src")  # someone removed it
    repaired = apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", permissions_boundary=org_boundary))
    assert [action for action in repaired.actions if "IAM" in action] == [
        f"set permissions boundary {org_boundary} on IAM role s3-crr-src"]


def test_cross_account_rules_get_a_boundary_naming_that_account(aws):
    result = apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", dest_account="210987654321"),
                       check_mode=True)
    assert "create IAM policy s3dr-replication-role-boundary-210987654321 (permissions boundary of replication " \
           "roles)" in result.actions
    # This account cannot write the DR account's side: the result says who must, with what.
    assert any(warning.startswith("DR bucket src-dr belongs to account 210987654321: until that account's bucket policy")
               and "run resilience.s3_dr.s3_crr_dest_access (dest_bucket: src-dr, dest_region: us-west-2, role_arn: "
                   "arn:aws:iam::123456789012:role/service-role/s3-crr-src, owner_override: false)" in warning
               for warning in result.warnings), result.warnings


def test_fleet_threads_create_the_boundary_once(aws):
    from concurrent.futures import ThreadPoolExecutor

    sources = [f"fleet-{index}" for index in range(8)]
    for name in sources:
        aws("s3", "eu-west-1").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda name: apply_crr(aws, CrrSpec(source_bucket=name, dest_region="us-west-2")),
                                sources))
    creations = [action for result in results for action in result.actions if action.startswith("create IAM policy")]
    assert len(creations) == 1, creations
    roles = [aws("iam", "us-east-1").get_role(RoleName=f"s3-crr-{name}")["Role"] for name in sources]
    assert {role["PermissionsBoundary"]["PermissionsBoundaryArn"] for role in roles} == {COLLECTION_BOUNDARY}


def _kms_rule(replica_key: str) -> dict:
    return {"id": "dr", "sse_kms_encrypted_objects": True, "replica_kms_key_id": replica_key}


@pytest.mark.parametrize("given", ["alias", "alias_arn", "key_id"])
def test_replica_kms_key_is_stored_as_the_key_arn_of_the_dr_region(aws, given):
    dr_kms = aws("kms", "us-west-2")
    key = dr_kms.create_key()["KeyMetadata"]
    dr_kms.create_alias(AliasName="alias/dr-replicas", TargetKeyId=key["KeyId"])
    source_key = aws("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]
    replica_key = {"alias": "alias/dr-replicas", "key_id": key["KeyId"],
                   "alias_arn": key["Arn"].replace(f":key/{key['KeyId']}", ":alias/dr-replicas")}[given]
    apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", rules=[_kms_rule(replica_key)],
                           source_kms_key_ids=[source_key]))
    rule = aws("s3", "eu-west-1").get_bucket_replication(Bucket="src")["ReplicationConfiguration"]["Rules"][0]
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": key["Arn"]}
    policy = aws("iam", "us-east-1").get_role_policy(RoleName="s3-crr-src", PolicyName="s3-replication")
    replicas = next(s for s in policy["PolicyDocument"]["Statement"] if s["Sid"] == "EncryptReplicas")
    assert replicas["Resource"] == key["Arn"] or replicas["Resource"] == [key["Arn"]]


@pytest.mark.parametrize("replica_key", ["1234abcd-12ab-34cd-56ef-1234567890ab", "alias/their-key"])
def test_a_cross_account_replica_key_must_be_a_full_arn(aws, replica_key):
    with pytest.raises(DRError) as raised:
        apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", dest_account="210987654321",
                               rules=[_kms_rule(replica_key)], source_kms_key_ids=[
                                   aws("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]]))
    assert "belongs to account 210987654321" in raised.value.message
    assert "Give the key ARN, arn:aws:kms:us-west-2:210987654321:key/<key id>" in raised.value.message
    assert "123456789012:key/" + replica_key not in raised.value.message  # never made a source-account ARN
    assert no_dr_bucket_and_no_role(aws)


def test_a_cross_account_replica_key_arn_is_used_as_given(aws):
    their_key = "arn:aws:kms:us-west-2:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    result = apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", dest_account="210987654321",
                                    rules=[_kms_rule(their_key)], source_kms_key_ids=[
                                        aws("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]]),
                       check_mode=True)
    rule = result.after["replication"]["Rules"][0]
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": their_key}


def test_an_unknown_bare_replica_key_id_is_an_error_not_a_guessed_arn(aws):
    with pytest.raises(DRError, match="KMS key 1234abcd-12ab-34cd-56ef-1234567890ab in us-west-2 cannot be resolved"):
        apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2",
                               rules=[_kms_rule("1234abcd-12ab-34cd-56ef-1234567890ab")], source_kms_key_ids=[
                                   aws("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]]))
    assert no_dr_bucket_and_no_role(aws)


def test_a_dr_bucket_without_object_lock_gets_the_advice_aws_documents_and_following_it_works(aws):
    aws("s3", "eu-west-1").create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True,
                                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    dr_s3 = aws("s3", "us-west-2")
    dr_s3.create_bucket(Bucket="locked-dr", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    with pytest.raises(DRError) as raised:
        apply_crr(aws, CrrSpec(source_bucket="locked", dest_region="us-west-2"))
    message = raised.value.message
    assert "can only be enabled when a bucket is created" not in message
    assert ("turn its versioning on, then `aws s3api put-object-lock-configuration --region us-west-2 --bucket "
            "locked-dr --object-lock-configuration ObjectLockEnabled=Enabled`") in message
    with pytest.raises(ClientError):  # refused before replication was written
        aws("s3", "eu-west-1").get_bucket_replication(Bucket="locked")
    # Doing what it says is enough: the next run enables replication.
    dr_s3.put_bucket_versioning(Bucket="locked-dr", VersioningConfiguration={"Status": "Enabled"})
    dr_s3.put_object_lock_configuration(Bucket="locked-dr", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    apply_crr(aws, CrrSpec(source_bucket="locked", dest_region="us-west-2"))
    rules = aws("s3", "eu-west-1").get_bucket_replication(Bucket="locked")["ReplicationConfiguration"]["Rules"]
    assert rules[0]["Destination"]["Bucket"] == "arn:aws:s3:::locked-dr"
