"""The Lambda fidelity patches of tools/localaws: functions really run, asynchronously where AWS runs
them so, from Invoke, EventBridge rules and SNS subscriptions; each gap is shown real without its patch."""
from __future__ import annotations

import base64
import io
import json
import time
import uuid
import zipfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import client_for

REGION = "eu-west-1"
# A bound on waiting for a condition, generous for a busy machine: a passing test waits only as long as it must.
WAIT_SECONDS = 120
SQS_LONG_POLL_SECONDS = 20  # the most SQS allows per ReceiveMessage

# Records every event it gets as an S3 object (bucket from its environment), after DELAY seconds.
RECORDER = '''
import json, os, time
import boto3

def handler(event, context):
    time.sleep(float(os.environ.get("DELAY", "0")))
    boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key=f"{context.aws_request_id}.json",
                                  Body=json.dumps(event))
    return {"recorded": True}
'''


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _bucket(s3) -> str:
    name = _unique("lambda-out")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


# What the test functions do; the endpoint evaluates their role's policy as AWS does.
FUNCTION_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:ListAllMyBuckets"], "Resource": "*"}]})


def _function(clients, source: str, **settings) -> str:
    """A python3.12 function with handler app.handler, running as a role allowed FUNCTION_POLICY."""
    role_name = _unique("lambda-role")
    role = clients("iam").create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    clients("iam").put_role_policy(RoleName=role_name, PolicyName="test-function", PolicyDocument=FUNCTION_POLICY)
    return clients("lambda").create_function(
        FunctionName=_unique("fn"), Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": _zip(source)}, **settings)["FunctionArn"]


def _recorder(clients, bucket: str, delay: float = 0) -> str:
    return _function(clients, RECORDER, Environment={"Variables": {"BUCKET": bucket, "DELAY": str(delay)}})


def _received(sqs, queue_url: str, **options) -> list[dict]:
    """The queue's first messages, long-polled until some arrive (bounded wait)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=SQS_LONG_POLL_SECONDS,
                                       **options).get("Messages", [])
        if messages or time.monotonic() > deadline:
            return messages


def _recorded(s3, bucket: str, count: int = 1) -> list[dict]:
    """The events the recorder stored, once there are ``count`` of them (bounded wait)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        if len(keys) >= count:
            return [json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys]
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(keys)} of {count} events recorded after {WAIT_SECONDS}s")
        time.sleep(0.2)


@pytest.fixture
def clients(aws_client):
    return lambda service: aws_client(service, REGION)


def _clients_of(server):
    return lambda service: client_for(server, service, REGION)


# --- lambda_subprocess_invoke -----------------------------------------------------------------

ENVIRONMENT_PROBE = '''
import json, os
import boto3

def handler(event, context):
    print("hello from the handler")
    s3 = boto3.client("s3")
    s3.put_object(Bucket=event["bucket"], Key="greeting.txt", Body=os.environ["GREETING"])
    return {
        "echo": event["value"],
        "buckets": [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]],
        "environment": dict(os.environ),
        "context": {"function_name": context.function_name, "memory_limit_in_mb": context.memory_limit_in_mb,
                    "invoked_function_arn": context.invoked_function_arn,
                    "remaining_ms": context.get_remaining_time_in_millis()},
    }
'''


def test_invoke_runs_the_handler_with_its_environment_and_this_endpoint(clients, localaws):
    s3, awslambda = clients("s3"), clients("lambda")
    bucket = _bucket(s3)
    function_arn = _function(clients, ENVIRONMENT_PROBE, Timeout=30,
                             Environment={"Variables": {"GREETING": "hi from env"}})
    assert awslambda.get_function(FunctionName=function_arn)["Configuration"]["State"] == "Active"

    response = awslambda.invoke(FunctionName=function_arn, LogType="Tail",
                                Payload=json.dumps({"bucket": bucket, "value": 42}))

    assert response["StatusCode"] == 200 and "FunctionError" not in response
    result = json.loads(response["Payload"].read())
    assert result["echo"] == 42
    assert bucket in result["buckets"]
    assert s3.get_object(Bucket=bucket, Key="greeting.txt")["Body"].read() == b"hi from env"
    environment = result["environment"]
    assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == REGION
    assert environment["AWS_ENDPOINT_URL"] == localaws.endpoint_url
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == function_arn.rsplit(":", 1)[-1]
    assert "PYTHONPATH" not in environment  # the server's own environment (the launcher sets it) stays out
    # The execution role's temporary credentials, not the caller's keys.
    assert environment["AWS_ACCESS_KEY_ID"].startswith("ASIA") and environment["AWS_SESSION_TOKEN"] != "testing"
    assert result["context"]["invoked_function_arn"] == function_arn
    assert result["context"]["memory_limit_in_mb"] == "128"
    assert 0 < result["context"]["remaining_ms"] <= 30_000
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "hello from the handler" in tail and tail.startswith("START RequestId:")
    logged = clients("logs").filter_log_events(logGroupName=f"/aws/lambda/{environment['AWS_LAMBDA_FUNCTION_NAME']}")
    assert "hello from the handler" in [event["message"] for event in logged["events"]]


def test_raised_exception_is_an_unhandled_function_error(clients):
    function_arn = _function(clients, "def handler(event, context):\n    raise ValueError('boom: ' + event['why'])\n")

    response = clients("lambda").invoke(FunctionName=function_arn, Payload=json.dumps({"why": "bad input"}))

    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "boom: bad input"
    assert any("app.py" in frame and "handler" in frame for frame in error["stackTrace"])


def test_timeout_ends_the_invocation(clients):
    function_arn = _function(clients, "import time\ndef handler(event, context):\n    time.sleep(5)\n", Timeout=1)

    started = time.monotonic()
    response = clients("lambda").invoke(FunctionName=function_arn)

    assert time.monotonic() - started < 4
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in json.loads(response["Payload"].read())["errorMessage"]


def test_event_invoke_returns_202_at_once_and_runs_in_the_background(clients):
    s3 = clients("s3")
    bucket = _bucket(s3)
    function_arn = _recorder(clients, bucket, delay=2)

    started = time.monotonic()
    response = clients("lambda").invoke(FunctionName=function_arn, InvocationType="Event",
                                        Payload=json.dumps({"order": 7}))

    assert response["StatusCode"] == 202
    assert time.monotonic() - started < 1.5  # the handler alone sleeps 2 seconds
    assert _recorded(s3, bucket) == [{"order": 7}]


def test_dry_run_does_not_run_the_function(clients):
    s3 = clients("s3")
    bucket = _bucket(s3)
    function_arn = _recorder(clients, bucket)

    response = clients("lambda").invoke(FunctionName=function_arn, InvocationType="DryRun")

    assert response["StatusCode"] == 204
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_failed_event_invoke_goes_to_the_dead_letter_queue(clients):
    sqs = clients("sqs")
    queue_url = sqs.create_queue(QueueName=_unique("dlq"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    function_arn = _function(clients, "def handler(event, context):\n    raise RuntimeError('cannot process')\n",
                             DeadLetterConfig={"TargetArn": queue_arn})
    awslambda = clients("lambda")
    assert awslambda.get_function_configuration(FunctionName=function_arn)["DeadLetterConfig"] == {
        "TargetArn": queue_arn}

    awslambda.invoke(FunctionName=function_arn, InvocationType="Event", Payload=json.dumps({"job": "j-1"}))

    messages = _received(sqs, queue_url, MessageAttributeNames=["All"])
    assert len(messages) == 1
    assert json.loads(messages[0]["Body"]) == {"job": "j-1"}
    attributes = messages[0]["MessageAttributes"]
    assert attributes["ErrorMessage"]["StringValue"] == "cannot process"
    assert attributes["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert attributes["RequestID"]["StringValue"]


def test_without_patch_invoke_needs_docker(localaws_without):
    server_clients = _clients_of(localaws_without("lambda_subprocess_invoke"))
    function_arn = _function(server_clients, "def handler(event, context):\n    return 'ran'\n")

    response = server_clients("lambda").invoke(FunctionName=function_arn)

    assert "FunctionError" in response
    assert "docker" in response["Payload"].read().decode()


# --- events_lambda_targets ----------------------------------------------------------------------

def _rule_with_targets(events, targets: list[dict]) -> str:
    """A rule for source my.app on a new event bus (so that tests do not trigger each other's rules)."""
    bus = events.create_event_bus(Name=_unique("bus"))["EventBusArn"].rsplit("/", 1)[-1]
    rule = _unique("rule")
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=targets)
    return bus


def _put_my_app_event(events, bus: str, detail: dict) -> None:
    response = events.put_events(Entries=[{"Source": "my.app", "DetailType": "order placed", "EventBusName": bus,
                                           "Detail": json.dumps(detail)}])
    assert response["FailedEntryCount"] == 0


def test_eventbridge_rule_invokes_lambda_target_and_keeps_other_targets(clients):
    s3, sqs, events = clients("s3"), clients("sqs"), clients("events")
    bucket = _bucket(s3)
    function_arn = _recorder(clients, bucket)
    queue_url = sqs.create_queue(QueueName=_unique("rule-queue"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = _rule_with_targets(events, [{"Id": "whole-event", "Arn": function_arn},
                                      {"Id": "detail-only", "Arn": function_arn, "InputPath": "$.detail"},
                                      {"Id": "queue", "Arn": queue_arn}])

    _put_my_app_event(events, bus, {"order": "o-1"})

    recorded = _recorded(s3, bucket, count=2)
    whole = next(event for event in recorded if "detail" in event)
    assert whole["source"] == "my.app" and whole["detail-type"] == "order placed"
    assert whole["detail"] == {"order": "o-1"}
    assert {"order": "o-1"} in recorded  # InputPath $.detail
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5).get("Messages", [])
    assert json.loads(messages[0]["Body"])["detail"] == {"order": "o-1"}


def test_eventbridge_rule_publishes_to_sns_topic_target(clients):
    sns, sqs, events = clients("sns"), clients("sqs"), clients("events")
    topic_arn = sns.create_topic(Name=_unique("rule-topic"))["TopicArn"]
    queue_url = sqs.create_queue(QueueName=_unique("topic-queue"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    bus = _rule_with_targets(events, [{"Id": "topic", "Arn": topic_arn}])

    _put_my_app_event(events, bus, {"order": "o-2"})

    messages = _received(sqs, queue_url)
    event = json.loads(messages[0]["Body"])
    assert event["source"] == "my.app" and event["detail"] == {"order": "o-2"}


def test_without_patch_lambda_target_is_not_invoked(localaws_without):
    server = localaws_without("events_lambda_targets")
    server_clients = _clients_of(server)
    s3 = server_clients("s3")
    bucket = _bucket(s3)
    bus = _rule_with_targets(server_clients("events"), [{"Id": "fn", "Arn": _recorder(server_clients, bucket)}])
    # No retries: moto's NotImplementedError is a 500, which boto3 would otherwise retry with backoff.
    events = boto3.client("events", region_name=REGION, endpoint_url=server.endpoint_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(retries={"mode": "standard", "max_attempts": 1}))

    with pytest.raises(ClientError):
        _put_my_app_event(events, bus, {"order": "o-3"})
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


# --- sns_lambda_delivery ------------------------------------------------------------------------

def _publish_to_lambda_subscription(server_clients, delay: float = 0):
    """Subscribe a recorder to a new topic and publish to it: (topic, subscription, message id, bucket)."""
    s3, sns = server_clients("s3"), server_clients("sns")
    bucket = _bucket(s3)
    topic_arn = sns.create_topic(Name=_unique("topic"))["TopicArn"]
    subscription_arn = sns.subscribe(TopicArn=topic_arn, Protocol="lambda",
                                     Endpoint=_recorder(server_clients, bucket, delay))["SubscriptionArn"]
    started = time.monotonic()
    message_id = sns.publish(TopicArn=topic_arn, Message="stock is low", Subject="Inventory",
                             MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"}})["MessageId"]
    return topic_arn, subscription_arn, message_id, bucket, time.monotonic() - started


def test_sns_invokes_lambda_asynchronously_with_the_real_record(clients):
    topic_arn, subscription_arn, message_id, bucket, publish_seconds = _publish_to_lambda_subscription(
        clients, delay=2)

    assert publish_seconds < 1.5  # the handler alone sleeps 2 seconds
    [event] = _recorded(clients("s3"), bucket)
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == subscription_arn
    notification = record["Sns"]
    assert notification["TopicArn"] == topic_arn
    assert notification["MessageId"] == message_id
    assert notification["Message"] == "stock is low"
    assert notification["Subject"] == "Inventory"
    assert notification["MessageAttributes"] == {"color": {"Type": "String", "Value": "blue"}}
    assert not notification["Timestamp"].startswith("1970")


def test_without_patch_sns_record_is_a_fixed_sample(localaws_without):
    server_clients = _clients_of(localaws_without("sns_lambda_delivery"))
    message_id, bucket = _publish_to_lambda_subscription(server_clients)[2:4]

    [event] = _recorded(server_clients("s3"), bucket)
    notification = event["Records"][0]["Sns"]
    assert notification["TopicArn"] == "arn:aws:sns:EXAMPLE"
    assert notification["MessageId"] != message_id
