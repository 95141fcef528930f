"""What the three pipeline handlers share: configuration from the environment, JSON logs, SNS, and
the checks that keep an event or a message from making anything a DR pair on its word alone.

Nothing an event or a message says is trusted: its shape, its bucket name and its Region are
validated before any AWS call, and the source bucket's real tags and owner are read again before
acting. A refusal is one "rejected" log line with the reason, and the invocation returns normally:
only AWS failures raise, so the dead-letter queues hold only what a human must look at.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass

from s3dr_core.backfill import MAX_KEY_BYTES, backfill_clients
from s3dr_core.buckets import bucket_tags, source_bucket_region
from s3dr_core.clients import boto3_clients
from s3dr_core.errors import DRError, error_code
from s3dr_core.naming import bucket_name_problem

LOG = logging.getLogger("s3dr")
LOG.setLevel(logging.INFO)


def setting(name: str, default: str | None = None) -> str:
    """A required environment setting; a clear error instead of a KeyError when it is missing."""
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is not set; redeploy with playbooks/dr_setup.yml")
    return value


def json_setting(name: str, default: str = "{}"):
    return json.loads(setting(name, default))


def log_action(action: str, bucket: str | None, audit: bool = True, **fields) -> None:
    """One structured JSON line per action (CloudWatch Logs Insights can filter on every field), and one
    audit record per bucket action when the pipeline was deployed with an audit table (unless ``audit``
    is false: a refused event is no bucket action, and must not let anyone fill the table)."""
    record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "action": action, "bucket": bucket,
              "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), **fields}
    print(json.dumps(record, default=str), flush=True)
    if audit and bucket and os.environ.get("AUDIT_TABLE"):
        write_audit_record(record)


def write_audit_record(record: dict) -> None:
    """Item key: the bucket, then time#unique id (so duplicate deliveries are two records, never one overwritten).

    A failed audit write is logged, not raised: the DR action it records has already happened.
    """
    item = {"bucket": {"S": record["bucket"]}, "at": {"S": f"{record['time']}#{uuid.uuid4().hex}"},
            "action": {"S": record["action"]}, "function": {"S": record["function"] or ""},
            "record": {"S": json.dumps(record, default=str)}}
    retention_days = int(os.environ.get("AUDIT_RETENTION_DAYS") or 0)
    if retention_days:
        item["expires_at"] = {"N": str(int(time.time()) + retention_days * 86400)}
    try:
        clients()("dynamodb", setting("AUDIT_TABLE_REGION")).put_item(TableName=setting("AUDIT_TABLE"), Item=item)
    except Exception as error:  # whatever failed (permissions, throttling, a missing table), the action stands
        print(json.dumps({"time": record["time"], "action": "audit_write_failed", "bucket": record["bucket"],
                          "function": record["function"], "audited_action": record["action"], "error": str(error)}),
              flush=True)


SHOWN_CHARACTERS = 80  # how much of an untrusted value a log line repeats
MESSAGE_ACTIONS = ("enable", "disable")


class Rejected(Exception):
    """An event, record or message this function must not act on, with the reason in a reader's words."""

    def __init__(self, reason: str, bucket: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.bucket = bucket


def log_rejected(refusal: Rejected, **fields) -> None:
    log_action("rejected", refusal.bucket, audit=False, reason=refusal.reason, **fields)


def shown(value) -> str:
    """An untrusted value as a log line may repeat it: its repr, cut to a bounded length."""
    text = repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    length = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:SHOWN_CHARACTERS]}...{length}"


def valid_bucket_name(value, what: str) -> str:
    """``value`` when it is a bucket name S3 accepts; else Rejected, before any AWS call sees it."""
    if not isinstance(value, str) or not value:
        raise Rejected(f"{what} is missing or not a string: {shown(value)}")
    problem = bucket_name_problem(value)
    if problem:
        raise Rejected(f"{what} {shown(value)} is not a valid bucket name: it {problem}")
    return value


@dataclass(frozen=True)
class PipelineMessage:
    """What one function tells the next over SNS: enable or disable DR for a source bucket."""

    action: str
    source_bucket: str
    source_region: str
    cause: str = ""
    # The backfill goes on after this key: set on the continuation enable_replication queues for itself.
    backfill_after: str | None = None

    def as_dict(self) -> dict[str, str]:
        """What is passed on: only the validated fields, never whatever else the message carried."""
        fields = {"action": self.action, "source_bucket": self.source_bucket, "source_region": self.source_region,
                  "cause": self.cause}
        return {**fields, "backfill_after": self.backfill_after} if self.backfill_after is not None else fields


def sns_messages(event) -> list[PipelineMessage]:
    """The valid pipeline messages of an SNS-triggered invocation; every other record is logged as rejected."""
    try:
        records = _sns_records(event)
    except Rejected as refusal:
        log_rejected(refusal)
        return []
    messages = []
    for index, record in enumerate(records):
        try:
            messages.append(parse_message(record))
        except Rejected as refusal:
            log_rejected(refusal, record=index)
    return messages


def _sns_records(event) -> list:
    if not isinstance(event, dict):
        raise Rejected(f"the event is not a JSON object but {type(event).__name__}: {shown(event)}")
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        raise Rejected(f"the event has no Records list (Records: {shown(records)})")
    return records


def parse_message(record) -> PipelineMessage:
    """One SNS record -> its message, checked field by field; Rejected naming the first problem."""
    if not isinstance(record, dict):
        raise Rejected(f"the record is not a JSON object: {shown(record)}")
    if record.get("EventSource") != "aws:sns":
        raise Rejected(f"the record's EventSource is {shown(record.get('EventSource'))}, not 'aws:sns'")
    sns = record.get("Sns")
    body = sns.get("Message") if isinstance(sns, dict) else None
    if not isinstance(body, str):
        raise Rejected(f"the record has no Sns.Message string (Sns: {shown(sns)})")
    try:
        message = json.loads(body)
    except ValueError:
        raise Rejected(f"the SNS message is not JSON: {shown(body)}") from None
    if not isinstance(message, dict):
        raise Rejected(f"the SNS message is not a JSON object but {type(message).__name__}: {shown(message)}")
    bucket = valid_bucket_name(message.get("source_bucket"), "the message's source_bucket")
    action = message.get("action")
    if action not in MESSAGE_ACTIONS:
        raise Rejected(f"unknown action {shown(action)}; a message's action is 'enable' or 'disable'", bucket)
    source_region = setting("SOURCE_REGION")
    if message.get("source_region") != source_region:
        raise Rejected(f"the message is for source Region {shown(message.get('source_region'))}; this pipeline "
                       f"serves {source_region}", bucket)
    if action == "disable" and setting("ON_UNTAG", "keep") != "disable":
        raise Rejected("a disable message, but this pipeline keeps DR pairs when a bucket is untagged "
                       "(ON_UNTAG is not 'disable')", bucket)
    cause = message.get("cause")
    backfill_after = message.get("backfill_after")
    if backfill_after is not None and (action != "enable" or not isinstance(backfill_after, str) or not backfill_after
                                       or len(backfill_after.encode()) > MAX_KEY_BYTES):
        raise Rejected(f"the message's backfill_after {shown(backfill_after)} is not an object key (1 to "
                       f"{MAX_KEY_BYTES} bytes) of an enable message", bucket)
    return PipelineMessage(action, bucket, source_region, cause[:SHOWN_CHARACTERS] if isinstance(cause, str) else "",
                           backfill_after)


@functools.lru_cache(maxsize=1)
def own_account_id() -> str:
    """The account this function runs in (asked once per process): the only owner a source bucket may have."""
    region = os.environ.get("AWS_REGION") or setting("SOURCE_REGION")
    return clients()("sts", region).get_caller_identity()["Account"]


def trigger_tagged(tags: dict[str, str]) -> bool:
    return tags.get(setting("TRIGGER_TAG_KEY", "dr")) == setting("TRIGGER_TAG_VALUE", "true")


def source_bucket_tags(aws, bucket: str, region: str) -> dict[str, str]:
    """The source bucket's real tags, read as a bucket this account owns in ``region``; Rejected when it is
    gone, in another Region or not this account's.

    AccessDenied is what S3 answers to ExpectedBucketOwner for another account's bucket (and IAM for
    a bucket outside the function's account condition), so it is a refusal, not a failure to retry.
    """
    account = own_account_id()
    try:
        actual_region = source_bucket_region(aws, bucket, expected_owner=account, near_region=region)
    except DRError as error:
        if error_code(error.cause) in ("NoSuchBucket", "404", "NotFound", "AccessDenied", "AllAccessDisabled"):
            raise Rejected(error.message, bucket) from None
        raise
    if actual_region != region:
        raise Rejected(f"bucket {bucket} is in {actual_region}, not in this pipeline's source Region {region}", bucket)
    try:
        tags = bucket_tags(aws("s3", region), bucket, expected_owner=account)
    except Exception as error:
        if error_code(error) in ("AccessDenied", "403"):
            raise Rejected(f"bucket {bucket} is not owned by account {account} (ExpectedBucketOwner refused), "
                           "or this function may not read its tags", bucket) from None
        raise
    if tags is None:
        raise Rejected(f"bucket {bucket} does not exist", bucket)
    return tags


def confirm(aws, message: PipelineMessage) -> None:
    """Rejected unless the source bucket really is in the state the message claims: still tagged for
    ``enable``, no longer tagged for ``disable``, and this account's in both cases."""
    tags = source_bucket_tags(aws, message.source_bucket, message.source_region)
    trigger = f"{setting('TRIGGER_TAG_KEY', 'dr')}={setting('TRIGGER_TAG_VALUE', 'true')}"
    if message.action == "enable" and not trigger_tagged(tags):
        raise Rejected(f"an enable message, but bucket {message.source_bucket} is not tagged {trigger}",
                       message.source_bucket)
    if message.action == "disable" and trigger_tagged(tags):
        raise Rejected(f"a disable message, but bucket {message.source_bucket} is still tagged {trigger}",
                       message.source_bucket)


def confirmed_messages(aws, event) -> list[PipelineMessage]:
    """The messages of this invocation that are valid and that the source bucket's real state confirms."""
    confirmed = []
    for message in sns_messages(event):
        try:
            confirm(aws, message)
        except Rejected as refusal:
            log_rejected(refusal, message_action=message.action)
            continue
        confirmed.append(message)
    return confirmed


def publish(clients, topic_arn: str, message: PipelineMessage) -> None:
    region = topic_arn.split(":")[3]
    clients("sns", region).publish(TopicArn=topic_arn, Message=json.dumps(message.as_dict()),
                                   Subject=f"s3dr {message.action}")


@functools.lru_cache(maxsize=1)
def clients():
    """One client factory per process, so a warm Lambda reuses its connections."""
    return boto3_clients()


@functools.lru_cache(maxsize=2)
def copy_clients(concurrency: int):
    """Clients for a backfill of ``concurrency`` parallel copies: their connection pool fits the copy workers
    (botocore's default pool of 10 would make most of them wait for a connection)."""
    return backfill_clients(concurrency=concurrency)
