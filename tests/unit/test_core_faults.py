"""Writes safe to repeat after an unknown outcome, retries that hold, consistency windows waited out (moto in-process)."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

from plugins.module_utils.core import waiting
from plugins.module_utils.core.clients import ClientFactory, boto3_clients, retry_settings, worker_clients
from plugins.module_utils.core.crr import CrrSpec, apply_crr
from plugins.module_utils.core.errors import DRError
from plugins.module_utils.core.iam import INLINE_POLICY_NAME, MANAGED_BY_TAG, ensure_role
from plugins.module_utils.core.result import Result

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetReplicationConfiguration",
                                                  "Resource": "arn:aws:s3:::src"}]}


@pytest.fixture
def aws(monkeypatch, moto_in_process):
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    yield boto3_clients(boto3.session.Session())


class StaleFirstRead:
    """An IAM client whose first GetRole does not see the role yet: the read before a CreateRole whose reply was lost."""

    def __init__(self, client):
        self._client, self.reads = client, 0

    def get_role(self, **kwargs):
        self.reads += 1
        if self.reads == 1:
            raise ClientError({"Error": {"Code": "NoSuchEntity", "Message": "not found"}}, "GetRole")
        return self._client.get_role(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def _role_without_policy(iam, tags):
    iam.create_role(RoleName="half-done", Path="/service-role/", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=tags)


def test_create_role_finding_our_role_converges_and_puts_its_policy(aws):
    iam = aws("iam", "us-east-1")
    _role_without_policy(iam, [MANAGED_BY_TAG])  # applied by a CreateRole whose reply was lost
    result = Result()
    arn, created_now = ensure_role(StaleFirstRead(iam), "123456789012", "half-done", TRUST, POLICY, "test", result,
                                   check_mode=False)
    assert arn.endswith(":role/service-role/half-done") and created_now
    assert iam.get_role_policy(RoleName="half-done", PolicyName=INLINE_POLICY_NAME)["PolicyDocument"] == POLICY
    assert result.actions == ["create IAM role half-done", f"put inline policy {INLINE_POLICY_NAME} on IAM role half-done"]


def test_create_role_finding_someone_elses_role_changes_nothing(aws):
    iam = aws("iam", "us-east-1")
    _role_without_policy(iam, [{"Key": "team", "Value": "payments"}])
    with pytest.raises(DRError, match="created meanwhile by someone else"):
        ensure_role(StaleFirstRead(iam), "123456789012", "half-done", TRUST, POLICY, "test", Result(), check_mode=False)
    assert iam.list_role_policies(RoleName="half-done")["PolicyNames"] == []


def test_a_role_left_without_its_policy_is_completed_by_the_next_run(aws):
    iam = aws("iam", "us-east-1")
    _role_without_policy(iam, [MANAGED_BY_TAG])
    result = Result()
    ensure_role(iam, "123456789012", "half-done", TRUST, POLICY, "test", result, check_mode=False)
    assert result.actions == [f"put inline policy {INLINE_POLICY_NAME} on IAM role half-done"]
    again = Result()
    ensure_role(iam, "123456789012", "half-done", TRUST, POLICY, "test", again, check_mode=False)
    assert again.actions == []


class VersioningNotSeenYet:
    """S3 refusing the rule for a few calls right after versioning was enabled (AWS documents the delay)."""

    def __init__(self, client, failures: int, code: str = "InvalidRequest"):
        self._client, self.failures, self.calls, self.code = client, failures, 0, code

    def put_bucket_replication(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            message = ("Destination bucket must have versioning enabled." if self.code == "InvalidRequest"
                       else "Access Denied")
            raise ClientError({"Error": {"Code": self.code, "Message": message}}, "PutBucketReplication")
        return self._client.put_bucket_replication(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def _source_bucket(aws):
    aws("s3", "eu-west-1").create_bucket(Bucket="src", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})


def test_versioning_just_enabled_is_waited_out_with_a_message(aws):
    _source_bucket(aws)
    # the role exists already, so only the versioning window can explain the refusal
    apply_crr(aws, CrrSpec(source_bucket="src", dest_region="us-west-2", dest_bucket="first-dr"))
    aws("s3", "eu-west-1").delete_bucket_replication(Bucket="src")
    flaky = VersioningNotSeenYet(aws("s3", "eu-west-1"), failures=2)

    def clients(service, region):
        return flaky if (service, region) == ("s3", "eu-west-1") else aws(service, region)

    result = apply_crr(clients, CrrSpec(source_bucket="src", dest_region="us-west-2", dest_bucket="second-dr"))
    assert flaky.calls == 3
    assert any("waiting for S3 to see the versioning just enabled" in warning for warning in result.warnings)


def test_access_denied_is_never_waited_out(aws):
    _source_bucket(aws)
    flaky = VersioningNotSeenYet(aws("s3", "eu-west-1"), failures=100, code="AccessDenied")

    def clients(service, region):
        return flaky if (service, region) == ("s3", "eu-west-1") else aws(service, region)

    with pytest.raises(DRError, match="AccessDenied"):
        apply_crr(clients, CrrSpec(source_bucket="src", dest_region="us-west-2"))
    assert flaky.calls == 1
    assert waiting.retry_while(lambda: 1, ("AccessDenied",), 5, "x") == 1


def test_retry_settings_follow_the_sdk_environment_variables():
    assert retry_settings({}) == {"mode": "standard", "total_max_attempts": 11}
    assert retry_settings({"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "20"}) == {
        "mode": "adaptive", "total_max_attempts": 20}
    with pytest.raises(ValueError, match="AWS_MAX_ATTEMPTS is 'many'"):
        retry_settings({"AWS_MAX_ATTEMPTS": "many"})
    with pytest.raises(ValueError, match="AWS_RETRY_MODE is 'fast'"):
        retry_settings({"AWS_RETRY_MODE": "fast"})


def test_per_thread_factory_gives_each_thread_its_own_client_and_quota():
    made = []
    factory = ClientFactory(lambda service, region: made.append((service, region)) or object(), per_thread=True)
    mine = factory("s3", "eu-west-1")
    assert factory("s3", "eu-west-1") is mine
    other = []
    thread = threading.Thread(target=lambda: other.append(factory("s3", "eu-west-1")))
    thread.start()
    thread.join()
    assert other[0] is not mine and len(made) == 2
    shared = ClientFactory(lambda service, region: object())
    seen = []
    thread = threading.Thread(target=lambda: seen.append(shared("s3", "eu-west-1")))
    thread.start()
    thread.join()
    assert seen[0] is shared("s3", "eu-west-1")

    assert retry_settings({"AWS_RETRY_MODE": "adaptive"}, mode="standard", max_attempts=4) == {
        "mode": "standard", "total_max_attempts": 4}
    with pytest.raises(ValueError, match="max_attempts is '0'"):
        retry_settings({}, max_attempts=0)


def test_worker_factories_bound_the_clients_to_workers_and_their_helper_threads_share_them():
    """A pair worker gets its own clients (its own retry quota); the threads its bucket starts (read-ahead)
    use them instead of making their own, so clients number workers x services x Regions."""
    made = []
    factory = ClientFactory(lambda service, region: made.append((service, region)) or object())
    seen: dict[int, list] = {}

    def pair_worker(bucket: int) -> None:
        clients = worker_clients(factory)
        assert worker_clients(factory) is clients
        with ThreadPoolExecutor(max_workers=3) as read_ahead:  # new helper threads for every bucket
            got = list(read_ahead.map(lambda _: clients("s3", "eu-west-1"), range(6)))
        seen.setdefault(threading.get_ident(), []).extend(got)

    with ThreadPoolExecutor(max_workers=4) as workers:
        list(workers.map(pair_worker, range(40)))
    assert len(made) == len(seen) <= 4  # 40 buckets x 3 helper threads, yet one client per worker
    assert all(len({id(client) for client in got}) == 1 for got in seen.values())
    assert len({id(got[0]) for got in seen.values()}) == len(seen)  # and no two workers share one
    assert worker_clients(len) is len  # a plain callable (tests) is used as it is


class NotYetReadable:
    """S3 answering 404 to the first HeadBucket of a bucket seconds old (the consistency window AWS documents)."""

    def __init__(self, client, misses: int):
        self._client, self.misses, self.heads = client, misses, 0

    def head_bucket(self, **kwargs):
        self.heads += 1
        if self.heads <= self.misses:
            raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadBucket")
        return self._client.head_bucket(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_a_new_dr_bucket_is_waited_for_until_readable(aws):
    from plugins.module_utils.core.buckets import create_secure_bucket

    s3 = NotYetReadable(aws("s3", "us-west-2"), misses=2)
    result = Result()
    create_secure_bucket(s3, "fresh-dr", "us-west-2", None, False, result, check_mode=False)
    assert s3.heads == 3
    assert aws("s3", "us-west-2").get_bucket_versioning(Bucket="fresh-dr")["Status"] == "Enabled"
