"""ARNs are built in the caller's partition (aws, aws-cn, aws-us-gov), never as arn:aws: by default."""
from __future__ import annotations

import json
import re

import boto3
import pytest

from plugins.module_utils.core import waiting
from plugins.module_utils.core.backfill import BackfillSpec, batch_job_request
from plugins.module_utils.core.buckets import source_bucket_region
from plugins.module_utils.core.categories import REGISTRY, RewriteContext
from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.clone import CloneSpec, clone_configuration
from plugins.module_utils.core.crr import CrrSpec, apply_crr
from plugins.module_utils.core.policies import (replication_boundary_policy, replication_role_policy,
                                                replication_trust_policy, tls_only_bucket_policy)
from plugins.module_utils.core.replication import api_rule

PARTITIONS = {  # partition: (source Region, DR Region, S3 host suffix)
    "aws": ("eu-west-1", "us-west-2", "amazonaws.com"),
    "aws-cn": ("cn-north-1", "cn-northwest-1", "amazonaws.com.cn"),
    "aws-us-gov": ("us-gov-west-1", "us-gov-east-1", "amazonaws.com"),
}


def arns_in(document) -> set[str]:
    return set(re.findall(r'arn:[^"\s]*', json.dumps(document)))


@pytest.mark.parametrize("partition", PARTITIONS)
def test_policies_and_rules_name_the_partition_given(partition):
    source_region, dest_region, suffix = PARTITIONS[partition]
    documents = [
        replication_trust_policy("123456789012", "src", partition),
        replication_role_policy("src", source_region, "dst", dest_region, owner_override=True, partition=partition,
                                source_kms_keys=[f"arn:{partition}:kms:{source_region}:123456789012:key/k"],
                                replica_kms_keys=[f"arn:{partition}:kms:{dest_region}:123456789012:key/k"]),
        replication_boundary_policy(partition, "123456789012"),
        tls_only_bucket_policy("dst", partition),
        api_rule({"id": "dr"}, "dst", 1, partition),
        batch_job_request(BackfillSpec(source_bucket="src", method="batch_replication", report_bucket="reports",
                                       batch_role_arn=f"arn:{partition}:iam::123456789012:role/batch"),
                          "123456789012", partition),
    ]
    arns = set().union(*(arns_in(document) for document in documents))
    assert arns and all(arn.startswith(f"arn:{partition}:") for arn in arns), arns
    via = replication_role_policy("src", source_region, "dst", dest_region, partition=partition,
                                  source_kms_keys=["k"])["Statement"][-1]["Condition"]["StringLike"]["kms:ViaService"]
    assert via == f"s3.{source_region}.{suffix}"


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_clone_rewrites_bucket_arns_into_the_partition(partition):
    source_region, dest_region, _suffix = PARTITIONS[partition]
    context = RewriteContext("app", "app-dr", source_region, dest_region, "123456789012", partition=partition)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"},
                                                      "Action": "s3:GetObject",
                                                      "Resource": f"arn:{partition}:s3:::app/*"}]}
    assert REGISTRY["policy"].rewrite(policy, context)["Statement"][0]["Resource"] == f"arn:{partition}:s3:::app-dr/*"
    inventory = {"weekly": {"Id": "weekly", "IsEnabled": True, "IncludedObjectVersions": "Current",
                            "Schedule": {"Frequency": "Weekly"},
                            "Destination": {"S3BucketDestination": {"Bucket": f"arn:{partition}:s3:::app",
                                                                    "Format": "CSV"}}}}
    rewritten = REGISTRY["inventory"].rewrite(inventory, context)
    assert rewritten["weekly"]["Destination"]["S3BucketDestination"]["Bucket"] == f"arn:{partition}:s3:::app-dr"


class GovCloudIdentity:
    """STS answering as a GovCloud caller (moto answers arn:aws: whatever the Region)."""

    def __init__(self, client):
        self._client = client

    def get_caller_identity(self):
        return {"Account": "123456789012", "Arn": "arn:aws-us-gov:iam::123456789012:user/operator",
                "UserId": "AIDA"}

    def __getattr__(self, name):
        return getattr(self._client, name)


@pytest.fixture
def govcloud(monkeypatch, moto_in_process):
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    aws = boto3_clients(boto3.session.Session())

    def clients(service, region):
        return GovCloudIdentity(aws(service, region)) if service == "sts" else aws(service, region)
    aws("s3", "us-gov-west-1").create_bucket(Bucket="src", CreateBucketConfiguration={
        "LocationConstraint": "us-gov-west-1"})
    return clients


def test_replication_and_the_new_dr_bucket_use_the_callers_partition(govcloud):
    assert source_bucket_region(govcloud, "src", near_region="us-gov-east-1") == "us-gov-west-1"
    planned = apply_crr(govcloud, CrrSpec(source_bucket="src", dest_region="us-gov-east-1"), check_mode=True)
    configuration = planned.data["replication_configuration"]
    assert configuration["Role"] == "arn:aws-us-gov:iam::123456789012:role/service-role/s3-crr-src"
    assert configuration["Rules"][0]["Destination"]["Bucket"] == "arn:aws-us-gov:s3:::src-dr"
    clone = clone_configuration(govcloud, CloneSpec(source_bucket="src", dest_region="us-gov-east-1"))
    assert "create DR bucket src-dr in us-gov-east-1" in clone.actions
    policy = json.loads(govcloud("s3", "us-gov-east-1").get_bucket_policy(Bucket="src-dr")["Policy"])
    assert arns_in(policy) == {"arn:aws-us-gov:s3:::src-dr", "arn:aws-us-gov:s3:::src-dr/*"}
