"""s3_replication_boundary through real ansible-playbook runs: the boundary every replication role gets."""
from __future__ import annotations

import json

PLAYBOOK = "tests/integration/playbooks/boundary/ensure.yml"
TASK = "Run s3_replication_boundary"
ACCOUNT = "123456789012"


def ensure(run_playbook, check: bool = False, **options) -> dict:
    run = run_playbook(PLAYBOOK, extra_vars={"boundary": options}, check=check)
    results = run.task_results(TASK)
    assert results, run
    return results[0]


def writes(localaws) -> list:
    return [call for call in localaws.recorded_calls() if call.is_write]


def test_check_mode_plans_the_policy_and_writes_nothing_then_it_is_created_once(localaws, run_playbook, aws_client):
    other_account = "246813579024"  # a name of its own, so this test does not race the other modules' tests
    localaws.start_recording()
    planned = ensure(run_playbook, check=True, dest_accounts=[other_account])
    assert planned["changed"] is True and not planned.get("failed"), planned
    assert writes(localaws) == []
    name = f"s3dr-replication-role-boundary-{other_account}"
    assert planned["policy_arn"] == f"arn:aws:iam::{ACCOUNT}:policy/resilience-s3dr/{name}"

    created = ensure(run_playbook, dest_accounts=[other_account])
    assert created["actions"] == [f"create IAM policy {name} (permissions boundary of replication roles)"], created
    iam = aws_client("iam")
    policy = iam.get_policy(PolicyArn=created["policy_arn"])["Policy"]
    stored = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
    stored = stored["PolicyVersion"]["Document"]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored == created["policy"]
    writes_into = next(s for s in stored["Statement"] if "s3:ReplicateObject" in s["Action"])
    assert writes_into["Condition"] == {"StringEquals": {"aws:ResourceAccount": [ACCOUNT, other_account]}}

    localaws.start_recording()
    again = ensure(run_playbook, dest_accounts=[other_account])
    assert again["changed"] is False and writes(localaws) == [], again


def test_a_boundary_someone_widened_is_brought_back_in_line(localaws, run_playbook, aws_client):
    other_account = "135792468013"
    created = ensure(run_playbook, dest_accounts=[other_account])
    iam = aws_client("iam")
    iam.create_policy_version(PolicyArn=created["policy_arn"], SetAsDefault=True, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    repaired = ensure(run_playbook, dest_accounts=[other_account])
    assert repaired["changed"] is True, repaired
    policy = iam.get_policy(PolicyArn=created["policy_arn"])["Policy"]
    stored = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
    stored = stored["PolicyVersion"]["Document"]
    assert (json.loads(stored) if isinstance(stored, str) else stored) == created["policy"]


def test_an_account_id_that_is_not_one_is_refused_with_no_write(localaws, run_playbook):
    localaws.start_recording()
    refused = ensure(run_playbook, dest_accounts=["abc"])
    assert refused.get("failed") and "dest_accounts 'abc' is not an AWS account id (12 digits); nothing was changed" in refused["msg"], refused
    assert writes(localaws) == []
