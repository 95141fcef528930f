"""Source Region: a bucket changed (CloudTrail event) or the daily sweep ran; pass tagged buckets on.

Reads the bucket's real tags as this account's bucket (never the event text), ignores other Regions
and untagged buckets, enables versioning, and publishes the bucket to topic 1 in the DR Region.
Safe to run twice. A malformed event is logged as rejected with the reason and dropped.
"""

from __future__ import annotations

import re

from pipeline_common import (PipelineMessage, Rejected, clients, log_action, log_rejected, own_account_id, publish,
                             setting, shown, source_bucket_tags, trigger_tagged, valid_bucket_name)
from s3dr_core import buckets
from s3dr_core.errors import describe_error
from s3dr_core.fleet import buckets_with_tags
from s3dr_core.result import Result
from s3dr_core.validation import partition_of

CLOUDTRAIL_EVENT = "AWS API Call via CloudTrail"
SWEEP_EVENT = "Scheduled Event"
TAGGING_EVENTS = ("PutBucketTagging", "DeleteBucketTagging", "TagResource", "UntagResource")
# S3 Control tags a bucket by ARN (requestParameters.resourceArn); every other bucket call names it (bucketName).
RESOURCE_ARN_EVENTS = ("TagResource", "UntagResource")
# arn:<partition>:s3:::<bucket>, or arn:<partition>:s3:<Region>:<account>:bucket/<bucket>
BUCKET_ARN = re.compile(r"arn:(?P<partition>[a-z-]+):s3:(?:::|(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):bucket/)"
                        r"(?P<bucket>[^:/]+)")


def handler(event, context):
    aws = clients()
    source_region = setting("SOURCE_REGION")
    tag_key, tag_value = setting("TRIGGER_TAG_KEY", "dr"), setting("TRIGGER_TAG_VALUE", "true")
    try:
        detail = _bucket_event_detail(event)
    except Rejected as refusal:
        log_rejected(refusal)
        return {"rejected": refusal.reason}
    if detail is None:
        names = buckets_with_tags(aws, source_region, {tag_key: tag_value}, concurrency=8)
        log_action("sweep", None, buckets=names)
        outcomes = [_sweep_one(aws, name, source_region) for name in names]
        return {"published": [name for name, error in outcomes if error is None],
                "failed": {name: error for name, error in outcomes if error is not None}}
    event_name = detail.get("eventName") if isinstance(detail.get("eventName"), str) else ""
    request = detail.get("requestParameters")
    try:
        bucket = _event_bucket(event_name, request, source_region)
        if detail.get("awsRegion") != source_region:
            log_action("ignored", bucket, reason=f"bucket event from {shown(detail.get('awsRegion'))}, not {source_region}")
            return {"ignored": "other Region"}
        tags = source_bucket_tags(aws, bucket, source_region)
    except Rejected as refusal:
        log_rejected(refusal, event_name=shown(event_name))
        return {"rejected": refusal.reason}
    if not trigger_tagged(tags):
        if setting("ON_UNTAG", "keep") == "disable" and event_name in TAGGING_EVENTS:
            return {"published": _pass_on(aws, bucket, source_region, event_name, action="disable")}
        log_action("ignored", bucket, reason=f"not tagged {tag_key}={tag_value}")
        return {"ignored": "not tagged"}
    return {"published": _pass_on(aws, bucket, source_region, event_name)}


def _bucket_event_detail(event) -> dict | None:
    """The CloudTrail detail of an S3 bucket call, or None for the scheduled sweep; Rejected for anything else."""
    if not isinstance(event, dict):
        raise Rejected(f"the event is not a JSON object but {type(event).__name__}: {shown(event)}")
    detail_type = event.get("detail-type")
    if detail_type == SWEEP_EVENT:
        return None
    if detail_type != CLOUDTRAIL_EVENT:
        raise Rejected(f"detail-type {shown(detail_type)} is neither {CLOUDTRAIL_EVENT!r} nor {SWEEP_EVENT!r}")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise Rejected(f"the event's detail is not a JSON object but {type(detail).__name__}: {shown(detail)}")
    if detail.get("eventSource") != "s3.amazonaws.com":
        raise Rejected(f"the event's detail.eventSource is {shown(detail.get('eventSource'))}, not 's3.amazonaws.com'")
    return detail


def _event_bucket(event_name: str, request, source_region: str) -> str:
    """The bucket a CloudTrail S3 call names, validated; Rejected otherwise.

    TagResource/UntagResource name it by ARN, which must be an S3 bucket ARN of this partition and, when it
    carries a Region and account, of the source Region and this account.
    """
    request = request if isinstance(request, dict) else {}
    if event_name not in RESOURCE_ARN_EVENTS:
        return valid_bucket_name(request.get("bucketName"), "the event's requestParameters.bucketName")
    arn = request.get("resourceArn")
    match = BUCKET_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if not match:
        raise Rejected(f"the event's requestParameters.resourceArn {shown(arn)} is not an S3 bucket ARN")
    if match["partition"] != partition_of(source_region):
        raise Rejected(f"the event's requestParameters.resourceArn {shown(arn)} is not in partition "
                       f"{partition_of(source_region)} of {source_region}")
    if match["region"] is not None and match["region"] != source_region:
        raise Rejected(f"the event's requestParameters.resourceArn {shown(arn)} names Region {match['region']}, "
                       f"not {source_region}")
    if match["account"] is not None and match["account"] != own_account_id():
        raise Rejected(f"the event's requestParameters.resourceArn {shown(arn)} names account {match['account']}, "
                       f"not this account")
    return valid_bucket_name(match["bucket"], "the bucket of the event's requestParameters.resourceArn")


def _sweep_one(aws, bucket: str, source_region: str) -> tuple[str, str | None]:
    """One bucket of the sweep: (bucket, None) when passed on, (bucket, error) when it failed. One bucket's failure
    is logged for it and stops nothing: raising would send the whole sweep to the DLQ and repair none of the rest."""
    try:
        _pass_on(aws, bucket, source_region, "sweep")
    except Exception as error:  # noqa: BLE001 - reported per bucket; the next sweep tries it again
        log_action("sweep_failed", bucket, error=describe_error(error))
        return bucket, describe_error(error)
    return bucket, None


def _pass_on(aws, bucket: str, source_region: str, cause: str, action: str = "enable") -> str:
    if action == "enable":
        s3 = aws("s3", source_region)
        result = Result()
        buckets.ensure_versioning(s3, bucket, buckets.versioning_status(s3, bucket), result, check_mode=False)
        if result.actions:
            log_action("enable_versioning", bucket, region=source_region)
    publish(aws, setting("DESTINATION_TOPIC_ARN"), PipelineMessage(action, bucket, source_region, cause))
    log_action("published", bucket, next="destination_bucket_check", message_action=action, cause=cause)
    return bucket
