"""Bad input through real ansible-playbook runs: every case is refused with a message naming the problem
(and the bucket), and the endpoint's request recording shows that nothing was written.

To stay fast, the module and role cases run as one generated playbook (one task per case, errors
ignored or rescued, spread over a few local hosts that the free strategy runs side by side), and the
playbook cases (dr_buckets.yml, dr_setup.yml) one run each; the recording is reset before each run,
so every case is checked against the writes of its own run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from conftest import REPO_ROOT, PlaybookRun, client_for

SOURCE_REGION, DR_REGION, ACCOUNT = "eu-west-1", "us-west-2", "123456789012"
WORKERS = 3  # local "hosts" running the batched cases in parallel
MODULES = {"crr": "resilience.s3_dr.s3_crr_enable", "clone": "resilience.s3_dr.s3_bucket_config_clone",
           "drift": "resilience.s3_dr.s3_dr_drift_info", "backfill": "resilience.s3_dr.s3_crr_backfill"}


@dataclass
class Case:
    id: str
    kind: str  # a key of MODULES, "role" (dr_pipeline role arguments), or a playbook path
    args: dict
    expect: list[str]  # each must be in the error message
    bucket: str | None = "{SOURCE}"  # the bucket the message must name, where there is one
    defaults: dict = field(default_factory=lambda: {"dest_region": DR_REGION})


def crr(case_id, args, expect, bucket="{SOURCE}"):
    return Case(f"crr-{case_id}", "crr", {"source_bucket": "{SOURCE}", **args}, expect, bucket)


def clone(case_id, args, expect, bucket="{SOURCE}"):
    return Case(f"clone-{case_id}", "clone", {"source_bucket": "{SOURCE}", **args}, expect, bucket)


def backfill(case_id, args, expect, bucket="{SOURCE}"):
    return Case(f"backfill-{case_id}", "backfill", {"source_bucket": "{SOURCE}", **args}, expect, bucket)


def role(case_id, args, expect):
    return Case(f"role-{case_id}", "role", args, expect, bucket=None, defaults={})


def playbook(case_id, path, extra_vars, expect, bucket=None):
    return Case(f"{Path(path).stem}-{case_id}", path, extra_vars, expect, bucket, defaults={})


UNKNOWN_REGION = "is not a Region where this botocore knows S3"
KMS_RULE = {"id": "dr", "sse_kms_encrypted_objects": True, "replica_kms_key_id": "{DR_KEY}"}

CASES = [
    # s3_crr_enable, one bucket
    crr("dest-region-unknown", {"dest_region": "mars-1"}, ["dest_region 'mars-1' " + UNKNOWN_REGION, "allow_unknown_region"]),
    crr("dest-region-malformed", {"dest_region": "EU-WEST-1"}, ["dest_region 'EU-WEST-1' is not an AWS Region name"]),
    crr("same-region", {"dest_region": SOURCE_REGION}, [f"is in {SOURCE_REGION}, the same Region as dest_region"]),
    crr("role-arn-not-an-arn", {"role_arn": "not-an-arn"}, ["role_arn 'not-an-arn' is not an ARN"]),
    crr("role-arn-wrong-service", {"role_arn": "arn:aws:s3:::some-bucket"}, ["is not an IAM role ARN (service s3"]),
    crr("role-arn-with-region", {"role_arn": f"arn:aws:iam:us-east-1:{ACCOUNT}:role/x"}, ["IAM ARNs have no Region"]),
    crr("role-arn-wrong-partition", {"role_arn": f"arn:aws-cn:iam::{ACCOUNT}:role/x"},
        ["is in partition aws-cn, but the Regions of this task are in aws"]),
    crr("role-arn-bad-account", {"role_arn": "arn:aws:iam::12345:role/x"}, ["has no 12-digit account id"]),
    crr("boundary-not-an-arn", {"permissions_boundary": "org-boundary"},
        ["permissions_boundary 'org-boundary' is not an ARN; give an IAM policy ARN"]),
    crr("boundary-a-role-not-a-policy", {"permissions_boundary": f"arn:aws:iam::{ACCOUNT}:role/x"},
        ["is not an IAM policy ARN (service iam, resource role/x)"]),
    crr("role-arn-other-account", {"role_arn": "arn:aws:iam::111111111111:role/theirs"},
        ["is in account 111111111111", f"source bucket's account {ACCOUNT}"]),
    crr("role-arn-missing-role", {"role_arn": f"arn:aws:iam::{ACCOUNT}:role/service-role/no-such-role"},
        ["names a role that does not exist"]),
    crr("dest-kms-wrong-region", {"dest_kms_key_id": "{SOURCE_KEY}"},
        [f"dest_kms_key_id {{SOURCE_KEY}} is a key in {SOURCE_REGION}, but it must be in the DR Region {DR_REGION}"]),
    crr("dest-kms-not-kms", {"dest_kms_key_id": f"arn:aws:sqs:{DR_REGION}:{ACCOUNT}:queue"},
        ["dest_kms_key_id", "is not a KMS key ARN (service sqs)"]),
    crr("dest-kms-not-a-key", {"dest_kms_key_id": "my key"}, ["dest_kms_key_id 'my key' is not a KMS key"]),
    crr("replica-kms-wrong-region", {"rules": [{**KMS_RULE, "replica_kms_key_id": "{SOURCE_KEY}"}]},
        [f"rule dr: replica_kms_key_id {{SOURCE_KEY}} is a key in {SOURCE_REGION}"]),
    crr("source-kms-wrong-region", {"rules": [KMS_RULE], "source_kms_key_ids": ["{DR_KEY}"]},
        [f"source_kms_key_ids {{DR_KEY}} is a key in {DR_REGION}, but it must be in the source Region {SOURCE_REGION}"]),
    crr("dest-account-abc", {"dest_account": "abc"}, ["dest_account 'abc' is not an AWS account id (12 digits)"]),
    crr("rule-dest-account-short", {"rules": [{"id": "dr", "dest_account": "12345"}]},
        ["rule dr: dest_account '12345' is not an AWS account id"]),
    crr("role-propagation-negative", {"role_propagation_timeout": -1},
        ["role_propagation_timeout must be 0 to 3600 seconds, not -1"]),
    crr("role-propagation-huge", {"role_propagation_timeout": 100000}, ["role_propagation_timeout must be 0 to 3600"]),
    crr("invalid-source-name", {"source_bucket": "Bad_Bucket"}, ["source_bucket 'Bad_Bucket' is not a valid bucket name"],
        bucket="Bad_Bucket"),
    crr("source-too-long", {"source_bucket": "x" * 64}, ["is not a valid bucket name: it must be 3 to 63 characters long"],
        bucket="x" * 64),
    crr("invalid-dest-name", {"dest_bucket": "Bad_Name"}, ["dest_bucket 'Bad_Name' is not a valid bucket name"]),
    crr("dest-is-source", {"dest_bucket": "{SOURCE}"}, ["a bucket cannot be its own DR copy"]),
    crr("empty-dest-suffix", {"dest_suffix": ""}, ["a bucket cannot be its own DR copy"]),
    crr("missing-source", {"source_bucket": "no-such-source-bucket-4f1c"},
        ["Source bucket no-such-source-bucket-4f1c does not exist"], bucket="no-such-source-bucket-4f1c"),
    crr("tags-with-delete-markers", {"rules": [{"id": "t", "tags": {"a": "b"}, "delete_marker_replication": True}]},
        ["cannot replicate delete markers for a rule with a tag filter"]),
    crr("rtc-without-metrics", {"rules": [{"id": "r", "replication_time": True}]}, ["requires metrics: true"]),
    crr("kms-without-replica-key", {"rules": [{"id": "k", "sse_kms_encrypted_objects": True}]}, ["needs replica_kms_key_id"]),
    crr("duplicate-rule-ids", {"rules": [{"id": "a"}, {"id": "a"}]}, ["rule ids must be unique"]),
    crr("owner-override-alone", {"owner_override": True}, ["owner_override needs dest_account"]),
    crr("two-dest-accounts", {"rules": [{"id": "a", "prefix": "a/", "dest_account": "111111111111"},
                                        {"id": "b", "prefix": "b/", "dest_account": "222222222222"}]},
        ["the rules name different DR bucket owners (111111111111, 222222222222)"]),
    crr("dest-in-other-region", {"dest_bucket": "{ELSEWHERE}"}, ["exists in ap-south-1, not in the DR Region"]),
    crr("dest-of-other-account", {"dest_bucket": "{THEIRS}"}, [f"is not owned by account {ACCOUNT}"]),
    crr("dest-missing-no-create", {"create_dest_bucket": False}, ["create_dest_bucket is false"]),
    # s3_crr_enable, fleet forms
    Case("crr-sources-duplicate", "crr", {"sources": [{"source_bucket": "{SOURCE}", "dest_bucket": "{SOURCE}-dr-a"},
                                                      {"source_bucket": "{SOURCE}", "dest_bucket": "{SOURCE}-dr-b"}]},
         ["sources lists {SOURCE} more than once"]),
    Case("crr-source-tags-empty", "crr", {"source_tags": {}, "source_region": SOURCE_REGION},
         ["source_tags is empty, which would select every tagged bucket of the Region"], bucket=None),
    Case("crr-source-tags-empty-key", "crr", {"source_tags": {"": "true"}, "source_region": SOURCE_REGION},
         ["source_tags has an empty tag key"], bucket=None),
    Case("crr-source-tags-unknown-region", "crr", {"source_tags": {"dr": "true"}, "source_region": "mars-1"},
         ["source_region 'mars-1' " + UNKNOWN_REGION], bucket=None),
    Case("crr-source-tags-same-region", "crr", {"source_tags": {"dr": "true"}, "source_region": DR_REGION},
         [f"source_region and dest_region are both {DR_REGION}"], bucket=None),
    Case("crr-sources-unknown-dest-region", "crr", {"sources": [{"source_bucket": "{SOURCE}"}], "dest_region": "mars-1"},
         ["dest_region 'mars-1' " + UNKNOWN_REGION], bucket=None),
    Case("crr-sources-source-in-dr-region", "crr", {"sources": [{"source_bucket": "{SOURCE_IN_DR}"}]},
         ["1 of 1 buckets failed", f"is in {DR_REGION}, the same Region as dest_region"], bucket="{SOURCE_IN_DR}"),
    # s3_bucket_config_clone
    clone("dest-region-unknown", {"dest_region": "mars-1"}, ["dest_region 'mars-1' " + UNKNOWN_REGION]),
    clone("same-region", {"dest_region": SOURCE_REGION}, [f"is in {SOURCE_REGION}, the same Region as dest_region"]),
    clone("dest-kms-wrong-region", {"dest_kms_key_id": "{SOURCE_KEY}"}, [f"is a key in {SOURCE_REGION}, but it must be in the DR Region"]),
    clone("harden-without-baseline", {"harden_dest": True, "secure_baseline": False},
          ["harden_dest: true applies the secure baseline, which secure_baseline: false turns off"]),
    clone("missing-source", {"source_bucket": "no-such-bucket-for-clone-4f1c"},
          ["Source bucket no-such-bucket-for-clone-4f1c does not exist"], bucket="no-such-bucket-for-clone-4f1c"),
    clone("dest-is-source", {"dest_bucket": "{SOURCE}"}, ["a bucket cannot be its own DR copy"]),
    clone("kms-map-wrong-region", {"kms_key_map": {"k": "{SOURCE_KEY}"}},
          [f"kms_key_map[k] {{SOURCE_KEY}} is a key in {SOURCE_REGION}, but it must be in the DR Region {DR_REGION}"]),
    clone("kms-map-not-a-key", {"kms_key_map": {"k": f"arn:aws:sns:{DR_REGION}:{ACCOUNT}:topic"}},
          ["kms_key_map[k]", "is not a KMS key ARN (service sns)"]),
    clone("target-map-wrong-region", {"notification_target_map": {"q": f"arn:aws:sqs:{SOURCE_REGION}:{ACCOUNT}:q"}},
          ["notification_target_map maps to targets outside the DR Region"]),
    clone("missing-dr-bucket", {"create_dest_bucket": False}, [f"-dr does not exist in {DR_REGION} and create_dest_bucket is false"]),
    Case("clone-source-tags-empty", "clone", {"source_tags": {}, "source_region": SOURCE_REGION},
         ["source_tags is empty"], bucket=None),
    Case("clone-sources-duplicate", "clone", {"sources": [{"source_bucket": "{SOURCE}"}, {"source_bucket": "{SOURCE}"}]},
         ["sources lists {SOURCE} more than once"]),
    # s3_dr_drift_info
    Case("drift-dest-region-unknown", "drift", {"source_bucket": "{SOURCE}", "dest_region": "mars-1"},
         ["Nothing was checked because the input is invalid", "dest_region 'mars-1' " + UNKNOWN_REGION]),
    Case("drift-source-tags-empty", "drift", {"source_tags": {}, "source_region": SOURCE_REGION},
         ["source_tags is empty"], bucket=None),
    # s3_crr_backfill
    backfill("dest-region-unknown", {"dest_region": "mars-1"}, ["dest_region 'mars-1' " + UNKNOWN_REGION]),
    backfill("same-region", {"dest_region": SOURCE_REGION}, [f"is in {SOURCE_REGION}, the same Region as dest_region"]),
    backfill("dest-kms-wrong-region", {"dest_kms_key_id": "{SOURCE_KEY}"}, [f"is a key in {SOURCE_REGION}, but it must be in the DR Region"]),
    backfill("batch-role-not-an-arn", {"method": "batch_replication", "batch_role_arn": "not-an-arn",
                                       "report_bucket": "{SOURCE}"}, ["batch_role_arn 'not-an-arn' is not an ARN"]),
    backfill("invalid-source-name", {"source_bucket": "Bad_Bucket"}, ["source_bucket 'Bad_Bucket' is not a valid bucket name"],
             bucket="Bad_Bucket"),
    # dr_pipeline role arguments (what playbooks/dr_setup.yml passes)
    role("same-region", {"dr_pipeline_source_region": DR_REGION, "dr_pipeline_dest_region": DR_REGION},
         [f"dr_pipeline_pairs[0].source_region and dr_pipeline_pairs[0].dest_region are both {DR_REGION}"]),
    role("unknown-dest-region", {"dr_pipeline_dest_region": "mars-1"}, ["dr_pipeline_pairs[0].dest_region 'mars-1' " + UNKNOWN_REGION]),
    role("typo-source-region", {"dr_pipeline_source_region": "eu-west-l"},
         ["dr_pipeline_pairs[0].source_region 'eu-west-l' is not an AWS Region name"]),
    role("empty-dest-suffix", {"dr_pipeline_dest_suffix": ""}, ["dr_pipeline_dest_suffix must not be empty"]),
    role("empty-trigger-tag-key", {"dr_pipeline_trigger_tag_key": ""}, ["dr_pipeline_trigger_tag_key has an empty tag key"]),
    role("no-pairs", {"dr_pipeline_pairs": []}, ["dr_pipeline_pairs must list at least one"]),
    role("source-region-twice", {"dr_pipeline_pairs": [{"source_region": SOURCE_REGION, "dest_region": DR_REGION},
                                                       {"source_region": SOURCE_REGION, "dest_region": "us-east-2"}]},
         [f"dr_pipeline_pairs lists source Region {SOURCE_REGION} more than once"]),
    role("kms-key-wrong-region", {"dr_pipeline_dest_kms_key_id": "{SOURCE_KEY}"},
         [f"dr_pipeline_dest_kms_key_id {{SOURCE_KEY}} is a key in {SOURCE_REGION}"]),
    role("pair-without-dest-region", {"dr_pipeline_pairs": [{"source_region": SOURCE_REGION}]},
         ["missing required arguments: dest_region"]),
    # the playbooks themselves
    playbook("unknown-dest-region", "playbooks/dr_setup.yml", {"dr_pipeline_dest_region": "mars-1"},
             ["dr_pipeline_pairs[0].dest_region 'mars-1' " + UNKNOWN_REGION]),
    playbook("unknown-dest-region", "playbooks/dr_buckets.yml", {"dr_buckets": ["{SOURCE}"], "dr_dest_region": "mars-1"},
             ["dest_region 'mars-1' " + UNKNOWN_REGION]),
    playbook("same-region-by-tag", "playbooks/dr_buckets.yml", {"dr_source_region": DR_REGION, "dr_dest_region": DR_REGION},
             [f"source_region and dest_region are both {DR_REGION}"]),
    playbook("source-in-dr-region", "playbooks/dr_buckets.yml",
             {"dr_buckets": ["{SOURCE}"], "dr_source_region": SOURCE_REGION, "dr_dest_region": SOURCE_REGION},
             [f"is in {SOURCE_REGION}, the same Region as dest_region"], bucket="{SOURCE}"),
    playbook("empty-trigger-tag-key", "playbooks/dr_buckets.yml", {"dr_trigger_tag_key": "", "dr_source_region": SOURCE_REGION},
             ["source_tags has an empty tag key"]),
    playbook("bucket-twice", "playbooks/dr_buckets.yml", {"dr_buckets": ["{SOURCE}", "{SOURCE}"]},
             ["sources lists {SOURCE} more than once"], bucket="{SOURCE}"),
    playbook("empty-dest-suffix", "playbooks/dr_buckets.yml", {"dr_buckets": ["{SOURCE}"], "dr_dest_suffix": ""},
             ["a bucket cannot be its own DR copy"], bucket="{SOURCE}"),
    playbook("kms-map-wrong-region", "playbooks/dr_buckets.yml",
             {"dr_buckets": ["{SOURCE}"], "dr_source_region": SOURCE_REGION, "dr_kms_key_map": {"k": "{SOURCE_KEY}"}},
             [f"kms_key_map[k] {{SOURCE_KEY}} is a key in {SOURCE_REGION}, but it must be in the DR Region {DR_REGION}"],
             bucket="{SOURCE}"),
]
BATCHED = [case for case in CASES if case.kind in (*MODULES, "role")]
PLAYBOOK_CASES = [case for case in CASES if case not in BATCHED]


def fill(value, names: dict[str, str]):
    """The value with every {NAME} placeholder replaced by the seeded resource's name."""
    if isinstance(value, str):
        for key, name in names.items():
            value = value.replace("{" + key + "}", name)
        return value
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    if isinstance(value, dict):
        return {fill(key, names): fill(item, names) for key, item in value.items()}
    return value


def worker_of(case: Case) -> str:
    return f"worker{BATCHED.index(case) % WORKERS}"


def task_for(case: Case, names: dict[str, str]) -> dict:
    args = fill({**case.defaults, **case.args}, names)
    only_on_its_worker = f"inventory_hostname == '{worker_of(case)}'"
    if case.kind == "role":
        # block/rescue so that the role's failure is recorded by a task named after the case, and the run goes on
        return {"name": f"{case.id} block", "when": only_on_its_worker, "block": [{
            "name": f"{case.id} role", "ansible.builtin.include_role": {"name": "resilience.s3_dr.dr_pipeline"},
            "vars": {"dr_pipeline_state": "present", **args}}],
            "rescue": [{"name": case.id, "ansible.builtin.debug": {"var": "ansible_failed_result"}}]}
    return {"name": case.id, MODULES[case.kind]: args, "ignore_errors": True, "when": only_on_its_worker}


@pytest.fixture(scope="module")
def seeded(localaws):
    """Buckets and keys the cases name, made with boto3 before any recording starts."""
    s3 = client_for(localaws, "s3", SOURCE_REGION)
    tag = uuid.uuid4().hex[:8]
    names = {"SOURCE": f"bad-input-{tag}", "SOURCE_IN_DR": f"bad-input-{tag}-in-dr",
             "ELSEWHERE": f"bad-input-{tag}-elsewhere", "THEIRS": f"bad-input-{tag}-theirs"}
    s3.create_bucket(Bucket=names["SOURCE"], CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    client_for(localaws, "s3", DR_REGION).create_bucket(
        Bucket=names["SOURCE_IN_DR"], CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    client_for(localaws, "s3", "ap-south-1").create_bucket(
        Bucket=names["ELSEWHERE"], CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    credentials = client_for(localaws, "sts").assume_role(
        RoleArn="arn:aws:iam::111111111111:role/other", RoleSessionName="other")["Credentials"]
    boto3.client("s3", region_name=DR_REGION, endpoint_url=localaws.endpoint_url,
                 aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                 aws_session_token=credentials["SessionToken"]).create_bucket(
        Bucket=names["THEIRS"], CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    names["SOURCE_KEY"] = client_for(localaws, "kms", SOURCE_REGION).create_key()["KeyMetadata"]["Arn"]
    names["DR_KEY"] = client_for(localaws, "kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]
    return names


@dataclass
class Outcome:
    result: dict  # the failed task's result
    message: str
    writes: list  # the write calls recorded during the run the case was part of
    seconds: float


def run_recorded(localaws, tmp_path: Path, playbook: str | Path, extra_vars: dict | None = None,
                 inventory: Path | None = None) -> tuple[PlaybookRun, list, float]:
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook)]
    command += ["-i", str(inventory)] if inventory else []
    if extra_vars is not None:
        vars_file = tmp_path / f"vars-{time.monotonic_ns()}.json"
        vars_file.write_text(json.dumps(extra_vars))
        command += ["-e", f"@{vars_file}"]
    env = {**os.environ, **localaws.env, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
           "ANSIBLE_NOCOLOR": "1"}
    localaws.start_recording()
    started = time.monotonic()
    completed = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    seconds = time.monotonic() - started
    return PlaybookRun(completed), [call for call in localaws.recorded_calls() if call.is_write], seconds


def first_failure(run: PlaybookRun) -> dict:
    for play in run.report.get("plays", []):
        for task in play["tasks"]:
            result = task["hosts"].get("localhost", {})
            if result.get("failed"):
                return result
    return {}


@pytest.fixture(scope="module")
def outcomes(localaws, seeded, tmp_path_factory) -> dict[str, Outcome]:
    tmp_path = tmp_path_factory.mktemp("bad-input")
    found: dict[str, Outcome] = {}
    inventory = tmp_path / "workers.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {f"worker{index}": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
        for index in range(WORKERS)}}}))
    generated = tmp_path / "bad_input.yml"
    generated.write_text(json.dumps([{"name": "Bad input, one task per case", "hosts": "all", "strategy": "free",
                                      "gather_facts": False, "tasks": [task_for(case, seeded) for case in BATCHED]}]))
    run, writes, seconds = run_recorded(localaws, tmp_path, generated, inventory=inventory)
    for case in BATCHED:
        results = run.task_results(case.id, host=worker_of(case))
        result = results[0] if results else {}
        if case.kind == "role":
            result = result.get("ansible_failed_result", {})
        found[case.id] = Outcome(result, str(result.get("msg", "")), writes, seconds / len(BATCHED))
    for case in PLAYBOOK_CASES:
        run, writes, seconds = run_recorded(localaws, tmp_path, case.kind, fill(case.args, seeded))
        result = first_failure(run)
        found[case.id] = Outcome(result, str(result.get("msg", "")) or repr(run), writes, seconds)
    return found


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_naming_the_problem_with_zero_writes(case, outcomes, seeded):
    outcome = outcomes[case.id]
    assert outcome.result.get("failed") is True, f"{case.id} was not refused: {outcome.result}"
    for expected in fill(case.expect, seeded):
        assert expected in outcome.message, f"{expected!r} not in {outcome.message!r}"
    if case.bucket:
        assert fill(case.bucket, seeded) in outcome.message
    assert "Traceback" not in outcome.message
    assert outcome.writes == [], f"writes recorded during the run of {case.id}: {outcome.writes}"
