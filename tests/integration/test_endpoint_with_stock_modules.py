"""Stock amazon.aws modules work against the local endpoint through the standard settings."""
from __future__ import annotations

import pytest

PLAYBOOK = "tests/integration/playbooks/stock_s3_bucket.yml"


@pytest.mark.parametrize("endpoint_setting", ["AWS_ENDPOINT_URL environment", "endpoint_url via module_defaults group"])
def test_s3_bucket_module_creates_bucket_boto3_sees(endpoint_setting, localaws, run_playbook, aws_client):
    bucket = f"stock-{'env' if 'environment' in endpoint_setting else 'group'}-bucket"
    extra_vars = {"bucket_name": bucket, "aws_region": "eu-west-1"}
    env = {}
    if "group" in endpoint_setting:
        extra_vars["endpoint_url"] = localaws.endpoint_url
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing listens there: only endpoint_url can work

    first = run_playbook(PLAYBOOK, extra_vars=extra_vars, env=env)
    assert first.rc == 0, first
    assert first.recap["localhost"]["changed"] >= 1, first

    s3 = aws_client("s3", "eu-west-1")
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-west-1"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "dr", "Value": "true"}]

    second = run_playbook(PLAYBOOK, extra_vars=extra_vars, env=env)
    assert second.rc == 0, second
    assert second.recap["localhost"]["changed"] == 0, second
