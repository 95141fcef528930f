"""The pipeline's backfill goes on across invocations: each enable_replication invocation copies until its
time is nearly up and queues its own continuation (the pair again, with the key where it stopped) on topic 2;
a bucket larger than one invocation copies completes over several, with nothing lost and nothing copied twice.

The handler runs in this process from the zip layout (as in test_pipeline_events), against the session
endpoint; topic 2 delivers to an SQS queue here, so the test hands each continuation to the next invocation.
"""
from __future__ import annotations

import importlib
import json
import sys
import uuid

import pytest

from conftest import client_for
from plugins.module_utils.core.policies import replication_boundary_policy
from tests.integration.test_pipeline_events import lambda_zip_layout, log_lines, sns_event

SOURCE_REGION, DR_REGION = "us-east-2", "ca-west-1"
OBJECTS = 150
REMAINING_MILLIS = 2300  # with the 2 s reserve, each invocation may start copies for 0.3 s


class ShortContext:
    """A Lambda context with little time left, whenever it is asked."""

    aws_request_id = "resume-test"

    def get_remaining_time_in_millis(self) -> int:
        return REMAINING_MILLIS


@pytest.fixture(scope="module")
def pipeline(localaws, tmp_path_factory):
    """enable_replication with the role's environment, and a queue subscribed to its topic (topic 2)."""
    sns, sqs = client_for(localaws, "sns", SOURCE_REGION), client_for(localaws, "sqs", SOURCE_REGION)
    topic = sns.create_topic(Name=f"resume-to-source-{uuid.uuid4().hex[:6]}")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"resume-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    boundary = client_for(localaws, "iam").create_policy(
        PolicyName=f"resume-boundary-{uuid.uuid4().hex[:6]}",
        PolicyDocument=json.dumps(replication_boundary_policy("aws", "123456789012")))["Policy"]["Arn"]
    environment = {
        "SOURCE_REGION": SOURCE_REGION, "DEST_REGION": DR_REGION, "TRIGGER_TAG_KEY": "dr", "TRIGGER_TAG_VALUE": "true",
        "ON_UNTAG": "keep", "REPLICATION_TOPIC_ARN": topic, "AWS_LAMBDA_FUNCTION_NAME": "in-process", "AUDIT_TABLE": "",
        "CRR_SPEC": json.dumps({"dest_suffix": "-dr", "role_propagation_timeout": 10, "permissions_boundary": boundary}),
        "BACKFILL_SPEC": json.dumps({"dest_suffix": "-dr", "concurrency": 2}),
    }
    code = lambda_zip_layout(tmp_path_factory.mktemp("resume-handlers"))
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environment.items():
            patch.setenv(key, value)
        patch.syspath_prepend(str(code))
        for name in ("pipeline_common", "enable_replication"):
            sys.modules.pop(name, None)
        yield {"handler": importlib.import_module("enable_replication").handler, "sqs": sqs, "queue_url": queue_url}
        for name in [module for module in sys.modules if module in ("pipeline_common", "enable_replication")
                     or module == "s3dr_core" or module.startswith("s3dr_core.")]:
            sys.modules.pop(name)


def continuation(pipeline) -> dict | None:
    """The message the last invocation queued on topic 2, if any (long-polled: SNS -> SQS is asynchronous)."""
    response = pipeline["sqs"].receive_message(QueueUrl=pipeline["queue_url"], WaitTimeSeconds=5,
                                               MaxNumberOfMessages=10)
    messages = response.get("Messages", [])
    assert len(messages) <= 1, messages
    for message in messages:
        pipeline["sqs"].delete_message(QueueUrl=pipeline["queue_url"], ReceiptHandle=message["ReceiptHandle"])
        return json.loads(message["Body"])
    return None


def test_a_bucket_larger_than_one_invocation_completes_over_several_with_each_object_copied_once(
        localaws, pipeline, aws_client, capsys):
    s3 = aws_client("s3", SOURCE_REGION)
    bucket = f"resume-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})
    keys = sorted(f"logs/{index:04}.json" for index in range(OBJECTS))
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    message = {"action": "enable", "source_bucket": bucket, "source_region": SOURCE_REGION, "cause": "PutBucketTagging"}
    backfills = []
    while message is not None:
        assert len(backfills) < OBJECTS, "the chain of invocations makes no progress"
        assert pipeline["handler"](sns_event(message), ShortContext()) == {"done": [bucket]}
        lines = log_lines(capsys.readouterr().out)
        [backfill] = [line for line in lines if line["action"] == "backfill"]
        backfills.append(backfill)
        message = continuation(pipeline)
        if not backfill["complete"]:
            assert message is not None, f"a backfill stopped at {backfill['resume_after']} and queued nothing"
            assert message["backfill_after"] == backfill["resume_after"]

    assert len(backfills) >= 2, f"one invocation of {REMAINING_MILLIS} ms copied all {OBJECTS} objects"
    assert all(item["limit_reached"] == "max_seconds" for item in backfills[:-1]), backfills
    assert [item["start_after"] for item in backfills] == [None] + [item["resume_after"] for item in backfills[:-1]]
    assert sum(item["objects_copied"] for item in backfills) == OBJECTS  # none twice, none left
    dr = aws_client("s3", DR_REGION)
    copied = [item["Key"] for page in dr.get_paginator("list_objects_v2").paginate(Bucket=f"{bucket}-dr")
              for item in page.get("Contents", [])]
    assert copied == keys
    assert continuation(pipeline) is None


@pytest.mark.parametrize("backfill_after", ["", 7, "k" * 1025])
def test_a_continuation_with_an_impossible_position_is_rejected(pipeline, backfill_after, capsys):
    bucket = f"resume-bad-{uuid.uuid4().hex[:8]}"
    message = {"action": "enable", "source_bucket": bucket, "source_region": SOURCE_REGION,
               "backfill_after": backfill_after}
    assert pipeline["handler"](sns_event(message), ShortContext()) == {"done": []}
    [line] = log_lines(capsys.readouterr().out)
    assert line["action"] == "rejected" and "backfill_after" in line["reason"] and "of an enable message" in line["reason"]
