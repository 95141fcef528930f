"""Every write of the core goes through Result.write: a step is listed as done only once its call succeeded.

Each kind of write is made to fail (AccessDenied, as with a policy that lacks its permission) on moto in-process;
the error's ``done`` must be exactly the steps before it, as the check-mode plan orders them.
"""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from plugins.module_utils.core import waiting
from plugins.module_utils.core.backfill import BackfillSpec, copy_missing
from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.clone import CloneSpec, clone_configuration
from plugins.module_utils.core.crr import CrrSpec, apply_crr
from plugins.module_utils.core.errors import DRError, absent_on
from plugins.module_utils.core.result import Result

SOURCE_REGION, DR_REGION = "eu-west-1", "us-west-2"


@pytest.fixture
def aws(monkeypatch, moto_in_process):
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    clients = boto3_clients(boto3.session.Session())
    clients("s3", SOURCE_REGION).create_bucket(Bucket="src", CreateBucketConfiguration={
        "LocationConstraint": SOURCE_REGION})
    yield clients


class Refusing:
    """A client whose ``operation`` is denied."""

    def __init__(self, client, operation: str):
        self._client, self._operation = client, operation

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if name != self._operation:
            return attribute

        def refused(**kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, name)
        return refused


def refusing(aws, service: str, region: str | None, operation: str):
    wrapped = {}

    def clients(wanted_service, wanted_region):
        client = aws(wanted_service, wanted_region)
        if wanted_service == service and (region is None or wanted_region == region):
            return wrapped.setdefault(wanted_region, Refusing(client, operation))
        return client
    return clients


# (service, Region or None for any, operation refused, the step it makes)
CRR_WRITES = [
    ("s3", DR_REGION, "create_bucket", "create DR bucket src-dr"),
    ("s3", DR_REGION, "put_public_access_block", "block public access on src-dr"),
    ("s3", DR_REGION, "put_bucket_encryption", "set default encryption on src-dr"),
    ("s3", DR_REGION, "put_bucket_policy", "put TLS-only bucket policy on src-dr"),
    ("s3", DR_REGION, "put_bucket_versioning", "enable versioning on src-dr"),
    ("s3", SOURCE_REGION, "put_bucket_versioning", "enable versioning on src"),
    ("iam", None, "create_policy", "create IAM policy s3dr-replication-role-boundary"),
    ("iam", None, "create_role", "create IAM role s3-crr-src"),
    ("iam", None, "put_role_policy", "put inline policy s3-replication on IAM role s3-crr-src"),
    ("s3", SOURCE_REGION, "put_bucket_replication", "put replication configuration on src"),
]


def is_step(action: str, step: str) -> bool:
    return action == step or action.startswith(step + " ")


@pytest.mark.parametrize("service,region,operation,step", CRR_WRITES, ids=[write[3] for write in CRR_WRITES])
def test_a_failed_replication_write_is_not_listed_as_done(aws, service, region, operation, step):
    plan = apply_crr(aws, CrrSpec(source_bucket="src", dest_region=DR_REGION), check_mode=True).actions
    failing = next(index for index, action in enumerate(plan) if is_step(action, step))
    with pytest.raises(DRError, match="^Bucket src: .*AccessDenied") as error:
        apply_crr(refusing(aws, service, region, operation), CrrSpec(source_bucket="src", dest_region=DR_REGION))
    assert error.value.done == plan[:failing]
    assert not any(is_step(action, step) for action in error.value.done)


@pytest.mark.parametrize("operation,step", [
    ("put_bucket_replication", "remove replication rule(s) old from src"),
    ("delete_bucket_replication", "delete the replication configuration of src"),
])
def test_a_failed_rule_removal_is_not_listed_as_done(aws, operation, step):
    apply_crr(aws, CrrSpec(source_bucket="src", dest_region=DR_REGION, rules=[{"id": "old", "priority": 1}]))
    if operation == "put_bucket_replication":  # one more rule, so that removing "old" keeps a configuration
        apply_crr(aws, CrrSpec(source_bucket="src", dest_region=DR_REGION, rules=[{"id": "keep", "priority": 2}]))
    spec = CrrSpec(source_bucket="src", dest_region=DR_REGION, rules=[{"id": "old"}], state="absent")
    assert [action for action in apply_crr(aws, spec, check_mode=True).actions if action.startswith(step)]
    with pytest.raises(DRError, match="^Bucket src: Access Denied \\(AccessDenied\\)") as error:
        apply_crr(refusing(aws, "s3", SOURCE_REGION, operation), spec)
    assert error.value.done == []
    rules = aws("s3", SOURCE_REGION).get_bucket_replication(Bucket="src")["ReplicationConfiguration"]["Rules"]
    assert "old" in [rule["ID"] for rule in rules]


def test_a_failed_category_write_is_that_category_failure_and_not_done(aws):
    source = aws("s3", SOURCE_REGION)
    source.put_bucket_cors(Bucket="src", CORSConfiguration={
        "CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]})
    source.put_bucket_tagging(Bucket="src", Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
    result = clone_configuration(refusing(aws, "s3", DR_REGION, "put_bucket_cors"),
                                 CloneSpec(source_bucket="src", dest_region=DR_REGION))
    assert result.data["categories"]["cors"]["status"] == "failed"
    assert "AccessDenied" in result.data["categories"]["cors"]["reason"]
    assert not any("cors" in action for action in result.actions)
    assert "update tagging on src-dr" in result.actions or "create tagging on src-dr" in result.actions
    assert result.failure.startswith("Bucket src: could not clone to src-dr: cors:")


def test_a_failed_dr_bucket_creation_in_the_clone_lists_nothing_done(aws):
    with pytest.raises(DRError, match="^Bucket src: .*AccessDenied") as error:
        clone_configuration(refusing(aws, "s3", DR_REGION, "create_bucket"),
                            CloneSpec(source_bucket="src", dest_region=DR_REGION))
    assert error.value.done == []


def test_the_write_primitive_records_a_step_only_after_its_call_succeeded():
    result = Result()

    def refused() -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "CreateJob")

    with pytest.raises(ClientError, match="AccessDenied"):
        result.write("create S3 Batch Replication job", refused, False)
    assert result.actions == [] and not result.changed
    result.write("create S3 Batch Replication job", lambda: None, True)
    assert result.actions == ["create S3 Batch Replication job"] and result.done(check_mode=True) == []


def test_a_failed_copy_preparation_names_the_bucket_and_lists_nothing_done(aws):
    apply_crr(aws, CrrSpec(source_bucket="src", dest_region=DR_REGION))
    with pytest.raises(DRError, match="^Bucket src: cannot prepare the backfill to src-dr in us-west-2: "
                                      "Access Denied \\(AccessDenied\\)") as error:
        copy_missing(refusing(aws, "sts", None, "get_caller_identity"),
                     BackfillSpec(source_bucket="src", dest_region=DR_REGION))
    assert error.value.done == []


def test_absent_on_tells_absent_from_a_failure(aws):
    s3 = aws("s3", SOURCE_REGION)
    assert absent_on(("NoSuchCORSConfiguration",), s3.get_bucket_cors, Bucket="src") is None
    with pytest.raises(ClientError, match="NoSuchBucket"):
        absent_on(("NoSuchCORSConfiguration",), s3.get_bucket_cors, Bucket="no-such-bucket")
