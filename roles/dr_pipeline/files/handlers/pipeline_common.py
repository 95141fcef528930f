"""What the three pipeline handlers share: configuration from the environment, JSON logs, SNS."""

from __future__ import annotations

import json
import logging
import os
import time

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
    """One structured JSON line per action (CloudWatch Logs Insights can filter on every field)."""
    print(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "action": action,
                      "bucket": bucket, "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), **fields},
                     default=str), flush=True)


def sns_messages(event: dict) -> list[dict]:
    """The JSON messages of an SNS-triggered invocation."""
    return [json.loads(record["Sns"]["Message"]) for record in event.get("Records", [])
            if record.get("EventSource") == "aws:sns"]


def publish(clients, topic_arn: str, message: dict) -> None:
    region = topic_arn.split(":")[3]
    clients("sns", region).publish(TopicArn=topic_arn, Message=json.dumps(message),
                                   Subject=f"s3dr {message.get('action', '')}"[:100])


def clients():
    return boto3_clients()
