"""lambda_async_retries: a failed asynchronous invocation runs twice more (same request id) before its event
goes to the dead-letter queue, MaximumRetryAttempts changes the count, a timeout is a failure; without the
patch there is one attempt."""
from __future__ import annotations

import json
import time

import pytest

from tests.integration.localaws.test_lambda_patches import (
    WAIT_SECONDS,
    _bucket,
    _clients_of,
    _function,
    _received,
    _unique,
)

# Records each attempt (an S3 object named by request id and time), then fails unless told to stop failing.
FAILING = '''
import json, os, time
import boto3

def handler(event, context):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=os.environ["BUCKET"], Key=f"{context.aws_request_id}/{time.time():.3f}", Body=b"attempt")
    attempts = s3.list_objects_v2(Bucket=os.environ["BUCKET"])["KeyCount"]
    if attempts <= int(os.environ.get("FAILURES", "99")):
        time.sleep(float(os.environ.get("SLEEP", "0")))
        raise RuntimeError(f"attempt {attempts} failed")
    return {"attempts": attempts}
'''


@pytest.fixture
def clients(aws_client):
    return lambda service: aws_client(service, "eu-west-1")


def failing_function(clients, bucket: str, queue_arn: str, **variables) -> str:
    function_arn = _function(clients, FAILING, DeadLetterConfig={"TargetArn": queue_arn},
                             Timeout=variables.pop("Timeout", 30), Environment={"Variables": {"BUCKET": bucket, **variables}})
    # It counts its attempts by listing the bucket: allow that too (the endpoint evaluates the role's policies).
    role = clients("lambda").get_function_configuration(FunctionName=function_arn)["Role"].rsplit("/", 1)[1]
    clients("iam").put_role_policy(RoleName=role, PolicyName="count-attempts", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}]}))
    return function_arn


def dead_letter_queue(clients) -> tuple[str, str]:
    sqs = clients("sqs")
    url = sqs.create_queue(QueueName=_unique("dlq"))["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def attempts(s3, bucket: str, at_least: int) -> list[tuple[str, float]]:
    """(request id, time) of each attempt, once there are ``at_least`` (bounded wait)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        if len(keys) >= at_least or time.monotonic() > deadline:
            return sorted(((key.split("/")[0], float(key.split("/")[1])) for key in keys), key=lambda item: item[1])
        time.sleep(0.2)


def test_a_failing_event_runs_three_times_then_goes_to_the_dead_letter_queue(clients):
    s3, (queue_url, queue_arn) = clients("s3"), dead_letter_queue(clients)
    bucket = _bucket(s3)
    function_arn = failing_function(clients, bucket, queue_arn)

    clients("lambda").invoke(FunctionName=function_arn, InvocationType="Event", Payload=json.dumps({"job": 1}))

    [message] = _received(clients("sqs"), queue_url, MessageAttributeNames=["All"])
    assert json.loads(message["Body"]) == {"job": 1}
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "attempt 3 failed"
    runs = attempts(s3, bucket, 3)
    assert len(runs) == 3
    assert len({request_id for request_id, _at in runs}) == 1  # one invocation, retried
    assert message["MessageAttributes"]["RequestID"]["StringValue"] == runs[0][0]
    assert runs[1][1] - runs[0][1] >= 1 and runs[2][1] - runs[1][1] >= 2  # the waits, as seconds (AWS: minutes)


def test_a_retry_that_succeeds_sends_nothing_to_the_dead_letter_queue(clients):
    s3, (queue_url, queue_arn) = clients("s3"), dead_letter_queue(clients)
    bucket = _bucket(s3)
    function_arn = failing_function(clients, bucket, queue_arn, FAILURES="1")

    clients("lambda").invoke(FunctionName=function_arn, InvocationType="Event", Payload="{}")

    assert len(attempts(s3, bucket, 2)) == 2
    # A third attempt or a dead letter would come within the 2 s wait; SQS long-polls past it.
    assert clients("sqs").receive_message(QueueUrl=queue_url, WaitTimeSeconds=6).get("Messages", []) == []
    assert len(attempts(s3, bucket, 2)) == 2


def test_maximum_retry_attempts_zero_sends_the_first_failure_to_the_dead_letter_queue(clients):
    s3, (queue_url, queue_arn) = clients("s3"), dead_letter_queue(clients)
    bucket = _bucket(s3)
    function_arn = failing_function(clients, bucket, queue_arn)
    clients("lambda").put_function_event_invoke_config(FunctionName=function_arn, MaximumRetryAttempts=0)

    clients("lambda").invoke(FunctionName=function_arn, InvocationType="Event", Payload="{}")

    [message] = _received(clients("sqs"), queue_url, MessageAttributeNames=["All"])
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "attempt 1 failed"
    assert len(attempts(s3, bucket, 1)) == 1


def test_a_timed_out_attempt_is_retried_like_an_error(clients):
    s3, (queue_url, queue_arn) = clients("s3"), dead_letter_queue(clients)
    bucket = _bucket(s3)
    function_arn = failing_function(clients, bucket, queue_arn, SLEEP="5", Timeout=1)

    clients("lambda").invoke(FunctionName=function_arn, InvocationType="Event", Payload="{}")

    [message] = _received(clients("sqs"), queue_url, MessageAttributeNames=["All"])
    assert "Task timed out after 1.00 seconds" in message["MessageAttributes"]["ErrorMessage"]["StringValue"]
    # Counted from the function's log (an attempt may time out before it records itself in S3).
    name = function_arn.rsplit(":", 1)[1]
    events = clients("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    starts = [event["message"] for event in events if event["message"].startswith("START RequestId: ")]
    assert len(starts) == 3 and len(set(starts)) == 1, starts


def test_without_patch_the_first_failure_goes_to_the_dead_letter_queue(localaws_without):
    clients = _clients_of(localaws_without("lambda_async_retries"))
    s3, (queue_url, queue_arn) = clients("s3"), dead_letter_queue(clients)
    bucket = _bucket(s3)
    function_arn = failing_function(clients, bucket, queue_arn)

    clients("lambda").invoke(FunctionName=function_arn, InvocationType="Event", Payload="{}")

    [message] = _received(clients("sqs"), queue_url, MessageAttributeNames=["All"])
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "attempt 1 failed"
    assert len(attempts(s3, bucket, 1)) == 1
