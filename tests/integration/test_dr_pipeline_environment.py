"""The pipeline's settings against Lambda's 4 KB environment limit: a deploy whose function environment Lambda
would refuse fails before anything is written, naming the role variable that takes the room."""
from __future__ import annotations

import uuid

from plugins.module_utils.core.specs import LAMBDA_ENVIRONMENT_MAX_BYTES, environment_problem

SOURCE_REGION, DR_REGION = "eu-south-1", "eu-south-2"
ACCOUNT = "123456789012"


def kms_key_map(entries: int) -> dict[str, str]:
    """Source-Region key ARN -> DR-Region key ARN, as a real map of key ids looks."""
    return {f"arn:aws:kms:{SOURCE_REGION}:{ACCOUNT}:key/{uuid.uuid4()}":
            f"arn:aws:kms:{DR_REGION}:{ACCOUNT}:key/{uuid.uuid4()}" for _entry in range(entries)}


def test_thirty_kms_key_arns_fail_the_deploy_before_any_write(localaws, run_playbook, aws_client):
    prefix = f"env{uuid.uuid4().hex[:6]}"
    run = run_playbook("playbooks/dr_setup.yml", extra_vars={
        "dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
        "dr_pipeline_name_prefix": prefix, "dr_pipeline_kms_key_map": kms_key_map(30)})

    assert run.rc != 0, run
    [failure] = run.failures
    function = f"{prefix}-{SOURCE_REGION}-destination-bucket-check"
    assert f"Nothing was deployed: the environment of Lambda function {function} would be " in failure, failure
    assert "the largest: dr_pipeline_kms_key_map (CLONE_SPEC option kms_key_map): " in failure, failure
    assert "playbooks/dr_buckets.yml" in failure
    # Nothing of this pipeline exists: no role, no queue, no function in either Region.
    assert not [role for role in aws_client("iam").list_roles()["Roles"] if role["RoleName"].startswith(prefix)]
    for region in (SOURCE_REGION, DR_REGION):
        assert not aws_client("sqs", region).list_queues(QueueNamePrefix=prefix).get("QueueUrls")
        assert not [function for function in aws_client("lambda", region).list_functions()["Functions"]
                    if function["FunctionName"].startswith(prefix)]


def test_the_size_is_measured_as_lambda_measures_it():
    spec_variables = {"clone": {"kms_key_map": "dr_pipeline_kms_key_map"}}
    fits = {"A": "x" * (LAMBDA_ENVIRONMENT_MAX_BYTES - len('{"A":""}'))}
    assert environment_problem("f", fits, spec_variables) == ""
    too_big = {"A": fits["A"] + "é"}  # one character, two UTF-8 bytes
    assert environment_problem("f", too_big, spec_variables).startswith(
        f"the environment of Lambda function f would be {LAMBDA_ENVIRONMENT_MAX_BYTES + 2} bytes")
