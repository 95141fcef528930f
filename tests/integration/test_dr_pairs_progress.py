"""Progress of the fleet task (the resilience.s3_dr.s3_dr_pairs action plugin): one line per bucket, shown while
the task runs, in the order the buckets finish; the task result as without it; check mode, diff, no_log, AWX."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ANSIBLE_PLAYBOOK, REPO_ROOT, other_account_client
# Fixtures used below.
from tests.integration.test_awx_runs import awx_job, execution_environment  # noqa: F401 pylint: disable=unused-import
from tests.integration.test_dr_pairs import DR_REGION, PAIR_TASK, SOURCE_REGION, new_buckets, playbook_vars, replicated

PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (\S+): (.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
HUMAN_OUTPUT = {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"}


def progress_lines(output: str) -> list[tuple[int, int, str, str]]:
    return [(int(match[1]), int(match[2]), match[3], match[4])
            for match in map(PROGRESS.match, output.splitlines()) if match]


def stream_playbook(localaws, tmp_path, extra_vars: dict, report: Path) -> tuple[int, str, list[int]]:
    """dr_buckets.yml with the human stdout callback, its output read as it comes: (rc, output, for each progress
    line the number of lines the report had when the line was read)."""
    vars_file = tmp_path / "extra-vars.json"
    vars_file.write_text(json.dumps(extra_vars))
    env = {**os.environ, **localaws.env, **HUMAN_OUTPUT, "ANSIBLE_NOCOLOR": "1"}
    output, report_sizes = [], []
    with subprocess.Popen([ANSIBLE_PLAYBOOK, "playbooks/dr_buckets.yml", "-e", f"@{vars_file}"], cwd=REPO_ROOT,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            if PROGRESS.match(line):
                report_sizes.append(len(report.read_text().splitlines()))
        rc = process.wait(timeout=900)
    return rc, "\n".join(output), report_sizes


@pytest.mark.core_matrix  # the action plugin runs inside ansible-core's worker: every claimed version
def test_one_line_per_bucket_while_the_task_runs_in_completion_order(aws_client, localaws, tmp_path):
    buckets = new_buckets(aws_client, 5)
    failing = buckets[2]
    # the clone step fails: the DR bucket name belongs to another account
    other_account_client(localaws, "s3", DR_REGION).create_bucket(
        Bucket=f"{failing}-dr", CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    report = tmp_path / "report.jsonl"
    report.write_text('{"source_bucket": "from-a-previous-run", "failed": false, "fleet_size": 1}\n')

    # One bucket at a time (at least 5 x ~35 calls), so the run outlasts the plugin's 0.5 s polls on a quiet machine.
    rc, output, report_size_when_shown = stream_playbook(localaws, tmp_path, playbook_vars(
        dr_buckets=buckets, dr_concurrency="1", dr_report_path=str(report)), report)

    assert rc == 2, output
    lines = progress_lines(output)
    # shown while the task runs: when the first line came out, buckets were still being worked on
    assert report_size_when_shown[0] < 5, (report_size_when_shown, output)
    completed = [json.loads(line) for line in report.read_text().splitlines()]
    # one line per bucket, numbered, in the order the module finished them (the report's order), none stale
    assert [(count, total, name) for count, total, name, _text in lines] == [
        (index, 5, record["source_bucket"]) for index, record in enumerate(completed, start=1)], output
    assert sorted(name for _count, _total, name, _text in lines) == sorted(buckets)
    # all of them between the task's header and its result
    output_lines = output.splitlines()
    header = next(index for index, line in enumerate(output_lines) if line.startswith(f"TASK [{PAIR_TASK}]"))
    result = next(index for index, line in enumerate(output_lines) if line.startswith("fatal: [localhost]"))
    shown_at = [index for index, line in enumerate(output_lines) if PROGRESS.match(line)]
    assert header < min(shown_at) and max(shown_at) < result, output
    texts = {name: text for _count, _total, name, text in lines}
    failed_record = next(record for record in completed if record["source_bucket"] == failing)
    assert texts[failing] == f"failed in clone: {' '.join(failed_record['msg'].split())}"
    assert f"failed in clone: DR bucket {failing}-dr exists but is not owned by account" in texts[failing]
    for name in set(buckets) - {failing}:
        assert texts[name] == "changed (replication set up, 1 object copied)", texts
        assert replicated(aws_client, name)


def test_check_mode_no_report_path_json_output(run_playbook, aws_client, tmp_path):
    """The json stdout callback stays one JSON document (progress goes to stderr); without a report path the module
    reports to a temporary file that is gone afterwards and not in the result; no diff without --diff."""
    buckets = new_buckets(aws_client, 2)
    temp = tmp_path / "tmp"
    temp.mkdir()

    run = run_playbook("playbooks/dr_buckets.yml", check=True, env={"TMPDIR": str(temp)}, extra_vars=playbook_vars(
        dr_buckets=buckets, dr_report_path=""))

    assert run.rc == 0, run
    [result] = run.task_results(PAIR_TASK)
    assert result["changed"] and result["summary"]["buckets"] == 2
    assert "report_path" not in result and "diff" not in result, sorted(result)
    assert sorted(name for _count, _total, name, _text in progress_lines(run.stderr)) == sorted(buckets), run.stderr
    assert all(text.startswith("would change (replication would be set up")
               for _count, _total, _name, text in progress_lines(run.stderr)), run.stderr
    assert list(temp.glob("s3_dr_pairs-*")) == []
    assert not any(replicated(aws_client, bucket) for bucket in buckets)

    with_diff = run_playbook("playbooks/dr_buckets.yml", check=True, diff=True, extra_vars=playbook_vars(
        dr_buckets=buckets, dr_report_path=""))
    [result] = with_diff.task_results(PAIR_TASK)
    assert sorted(result["diff"]["after"]) == sorted(buckets)


def test_no_log_names_no_bucket(run_playbook, aws_client, tmp_path):
    buckets = new_buckets(aws_client, 2)
    playbook = tmp_path / "no_log.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Fleet under no_log", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "Pairs", "no_log": True, "resilience.s3_dr.s3_dr_pairs": {
            "sources": [{"source_bucket": name} for name in buckets], "source_region": SOURCE_REGION,
            "dest_region": DR_REGION, "backfill": False}}]}]))

    run = run_playbook(playbook, env=HUMAN_OUTPUT)

    output = run.report["raw"]
    assert run.rc == 0, output
    assert re.findall(r"^\[(\d)/2\] done \(details hidden: no_log\)$", output, re.MULTILINE) == ["1", "2"], output
    assert not any(name in output for name in buckets), output


def test_progress_lines_are_awx_job_events(awx_job, aws_client, tmp_path):  # noqa: F811 - the fixture imported above
    buckets = new_buckets(aws_client, 2)
    job = awx_job("dr_buckets", {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION,
                                 "dr_buckets": ",".join(buckets), "dr_backfill": "false",
                                 "dr_report_path": str(tmp_path / "dr_buckets.jsonl")})
    assert (job.status, job.rc) == ("successful", 0), job.stdout.read()[-3000:]
    # verbose events (AWX shows them in the job output), colored like the task results
    shown = [(event, ANSI.sub("", event.get("stdout", "")).strip()) for event in job.events]
    shown = [(event, PROGRESS.match(text)) for event, text in shown if PROGRESS.match(text)]
    assert {event["event"] for event, _match in shown} == {"verbose"}, shown
    assert sorted((match[1], match[2]) for _event, match in shown) == [("1", "2"), ("2", "2")]
    assert sorted(match[3] for _event, match in shown) == sorted(buckets), shown
    assert {match[4] for _event, match in shown} == {"changed (replication set up)"}, shown
    # shown under the fleet task, before its result
    task_start = next(event for event in job.events if event["event"] == "playbook_on_task_start"
                      and event["event_data"]["task"] == PAIR_TASK)
    assert {event["event_data"].get("task_uuid") for event, _match in shown} == {task_start["event_data"]["task_uuid"]}
    result_counter = next(event["counter"] for event in job.events if event["event"] == "runner_on_ok"
                          and event["event_data"]["task"] == PAIR_TASK)
    assert all(task_start["counter"] < event["counter"] < result_counter for event, _match in shown)
