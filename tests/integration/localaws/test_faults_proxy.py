"""The fault-injecting proxy (tools/localaws/faults.py): AWS-shaped errors botocore understands, resets after
the request was applied, the new-bucket consistency window, and the same faults for the same seed."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from conftest import wait_for
from tools.localaws.faults import FaultProxy, control

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def _client(proxy: FaultProxy, service: str, region: str = "us-east-1", config: Config = NO_RETRIES):
    return boto3.client(service, region_name=region, endpoint_url=proxy.endpoint_url, config=config,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def proxy(localaws):
    with FaultProxy(localaws.endpoint_url) as started:
        yield started


@pytest.mark.parametrize(("service", "call", "codes"), [
    ("s3", lambda c: c.list_buckets(), {"InternalError", "SlowDown"}),
    ("iam", lambda c: c.list_roles(), {"Throttling"}),
    ("sts", lambda c: c.get_caller_identity(), {"Throttling"}),
    ("sns", lambda c: c.list_topics(), {"Throttling"}),
    ("events", lambda c: c.list_rules(), {"ThrottlingException"}),
    ("logs", lambda c: c.describe_log_groups(), {"ThrottlingException"}),
    ("kms", lambda c: c.list_keys(), {"ThrottlingException"}),
    ("lambda", lambda c: c.list_functions(), {"TooManyRequestsException"}),
])
def test_every_request_faulted_gives_the_error_botocore_retries(proxy, service, call, codes):
    proxy.configure(rate=1.0, reset_share=0.0, seed=3)
    client = _client(proxy, service)
    seen = set()
    for _attempt in range(6):
        with pytest.raises(ClientError) as raised:
            call(client)
        seen.add(raised.value.response["Error"]["Code"])
        # botocore's standard retry mode treats it as retryable (throttling or transient 5xx)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 429, 500, 503)
    assert seen <= codes and seen
    assert proxy.stats.errors == 6 and proxy.stats.resets == 0


def test_a_reset_comes_after_the_request_was_applied(proxy, aws_client):
    proxy.configure(rate=1.0, reset_share=1.0, seed=1)
    with pytest.raises(ConnectionClosedError):
        _client(proxy, "sqs").create_queue(QueueName="faults-applied-then-reset")
    assert proxy.stats.resets == 1
    assert aws_client("sqs").get_queue_url(QueueName="faults-applied-then-reset")["QueueUrl"]


def test_botocore_retries_carry_a_call_through_errors(proxy):
    proxy.configure(rate=0.3, seed=11, reset_share=0.0)
    retried = Config(retries={"mode": "standard", "max_attempts": 12})
    iam = _client(proxy, "iam", config=retried)
    for index in range(4):
        iam.create_role(RoleName=f"faults-retried-{index}", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": []}))
        assert iam.get_role(RoleName=f"faults-retried-{index}")["Role"]["RoleName"] == f"faults-retried-{index}"
    assert proxy.stats.errors > 0


def test_a_retry_after_a_reset_finds_its_own_write(proxy):
    """Why every create must accept "already exists" for what it owns: botocore repeats the applied request."""
    proxy.configure(rate=1.0, reset_share=1.0, seed=2)
    iam = _client(proxy, "iam", config=Config(retries={"mode": "standard", "total_max_attempts": 2}))
    sends = []

    def fault_only_the_first_send(**_):
        sends.append(1)
        proxy.configure(rate=1.0 if len(sends) == 1 else 0.0)

    iam.meta.events.register_first("before-send.iam.CreateRole", fault_only_the_first_send)
    with pytest.raises(ClientError) as raised:
        iam.create_role(RoleName="faults-reset-role", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": []}))
    assert raised.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert proxy.stats.resets == 1


def test_the_same_seed_faults_the_same_requests(localaws):
    def faults_met(seed: int) -> list[bool]:
        with FaultProxy(localaws.endpoint_url, rate=0.3, seed=seed) as proxy:
            s3 = _client(proxy, "s3")
            met = []
            for index in range(30):
                try:
                    s3.head_bucket(Bucket=f"faults-seed-{index}")
                    met.append(False)
                except ClientError as error:
                    met.append(error.response["Error"]["Code"] != "404")
                except ConnectionClosedError:
                    met.append(True)
            return met

    first = faults_met(5)
    assert first == faults_met(5)
    assert first != faults_met(6)
    assert 2 <= sum(first) <= 20


def test_a_new_bucket_is_not_found_for_a_while_then_found(proxy, aws_client):
    proxy.configure(consistency_ms=1500)
    s3 = _client(proxy, "s3")
    s3.create_bucket(Bucket="faults-consistency")
    with pytest.raises(ClientError) as raised:
        s3.get_bucket_versioning(Bucket="faults-consistency")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"
    aws_client("s3").head_bucket(Bucket="faults-consistency")  # the endpoint itself has it
    wait_for(lambda: s3.get_bucket_versioning(Bucket="faults-consistency"), "the bucket readable through the proxy",
             interval=0.2)
    assert proxy.stats.not_yet_consistent >= 1


def test_settings_and_stats_over_http(proxy):
    assert control(proxy.endpoint_url, "settings", {"rate": 0.25, "seed": 9})["settings"]["rate"] == 0.25
    assert proxy.settings.seed == 9
    _client(proxy, "sts", config=Config(retries={"mode": "standard", "max_attempts": 10})).get_caller_identity()
    assert control(proxy.endpoint_url, "stats")["stats"]["requests"] >= 1


def test_a_region_taken_down_refuses_every_call_to_it_and_only_to_it(proxy, aws_client):
    down, up = "ap-northeast-3", "ap-northeast-2"
    bucket = f"down-{uuid.uuid4().hex[:8]}"
    aws_client("s3", down).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": down})
    proxy.configure(down_regions=[down])
    for service, call in (("s3", lambda c: c.head_bucket(Bucket=bucket)), ("sts", lambda c: c.get_caller_identity()),
                          ("iam", lambda c: c.list_roles())):
        with pytest.raises(ConnectionClosedError):
            call(_client(proxy, service, down))
    assert _client(proxy, "sts", up).get_caller_identity()["Account"]
    assert proxy.stats.refused_down == 3 and proxy.stats.refused_by_region == {down: 3}
    # Back up: the same call goes through.
    control(proxy.endpoint_url, "settings", {"down_regions": []})
    assert _client(proxy, "s3", down).head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
