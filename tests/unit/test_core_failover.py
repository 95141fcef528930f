"""The failover core in-process: tag values, held-back settings documents, and a failover that is refused before any write."""
from __future__ import annotations

import json

import boto3
from botocore.exceptions import ClientError
import pytest

from plugins.module_utils.core import failover as core
from plugins.module_utils.core.clients import boto3_clients
from plugins.module_utils.core.errors import DRError

DR_REGION = "eu-central-1"


def test_tag_values_keep_what_s3_allows():
    assert core.tag_value("INC-42 (outage) @ us-east-1/az1!") == "INC-42 _outage_ @ us-east-1/az1_"
    assert len(core.tag_value("x" * 300)) == 256


def test_failover_record_only_while_failed_over():
    assert core.failover_record(None) is None
    assert core.failover_record({core.STATE_TAG: "something-else"}) is None
    assert core.failover_record({core.STATE_TAG: core.FAILED_OVER, core.AT_TAG: "2026-12-02T11:00:00Z"})["at"] == (
        "2026-12-02T11:00:00Z")


@pytest.fixture
def dr(moto_in_process):
    clients = boto3_clients(boto3.session.Session())
    s3 = clients("s3", DR_REGION)
    s3.create_bucket(Bucket="app-dr", CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    s3.put_bucket_versioning(Bucket="app-dr", VersioningConfiguration={"Status": "Enabled"})
    yield clients


@pytest.mark.parametrize(("document", "message"), [
    (b"not json", "are not a JSON object"),
    (json.dumps({"lifecycle": {}}).encode(), "name lifecycle; held-back settings are one of public-access-block, policy, cors"),
])
def test_an_invalid_held_back_document_makes_the_pair_not_ready(dr, document, message):
    dr("s3", DR_REGION).put_object(Bucket="app-dr", Key=core.HELD_BACK_KEY, Body=document)
    readiness = core.dr_readiness(dr, core.FailoverSpec(source_bucket="app", dest_region=DR_REGION))
    assert readiness["ready"] is False
    assert any(message in reason for reason in readiness["reasons"]), readiness["reasons"]


def test_a_refused_failover_writes_nothing(dr):
    s3 = dr("s3", DR_REGION)
    s3.put_object(Bucket="app-dr", Key="data/1.txt", Body=b"copied, not replicated")  # no REPLICA evidence
    with pytest.raises(DRError, match="refused, the DR bucket is not ready: no replica among the newest 1 object"):
        core.failover(dr, core.FailoverSpec(source_bucket="app", dest_region=DR_REGION))
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_bucket_tagging(Bucket="app-dr")


def test_a_passing_drill_stands_in_for_replica_evidence_and_a_failing_one_refuses(dr):
    dr("s3", DR_REGION).put_object(Bucket="app-dr", Key="data/1.txt", Body=b"x")
    passed = core.dr_readiness(dr, core.FailoverSpec(source_bucket="app", dest_region=DR_REGION,
                                                     drill_report={"verdict": "PASS", "drift": {"categories": {
                                                         "cors": {"status": "drifted"}}}}))
    assert passed["ready"] is True and passed["facts"]["drift"] == {"cors": "drifted"}
    failed = core.dr_readiness(dr, core.FailoverSpec(source_bucket="app", dest_region=DR_REGION,
                                                     drill_report={"verdict": "FAIL", "reasons": ["RPO 20 s"]}))
    assert "the last drill of the pair failed: RPO 20 s" in failed["reasons"]


@pytest.mark.parametrize("step", [core.failover, core.failback])
def test_invalid_input_is_refused_naming_the_bucket_before_any_call(step):
    def no_calls(service, region):
        raise AssertionError(f"no AWS call expected, got {service} in {region}")

    with pytest.raises(DRError, match=r"^Bucket Bad_Name: nothing was changed because the input is invalid: "):
        step(no_calls, core.FailoverSpec(source_bucket="Bad_Name", dest_region=DR_REGION))


def test_an_unforeseen_aws_error_names_the_pair_and_says_to_run_again():
    def unreachable(service, region):
        raise ConnectionError(f"{service} in {region} is unreachable")

    with pytest.raises(DRError, match=r"^Bucket app: Failover of app / app-dr stopped \(run again to finish it"):
        core.failover(unreachable, core.FailoverSpec(source_bucket="app", dest_region=DR_REGION))


def test_a_held_back_setting_s3_refuses_names_the_document_to_correct_and_a_rerun_finishes(dr):
    s3 = dr("s3", DR_REGION)
    s3.put_object(Bucket="app-dr", Key="data/1.txt", Body=b"x")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                      "Principal": {"AWS": "arn:aws:iam::123456789012:role/app-reader"},
                                                      "Resource": "arn:aws:s3:::app-dr/*"}]}
    s3.put_object(Bucket="app-dr", Key=core.HELD_BACK_KEY, Body=json.dumps({"policy": policy}).encode())
    spec = core.FailoverSpec(source_bucket="app", dest_region=DR_REGION, drill_report={"verdict": "PASS"})

    def refuse_the_deleted_role(**_):  # what AWS answers for a principal that no longer exists
        raise ClientError({"Error": {"Code": "MalformedPolicy", "Message": "Invalid principal in policy"}}, "PutBucketPolicy")

    s3.meta.events.register("before-call.s3.PutBucketPolicy", refuse_the_deleted_role)
    with pytest.raises(DRError) as refused:
        core.failover(lambda service, region: s3 if service == "s3" else dr(service, region), spec)
    assert refused.value.message.startswith(
        f"Bucket app: S3 refused the held-back policy of s3://app-dr/{core.HELD_BACK_KEY}: Invalid principal in "
        "policy (MalformedPolicy). Correct 'policy' in that document"), refused.value.message
    assert [step.split(" (")[0] for step in refused.value.done] == ["record the failover on app-dr"]

    s3.meta.events.unregister("before-call.s3.PutBucketPolicy", refuse_the_deleted_role)
    finished = core.failover(dr, spec)
    assert finished.actions == ["apply held-back policy to app-dr"], finished.actions
    assert json.loads(s3.get_bucket_policy(Bucket="app-dr")["Policy"]) == policy
