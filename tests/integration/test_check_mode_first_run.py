"""`ansible-playbook dr_setup.yml --check` before the first deployment: it shows what it would create and
writes nothing (it used to fail at iam_policy, which cannot read the policies of a role that does not exist)."""
from __future__ import annotations

import uuid

SOURCE_REGION, DR_REGION = "il-central-1", "me-central-1"
ROLE = "resilience.s3_dr.dr_pipeline : "  # how the JSON callback names the role's tasks


def test_dr_setup_check_mode_on_a_fresh_account_plans_and_writes_nothing(localaws, run_playbook, tmp_path):
    prefix = f"chk{uuid.uuid4().hex[:6]}"
    localaws.start_recording()
    # A fresh control node too: no Lambda zip built before (the build is a local artifact, made in check mode too).
    planned = run_playbook("playbooks/dr_setup.yml", check=True, env={"TMPDIR": str(tmp_path)}, extra_vars={
        "dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
        "dr_pipeline_name_prefix": prefix})
    writes = [call for call in localaws.recorded_calls() if call.is_write]
    assert planned.rc == 0, planned
    assert writes == []

    pipeline = f"{prefix}-{SOURCE_REGION}"
    functions = [f"{pipeline}-{name}" for name in ("source-bucket-check", "destination-bucket-check", "enable-replication")]
    for task in ("Create one IAM role per function", "Create the log groups with retention", "Deploy the functions"):
        items = planned.task_results(ROLE + task)[0]["results"]
        assert [(item["item"]["value"]["name"], item["changed"]) for item in items] == [(name, True) for name in functions]
    assert planned.task_results(ROLE + "Create the dead-letter queues for failed invocations")[0]["changed"]
    explained = planned.task_results(ROLE + "Check mode, first deployment - show what follows the functions")[0]["msg"]
    assert f"{pipeline}-to-dr" in explained and f"{pipeline}-bucket-events" in explained
    assert planned.task_results(ROLE + "Give each function role only what its function does")[0]["skipped"]
    assert sorted(path.name for path in next(tmp_path.glob("resilience-s3dr-lambda-*")).iterdir()) == [
        "destination_bucket_check.zip", "enable_replication.zip", "source_bucket_check.zip"]
