"""s3_object_owners, s3_replication_cross_account, s3_replication_owner_override: replication into a DR account."""
from __future__ import annotations

import json

import pytest

from conftest import OTHER_ACCOUNT_ID, client_for, other_account_client
from test_object_replication import DR_REGION, REGION, head, make_bucket, rule, status_becomes, until

ROLE = "arn:aws:iam::123456789012:role/replication"
DEFAULT_OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"  # moto's, account 123456789012
OWNER_OVERRIDE = {"AccessControlTranslation": {"Owner": "Destination"}}
S3_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


ALL_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner")


def dest_policy(bucket: str, principal: str = ROLE, actions=ALL_ACTIONS) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReplicasFromSourceAccount", "Effect": "Allow", "Principal": {"AWS": principal},
         "Action": list(actions), "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def cross_account_rule(dest: str, override: bool = True) -> dict:
    destination = {"Bucket": f"arn:aws:s3:::{dest}", "Account": OTHER_ACCOUNT_ID, **(OWNER_OVERRIDE if override else {})}
    return rule(dest, Destination=destination)


def source_role(server, name: str = ROLE.rsplit("/", 1)[-1]) -> str:
    """A role of account A, made if missing: the DR account's policies may name only roles that exist."""
    iam = client_for(server, "iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=S3_TRUST)["Role"]["Arn"]


def accounts(server):
    """(source s3 in account A, DR s3 in account B, source bucket, DR bucket); the replication role ROLE exists."""
    source_role(server)
    s3, dr_s3 = client_for(server, "s3", REGION), other_account_client(server, "s3", DR_REGION)
    return s3, dr_s3, make_bucket(s3, "xacct-src", REGION), make_bucket(dr_s3, "xacct-dst", DR_REGION)


def configure(s3, source: str, *rules: dict) -> None:
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": list(rules)})


def owner_id(s3, bucket: str, key: str) -> str:
    return s3.get_object_acl(Bucket=bucket, Key=key)["Owner"]["ID"]


def test_each_account_owns_what_it_writes(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    s3.put_object(Bucket=source, Key="mine", Body=b"a")
    dr_s3.put_object(Bucket=dest, Key="theirs", Body=b"b")
    assert owner_id(s3, source, "mine") == DEFAULT_OWNER  # single-account answers are unchanged
    theirs = owner_id(dr_s3, dest, "theirs")
    assert len(theirs) == 64 and theirs != DEFAULT_OWNER
    assert dr_s3.get_object_acl(Bucket=dest, Key="theirs")["Grants"][0]["Grantee"]["ID"] == theirs
    assert [version["Owner"]["ID"] for version in dr_s3.list_object_versions(Bucket=dest)["Versions"]] == [theirs]


def test_without_the_dr_accounts_bucket_policy_replication_fails(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    configure(s3, source, cross_account_rule(dest))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x")["VersionId"]
    status_becomes(s3, source, "k", version, "FAILED")
    assert head(dr_s3, dest, "k") is None


def test_a_policy_without_owner_override_permission_fails_an_override_rule(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    dr_s3.put_bucket_policy(Bucket=dest, Policy=dest_policy(dest, actions=("s3:ReplicateObject", "s3:ReplicateDelete")))
    configure(s3, source, cross_account_rule(dest))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x")["VersionId"]
    status_becomes(s3, source, "k", version, "FAILED")


def test_a_policy_for_another_role_does_not_let_this_one_in(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    dr_s3.put_bucket_policy(Bucket=dest, Policy=dest_policy(dest, principal=source_role(localaws, "other")))
    configure(s3, source, cross_account_rule(dest))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x")["VersionId"]
    status_becomes(s3, source, "k", version, "FAILED")


def test_with_the_policy_the_replica_arrives_owned_by_the_dr_account(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    dr_s3.put_bucket_policy(Bucket=dest, Policy=dest_policy(dest))
    configure(s3, source, cross_account_rule(dest))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x", Tagging="a=b")["VersionId"]
    status_becomes(s3, source, "k", version, "COMPLETED")
    assert dr_s3.get_object(Bucket=dest, Key="k")["Body"].read() == b"x"
    dr_s3.put_object(Bucket=dest, Key="probe", Body=b"")
    assert owner_id(dr_s3, dest, "k") == owner_id(dr_s3, dest, "probe")  # the DR account's canonical id
    s3.delete_object(Bucket=source, Key="k")  # the delete marker needs s3:ReplicateDelete, which is allowed
    until(lambda: head(dr_s3, dest, "k") is None, f"{dest}/k deleted by the replicated delete marker")


def test_without_owner_override_the_replica_keeps_the_source_owner(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    dr_s3.put_bucket_policy(Bucket=dest, Policy=dest_policy(dest))
    configure(s3, source, cross_account_rule(dest, override=False))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x")["VersionId"]
    status_becomes(s3, source, "k", version, "COMPLETED")
    assert owner_id(dr_s3, dest, "k") == DEFAULT_OWNER


def test_a_bucket_owner_enforced_dr_bucket_owns_every_replica(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    dr_s3.put_bucket_ownership_controls(Bucket=dest, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    dr_s3.put_bucket_policy(Bucket=dest, Policy=dest_policy(dest))
    configure(s3, source, cross_account_rule(dest, override=False))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x")["VersionId"]
    status_becomes(s3, source, "k", version, "COMPLETED")
    assert owner_id(dr_s3, dest, "k") != DEFAULT_OWNER


def test_a_replica_key_of_the_dr_account_needs_its_key_policy(localaws):
    s3, dr_s3, source, dest = accounts(localaws)
    dr_s3.put_bucket_policy(Bucket=dest, Policy=dest_policy(dest))
    kms = other_account_client(localaws, "kms", DR_REGION)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]  # default key policy: account B's root only
    configure(s3, source, rule(dest, Destination={"Bucket": f"arn:aws:s3:::{dest}", "Account": OTHER_ACCOUNT_ID,
                                                  "EncryptionConfiguration": {"ReplicaKmsKeyID": key_arn}}))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x")["VersionId"]
    status_becomes(s3, source, "k", version, "FAILED")

    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    policy["Statement"].append({"Sid": "ReplicasFromSourceAccount", "Effect": "Allow", "Principal": {"AWS": ROLE},
                                "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": "*"})
    kms.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(policy))
    version = s3.put_object(Bucket=source, Key="k", Body=b"y")["VersionId"]
    status_becomes(s3, source, "k", version, "COMPLETED")


@pytest.mark.parametrize("patch", ["s3_replication_cross_account", "s3_replication_owner_override", "s3_object_owners"])
def test_without_patch_the_gap_is_real(localaws_without, patch):
    server = localaws_without(patch)
    s3, dr_s3, source, dest = accounts(server)
    configure(s3, source, cross_account_rule(dest))
    if patch != "s3_replication_cross_account":
        dr_s3.put_bucket_policy(Bucket=dest, Policy=dest_policy(dest))
    version = s3.put_object(Bucket=source, Key="k", Body=b"x")["VersionId"]
    status_becomes(s3, source, "k", version, "COMPLETED")  # without the cross-account check: replicated anyway
    if patch != "s3_replication_cross_account":
        assert owner_id(dr_s3, dest, "k") == DEFAULT_OWNER  # the DR account does not own its replica
