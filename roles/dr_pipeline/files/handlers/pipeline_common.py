"""What the three pipeline handlers share: configuration from the environment, JSON logs, SNS."""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import uuid

from s3dr_core.clients import boto3_clients

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


def log_action(action: str, bucket: str | None, **fields) -> None:
    """One structured JSON line per action (CloudWatch Logs Insights can filter on every field), and one
    audit record per bucket action when the pipeline was deployed with an audit table."""
    record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "action": action, "bucket": bucket,
              "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), **fields}
    print(json.dumps(record, default=str), flush=True)
    if bucket and os.environ.get("AUDIT_TABLE"):
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


def sns_messages(event: dict) -> list[dict]:
    """The JSON messages of an SNS-triggered invocation."""
    return [json.loads(record["Sns"]["Message"]) for record in event.get("Records", [])
            if record.get("EventSource") == "aws:sns"]


def publish(clients, topic_arn: str, message: dict) -> None:
    region = topic_arn.split(":")[3]
    clients("sns", region).publish(TopicArn=topic_arn, Message=json.dumps(message),
                                   Subject=f"s3dr {message.get('action', '')}"[:100])


@functools.lru_cache(maxsize=1)
def clients():
    """One client factory per process, so a warm Lambda reuses its connections."""
    return boto3_clients()
