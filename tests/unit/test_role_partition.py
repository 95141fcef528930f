"""The dr_pipeline role's policies name the caller's partition (aws-cn, aws-us-gov), as the core's ARNs do."""
from __future__ import annotations

import json
import re

import pytest

from plugins.module_utils.core import policies
from tests.unit.test_policy_lint import render_role_policies

ACCOUNT = "111122223333"
PAIRS = {"aws-cn": ("cn-north-1", "cn-northwest-1"), "aws-us-gov": ("us-gov-west-1", "us-gov-east-1")}


@pytest.mark.parametrize("partition", sorted(PAIRS))
def test_every_arn_of_the_role_policies_is_in_the_callers_partition(partition, tmp_path):
    source_region, dest_region = PAIRS[partition]
    source_key = f"arn:{partition}:kms:{source_region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    replica_key = f"arn:{partition}:kms:{dest_region}:{ACCOUNT}:key/5678abcd-56ab-78cd-90ef-5678901234cd"
    rendered = render_role_policies(tmp_path, {
        "dr_pipeline_caller": {"account": ACCOUNT, "arn": f"arn:{partition}:iam::{ACCOUNT}:user/deployer"},
        "dr_pipeline_pairs": [{"source_region": source_region, "dest_region": dest_region}],
        "dr_pipeline_boundary_arn": policies.boundary_policy_arn(partition, ACCOUNT),
        "dr_pipeline_kms_key_map": {source_key: replica_key}, "dr_pipeline_dest_kms_key_id": replica_key})
    assert rendered
    arns = set(re.findall(r'arn:[^"\s]*', json.dumps(rendered)))
    assert arns and {arn.split(":")[1] for arn in arns} == {partition}, sorted(arns)


@pytest.mark.parametrize("partition", sorted(PAIRS))
def test_kms_via_service_hosts_are_the_partitions_s3_and_sns_endpoints(partition, tmp_path):
    """kms:ViaService names the service's endpoint host, whose DNS suffix is the partition's (amazonaws.com.cn in China)."""
    from plugins.module_utils.core.validation import dns_suffix

    source_region, dest_region = PAIRS[partition]
    key = f"arn:{partition}:kms:{source_region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    rendered = render_role_policies(tmp_path, {
        "dr_pipeline_caller": {"account": ACCOUNT, "arn": f"arn:{partition}:iam::{ACCOUNT}:user/deployer"},
        "dr_pipeline_pairs": [{"source_region": source_region, "dest_region": dest_region}],
        "dr_pipeline_boundary_arn": policies.boundary_policy_arn(partition, ACCOUNT),
        "dr_pipeline_kms_key_map": {key: key.replace(source_region, dest_region)},
        "dr_pipeline_dest_kms_key_id": key.replace(source_region, dest_region)})
    hosts = set(re.findall(r'"kms:ViaService": "([^"]+)"', json.dumps(rendered)))
    assert hosts and all(host.endswith("." + dns_suffix(partition)) for host in hosts), sorted(hosts)
    assert policies.dr_key_statement(f"arn:{partition}:iam::{ACCOUNT}:role/r", dest_region)["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:{partition}:iam::{ACCOUNT}:role/r"},
        "StringEquals": {"kms:ViaService": f"s3.{dest_region}.{dns_suffix(partition)}"}}
