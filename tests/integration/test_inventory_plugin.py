"""Inventory plugin resilience.s3_dr.s3_buckets and the per-host playbook, run as users run them:
real `ansible-inventory` and `ansible-playbook` against the local endpoint."""
from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import boto3
import yaml

from conftest import ANSIBLE_PLAYBOOK, REPO_ROOT, client_for

ANSIBLE_INVENTORY = str(Path(ANSIBLE_PLAYBOOK).parent / "ansible-inventory")
ACCOUNT = "123456789012"


def _bucket(aws_client, name: str, region: str, tags: dict[str, str] | None = None, versioning: bool = False) -> str:
    s3 = aws_client("s3", region)
    s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else
                                     {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def _replicate(aws_client, source: str, region: str, dest: str, status: str = "Enabled") -> None:
    aws_client("s3", region).put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": f"arn:aws:iam::{ACCOUNT}:role/service-role/s3-crr-{source}",
        "Rules": [{"ID": "dr", "Priority": 0, "Status": status, "Filter": {},
                   "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})


def _config(tmp_path: Path, **options) -> Path:
    path = tmp_path / f"{uuid.uuid4().hex[:6]}.s3_buckets.yml"
    path.write_text(yaml.safe_dump({"plugin": "resilience.s3_dr.s3_buckets", **options}))
    return path


def _plain(value):
    """ansible-core 2.19's --list marks strings {"__ansible_unsafe": ...}; the values themselves are compared."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class Inventory:
    def __init__(self, listing: dict):
        self.hostvars = listing["_meta"]["hostvars"]
        self.groups = {name: sorted(group.get("hosts", [])) for name, group in listing.items() if name != "_meta"}

    def group(self, name: str) -> list[str]:
        return self.groups.get(name, [])


def _inventory(localaws, config: Path, *options: str, env: dict[str, str] | None = None) -> Inventory:
    completed = subprocess.run([ANSIBLE_INVENTORY, "-i", str(config), "--list", *options], cwd=REPO_ROOT,
                               env={**os.environ, **localaws.env, "ANSIBLE_NOCOLOR": "1", **(env or {})},
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "Failed to parse" not in completed.stderr and "Unable to parse" not in completed.stderr, completed.stderr
    return Inventory(_plain(json.loads(completed.stdout)))


def test_buckets_become_hosts_with_dr_facts_grouped_and_filtered(localaws, aws_client, tmp_path):
    run = uuid.uuid4().hex[:8]
    tag = {"invtest": run}
    plain = _bucket(aws_client, f"inv-{run}-plain", "us-east-1", {**tag, "team": "pay"})
    other_region = _bucket(aws_client, f"inv-{run}-euw", "eu-west-1", {**tag, "team": "ops"}, versioning=True)
    paired = _bucket(aws_client, f"inv-{run}-paired", "us-east-1", tag, versioning=True)
    replica = _bucket(aws_client, f"inv-{run}-paired-dr", "us-west-2", tag, versioning=True)
    _replicate(aws_client, paired, "us-east-1", replica)
    disabled = _bucket(aws_client, f"inv-{run}-disabled", "eu-west-1", tag, versioning=True)
    _replicate(aws_client, disabled, "eu-west-1", f"inv-{run}-disabled-dr", status="Disabled")
    _bucket(aws_client, f"inv-{run}-untagged", "us-east-1")
    _bucket(aws_client, f"inv-{run}-apse2", "ap-southeast-2", tag)  # tagged, but its Region is filtered out

    config = _config(tmp_path, filters={"tag:invtest": run, "region": ["us-*", "eu-west-1"]}, dest_region="eu-central-1",
                     compose={"dr_pair": "bucket ~ ' -> ' ~ (dr_bucket or 'none')"},
                     keyed_groups=[{"key": "bucket_tags.team | default('none')", "prefix": "team"}],
                     groups={"unversioned": "bucket_versioning != 'Enabled'"})
    inventory = _inventory(localaws, config)

    assert sorted(inventory.hostvars) == sorted([plain, other_region, paired, replica, disabled])
    assert inventory.hostvars[paired] == {
        "bucket": paired, "bucket_region": "us-east-1", "bucket_tags": tag, "bucket_versioning": "Enabled",
        "bucket_replication": {"configured": True, "enabled": True, "role": f"arn:aws:iam::{ACCOUNT}:role/service-role/s3-crr-{paired}",
                               "rules": [{"id": "dr", "status": "Enabled", "priority": 0, "dest_bucket": replica,
                                          "dest_account": None}]},
        "dr_bucket": replica, "dr_region": "us-west-2", "dr_pair_source": "replication", "dr_state": "ready",
        "dr_replica_of": [], "dr_pair": f"{paired} -> {replica}"}
    assert {key: inventory.hostvars[plain][key] for key in ("bucket_region", "bucket_tags", "bucket_versioning",
                                                            "dr_bucket", "dr_region", "dr_pair_source", "dr_state")} == {
        "bucket_region": "us-east-1", "bucket_tags": {**tag, "team": "pay"}, "bucket_versioning": "Disabled",
        "dr_bucket": f"{plain}-dr", "dr_region": "eu-central-1", "dr_pair_source": "derived", "dr_state": "missing"}
    assert inventory.hostvars[plain]["bucket_replication"] == {"configured": False, "enabled": False, "role": None,
                                                               "rules": []}
    assert (inventory.hostvars[replica]["dr_state"], inventory.hostvars[replica]["dr_replica_of"],
            inventory.hostvars[replica]["dr_bucket"]) == ("replica", [paired], None)
    assert inventory.hostvars[disabled]["dr_state"] == "partial"

    assert inventory.group("dr_ready") == [paired]
    assert inventory.group("dr_missing") == sorted([plain, other_region])
    assert inventory.group("dr_partial") == [disabled]
    assert inventory.group("dr_replica") == [replica]
    assert inventory.group("region_us_east_1") == sorted([plain, paired])
    assert inventory.group("region_eu_west_1") == sorted([other_region, disabled])
    assert inventory.group("tag_team_pay") == [plain]
    assert inventory.group(f"tag_invtest_{run}") == sorted(inventory.hostvars)
    assert inventory.group("team_ops") == [other_region]  # keyed_groups
    assert inventory.group("team_none") == sorted([paired, replica, disabled])
    assert inventory.group("unversioned") == [plain]  # groups
    assert inventory.group("s3_buckets") == sorted(inventory.hostvars)


def test_invalid_filters_fail_naming_the_file_and_the_filter(localaws, tmp_path):
    config = _config(tmp_path, filters={"owner": "me"})
    completed = subprocess.run([ANSIBLE_INVENTORY, "-i", str(config), "--list"], cwd=REPO_ROOT,
                               env={**os.environ, **localaws.env, "ANSIBLE_NOCOLOR": "1",
                                    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"},
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode != 0
    assert "unknown filter 'owner': use one of name, region, tag-key, tag:<key>" in completed.stderr
    assert str(config) in completed.stderr


def _role_session_env(localaws, statements: list[dict]) -> dict[str, str]:
    """Credentials of a role session holding ``statements``: the endpoint evaluates IAM for role sessions."""
    iam, name = client_for(localaws, "iam"), f"inv-reader-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="inventory", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    credentials = client_for(localaws, "sts").assume_role(RoleArn=arn, RoleSessionName="inventory")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"]}


def test_an_unreadable_bucket_is_a_host_with_its_error(localaws, aws_client, tmp_path):
    run = uuid.uuid4().hex[:8]
    readable = _bucket(aws_client, f"inv-{run}-ok", "us-east-1", {"invtest": run})
    refused = _bucket(aws_client, f"inv-{run}-refused", "eu-west-1", {"invtest": run})
    env = _role_session_env(localaws, [
        {"Effect": "Allow", "Resource": "*", "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation",
                                                        "s3:GetBucketTagging", "s3:GetBucketVersioning",
                                                        "s3:GetReplicationConfiguration"]},
        {"Effect": "Deny", "Action": "s3:GetBucketTagging", "Resource": f"arn:aws:s3:::{refused}"}])
    with_session = boto3.client("s3", region_name="eu-west-1", endpoint_url=localaws.endpoint_url,
                                aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                aws_session_token=env["AWS_SESSION_TOKEN"])
    try:
        with_session.get_bucket_tagging(Bucket=refused)
        raise AssertionError("the role session should be refused GetBucketTagging")
    except with_session.exceptions.ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied"

    inventory = _inventory(localaws, _config(tmp_path, filters={"name": f"inv-{run}-*", "tag:invtest": run}), env=env)

    assert sorted(inventory.hostvars) == sorted([readable, refused])
    assert inventory.hostvars[readable]["dr_state"] == "missing"
    assert inventory.hostvars[refused]["dr_state"] == "unknown"
    assert inventory.hostvars[refused]["bucket_region"] == "eu-west-1"
    assert "AccessDenied" in inventory.hostvars[refused]["bucket_read_error"]
    assert "GetBucketTagging" in inventory.hostvars[refused]["bucket_read_error"]
    assert inventory.group("dr_unknown") == [refused]


def test_the_cache_answers_without_s3_requests(localaws, aws_client, tmp_path):
    run = uuid.uuid4().hex[:8]
    bucket = _bucket(aws_client, f"inv-{run}-cached", "eu-west-1", {"invtest": run})
    config = _config(tmp_path, filters={"tag:invtest": run}, cache=True, cache_plugin="ansible.builtin.jsonfile",
                     cache_connection=str(tmp_path / "cache"), cache_timeout=600,
                     keyed_groups=[{"key": "bucket_region", "prefix": "cached"}])

    localaws.start_recording()
    first = _inventory(localaws, config)
    s3_calls = [call for call in localaws.recorded_calls() if call.service == "s3"]
    assert len(s3_calls) >= 4, s3_calls  # ListBuckets, then Location, Tagging, Versioning, Replication of the bucket
    assert sorted(first.hostvars) == [bucket]

    aws_client("s3", "eu-west-1").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    localaws.start_recording()
    second = _inventory(localaws, config)
    assert localaws.recorded_calls() == []
    assert second.hostvars == first.hostvars  # the cached facts: versioning as it was read the first time
    assert second.group("cached_eu_west_1") == [bucket]  # constructed options applied again to the cache

    localaws.start_recording()
    flushed = _inventory(localaws, config, "--flush-cache")
    assert [call for call in localaws.recorded_calls() if call.service == "s3"]
    assert flushed.hostvars[bucket]["bucket_versioning"] == "Enabled"


def test_per_host_playbook_makes_each_bucket_a_dr_pair_and_fails_only_the_bad_one(localaws, aws_client, run_playbook,
                                                                                  tmp_path):
    run = uuid.uuid4().hex[:8]
    tag = {"invtest": run}
    east = _bucket(aws_client, f"inv-{run}-east", "us-east-1", tag)
    west = _bucket(aws_client, f"inv-{run}-euw", "eu-west-1", tag)
    aws_client("s3", "us-east-1").put_object(Bucket=east, Key="before-replication.txt", Body=b"old")
    # The bad one: its DR bucket name is already taken in another Region than its DR Region.
    bad = _bucket(aws_client, f"inv-{run}-bad", "us-east-1", tag)
    _bucket(aws_client, f"{bad}-dr", "ap-southeast-2")
    config = _config(tmp_path, filters={"tag:invtest": run},
                     compose={"dr_region": "dr_region or {'us-east-1': 'us-west-2', 'eu-west-1': 'eu-central-1'}[bucket_region]"})
    good = sorted([east, west])
    env = {"ANSIBLE_INVENTORY": str(config), "ANSIBLE_FORKS": "10"}  # every bucket at once, as AWX slices would

    first = run_playbook("playbooks/dr_buckets_per_host.yml", env=env)
    assert first.rc != 0
    assert sorted(first.recap) == sorted([*good, bad])
    for bucket in good:
        assert first.recap[bucket]["failures"] == 0, first
        assert first.recap[bucket]["changed"] >= 2, first  # settings cloned, replication enabled
    assert first.recap[bad]["failures"] == 1, first
    assert f"DR bucket {bad}-dr exists in ap-southeast-2, not in the DR Region us-west-2" in " ".join(first.failures)
    for bucket, region, dr_region in ((east, "us-east-1", "us-west-2"), (west, "eu-west-1", "eu-central-1")):
        rules = aws_client("s3", region).get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        assert [rule["Destination"]["Bucket"] for rule in rules] == [f"arn:aws:s3:::{bucket}-dr"]
        assert aws_client("s3", dr_region).get_bucket_location(Bucket=f"{bucket}-dr")["LocationConstraint"] == dr_region
    assert aws_client("s3", "us-west-2").get_object(Bucket=f"{east}-dr", Key="before-replication.txt")["Body"].read() == b"old"

    # The DR buckets carry the source's tags (all but the trigger tag), so they are hosts now: replicas, skipped.
    replicas = sorted(f"{bucket}-dr" for bucket in good)
    second = run_playbook("playbooks/dr_buckets_per_host.yml", env=env)
    assert sorted(second.recap) == sorted([*good, bad, *replicas])
    for bucket in good + replicas:
        assert (second.recap[bucket]["changed"], second.recap[bucket]["failures"]) == (0, 0), second
    assert second.recap[bad]["failures"] == 1, second

    after = _inventory(localaws, config)
    assert after.group("dr_ready") == good
    assert after.group("dr_replica") == replicas
    assert after.group("dr_missing") == [bad]
