"""The playbooks run as AWX runs them in an execution environment: the collection installed from its tarball
on a read-only path, run through ansible-runner, the AWS credential injected as AWX injects it (access key
and secret in the environment, no Region, no profile), every extra var a survey answer (a string). Checked
through what AWX reads back: the job events and the artifacts."""
from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import ansible_runner
import pytest
import yaml
from botocore.exceptions import ClientError

from plugins.module_utils.core import specs
from tests.integration.test_installed_collection import build_tarball, install_read_only, installed_environment

SOURCE_REGION, DR_REGION = "ap-northeast-2", "eu-west-2"
VENV_BIN = Path(sys.executable).parent
# Everything an AWS setting could come from besides AWX's injected keys (and the test endpoint's URL).
NOT_INJECTED_BY_AWX = ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
                       "AWS_SHARED_CREDENTIALS_FILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@pytest.fixture(scope="module")
def execution_environment(tmp_path_factory) -> tuple[Path, Path]:
    """The collection as an execution environment holds it: (collections path, its ansible-playbook)."""
    collections = tmp_path_factory.mktemp("ee-collections")
    return collections, install_read_only(build_tarball(tmp_path_factory.mktemp("ee-build")), collections)


@pytest.fixture
def awx_job(localaws, execution_environment, tmp_path, monkeypatch):
    """``awx_job("dr_setup", {"var": "string"})``: one AWX-style job of the collection's playbook -> its Runner.

    The project is what an AWX project for this collection holds: a playbook importing
    ``resilience.s3_dr.<name>``; the collection comes from the installed, read-only collections path.
    """
    collections, ansible_playbook = execution_environment
    for name in NOT_INJECTED_BY_AWX:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.aws of the machine running the tests
    # ansible-runner starts the ansible-playbook it finds first on PATH: the one for the read-only path.
    monkeypatch.setenv("PATH", os.pathsep.join([str(ansible_playbook.parent), str(VENV_BIN), os.environ["PATH"]]))
    project = tmp_path / "private_data_dir" / "project"
    project.mkdir(parents=True)
    counter = iter(range(1000))

    def run(playbook: str, survey_answers: dict[str, str]) -> ansible_runner.Runner:
        assert all(isinstance(value, str) for value in survey_answers.values()), "a survey answers with strings"
        (project / f"{playbook}.yml").write_text(yaml.safe_dump(
            [{"name": f"resilience.s3_dr.{playbook}", "ansible.builtin.import_playbook": f"resilience.s3_dr.{playbook}"}]))
        return ansible_runner.run(
            private_data_dir=str(tmp_path / "private_data_dir"), playbook=f"{playbook}.yml",
            ident=f"{playbook}-{next(counter)}", extravars=survey_answers, quiet=True,
            inventory={"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                       "ansible_python_interpreter": sys.executable}}}},
            envvars={
                # AWX's "Amazon Web Services" credential type injects exactly these two (and a session token if set).
                "AWS_ACCESS_KEY_ID": localaws.env["AWS_ACCESS_KEY_ID"],
                "AWS_SECRET_ACCESS_KEY": localaws.env["AWS_SECRET_ACCESS_KEY"],
                "AWS_ENDPOINT_URL": localaws.endpoint_url,
                "AWS_EC2_METADATA_DISABLED": "true",
                **installed_environment(collections),
            })

    return run


def _events(runner: ansible_runner.Runner, event: str) -> list[dict]:
    return [item["event_data"] for item in runner.events if item["event"] == event]


def _task_names(runner: ansible_runner.Runner, event: str) -> set[str]:
    return {data["task"] for data in _events(runner, event)}


def _failure_messages(runner: ansible_runner.Runner) -> list[str] | str:
    """Each failed task's message, or the job output when no task failed (the play did not start)."""
    return [f"{data['task']}: {str(data['res'].get('msg', data['res']))[:800]}"
            for data in _events(runner, "runner_on_failed")] or runner.stdout.read()[-3000:]


def _workflow_artifacts(runner: ansible_runner.Runner) -> dict:
    """What set_stats hands to the next node of an AWX workflow (the stats event's artifact_data)."""
    return _events(runner, "playbook_on_stats")[0]["artifact_data"]


def test_setup_and_teardown_with_awx_credentials_and_survey_strings(awx_job, aws_client):
    prefix = f"awx{uuid.uuid4().hex[:6]}"
    answers = {"dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
               "dr_pipeline_name_prefix": prefix, "dr_pipeline_trigger_tag_key": prefix,
               "dr_pipeline_audit_table": "false", "dr_pipeline_cloudtrail": "true", "dr_pipeline_self_heal": "false", "dr_pipeline_lambda_timeout": "16",
               "dr_pipeline_log_retention_days": "14", "dr_pipeline_clone_categories": "cors,tagging,lifecycle",
               "dr_pipeline_backfill_max_objects": "0", "dr_pipeline_sweep_schedule": ""}
    setup = awx_job("dr_setup", answers)
    assert (setup.status, setup.rc) == ("successful", 0), _failure_messages(setup)

    pipeline = f"{prefix}-{SOURCE_REGION}"
    # "false" is false: no audit table (on ansible-core 2.17 the string made the table); "true" made the trail.
    assert "Create the audit table (one item per bucket action of the functions)" in _task_names(setup, "runner_on_skipped")
    assert "Create the audit table (one item per bucket action of the functions)" not in _task_names(setup, "runner_on_ok")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        aws_client("dynamodb", SOURCE_REGION).describe_table(TableName=f"{pipeline}-audit")
    assert f"{pipeline}-trail" in [trail["Name"] for trail in aws_client("cloudtrail", SOURCE_REGION).describe_trails()[
        "trailList"]]
    # "16" and "14" are numbers, "cors,tagging,lifecycle" a list, "false" turns self-heal off.
    function = aws_client("lambda", DR_REGION).get_function_configuration(FunctionName=f"{pipeline}-destination-bucket-check")
    assert function["Timeout"] == 16
    environment = function["Environment"]["Variables"]
    clone = specs.clone_spec(json.loads(environment["CLONE_SPEC"]), source_bucket="b", dest_region=DR_REGION)
    assert clone.categories == ["cors", "tagging", "lifecycle"]
    assert environment["AUDIT_TABLE"] == ""
    log_group = aws_client("logs", SOURCE_REGION).describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{pipeline}-source-bucket-check")["logGroups"][0]
    assert log_group["retentionInDays"] == 14
    pattern = json.loads(aws_client("events", SOURCE_REGION).describe_rule(Name=f"{pipeline}-bucket-events")["EventPattern"])
    assert "DeleteBucketReplication" not in pattern["detail"]["eventName"]
    # The job's events and artifacts, as AWX shows and passes them on.
    assert setup.stats["failures"] == {} and setup.stats["changed"]["localhost"] > 0
    assert _workflow_artifacts(setup)["dr_pipeline"] == {
        "state": "present", "account": "123456789012", "name_prefix": prefix,
        "pairs": [{"source_region": SOURCE_REGION, "dest_region": DR_REGION}]}

    teardown = awx_job("dr_teardown", answers)
    assert (teardown.status, teardown.rc) == ("successful", 0), _failure_messages(teardown)
    assert _workflow_artifacts(teardown)["dr_pipeline"]["state"] == "absent"
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        aws_client("lambda", DR_REGION).get_function_configuration(FunctionName=f"{pipeline}-destination-bucket-check")


def test_validate_with_survey_strings_writes_its_report_into_the_job_artifacts(awx_job, run_playbook, aws_client):
    buckets = [f"awx-{uuid.uuid4().hex[:10]}" for index in range(2)]
    s3 = aws_client("s3", SOURCE_REGION)
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_object(Bucket=bucket, Key="existing.txt", Body=b"made before replication")
    made = run_playbook("playbooks/dr_buckets.yml", extra_vars={
        "dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": buckets})
    assert made.rc == 0, made

    answers = {"dr_source_region": SOURCE_REGION, "dr_dest_region": DR_REGION, "dr_buckets": " , ".join(buckets),
               "dr_compare_objects": "true", "dr_max_keys": "16"}
    both = awx_job("dr_validate", answers)
    assert (both.status, both.rc) == ("successful", 0), _failure_messages(both)
    report = json.loads((Path(both.config.artifact_dir) / "dr_validate_report.json").read_text())
    assert sorted(item["source_bucket"] for item in report) == sorted(buckets)
    assert all(item["dr_ready"] and item["objects"]["missing_on_dr"] == 0 for item in report), report
    assert _workflow_artifacts(both)["dr_validate"] == {
        "dr_ready": True, "buckets": buckets, "not_ready": [],
        "report_path": f"{both.config.artifact_dir}/dr_validate_report.json"}

    # One name typed into a text field is one bucket, not one bucket per letter; "false" is false.
    aws_client("s3", DR_REGION).delete_object(Bucket=f"{buckets[1]}-dr", Key="existing.txt")
    one = awx_job("dr_validate", answers | {"dr_buckets": buckets[1], "dr_compare_objects": "false"})
    assert (one.status, one.rc) == ("successful", 0), _failure_messages(one)
    assert _workflow_artifacts(one)["dr_validate"]["buckets"] == [buckets[1]]
    report = json.loads((Path(one.config.artifact_dir) / "dr_validate_report.json").read_text())
    assert [item["source_bucket"] for item in report] == [buckets[1]] and "objects" not in report[0]

    compared = awx_job("dr_validate", answers | {"dr_buckets": buckets[1]})
    assert (compared.status, compared.rc) == ("failed", 2)
    assert _workflow_artifacts(compared)["dr_validate"]["not_ready"] == [buckets[1]]
    assert "Fail unless every bucket is DR-ready" in _task_names(compared, "runner_on_failed")
