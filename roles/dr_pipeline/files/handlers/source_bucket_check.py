"""Source Region: a bucket changed (CloudTrail event) or the daily sweep ran; pass tagged buckets on.

Reads the bucket's real tags (never the event text), ignores other Regions and untagged buckets,
enables versioning, and publishes the bucket to topic 1 in the DR Region. Safe to run twice.
"""

from __future__ import annotations

from pipeline_common import clients, log_action, publish, setting
from s3dr_core import buckets
from s3dr_core.errors import error_code
from s3dr_core.fleet import buckets_with_tags
from s3dr_core.result import Result


def handler(event, context):
    aws = clients()
    source_region = setting("SOURCE_REGION")
    tag_key, tag_value = setting("TRIGGER_TAG_KEY", "dr"), setting("TRIGGER_TAG_VALUE", "true")
    if event.get("detail-type") == "Scheduled Event":
        names = buckets_with_tags(aws, source_region, {tag_key: tag_value}, concurrency=8)
        log_action("sweep", None, buckets=names)
        return {"published": [_pass_on(aws, name, source_region, "sweep") for name in names]}
    detail = event.get("detail", {})
    bucket = (detail.get("requestParameters") or {}).get("bucketName")
    if not bucket:
        log_action("ignored", None, reason="event names no bucket", event_name=detail.get("eventName"))
        return {"ignored": "no bucket"}
    if detail.get("awsRegion") != source_region:
        log_action("ignored", bucket, reason=f"bucket event from {detail.get('awsRegion')}, not {source_region}")
        return {"ignored": "other Region"}
    tags = _tags(aws("s3", source_region), bucket)
    if tags is None:
        log_action("ignored", bucket, reason="bucket no longer exists")
        return {"ignored": "no bucket"}
    if tags.get(tag_key) != tag_value:
        if setting("ON_UNTAG", "keep") == "disable" and detail.get("eventName") in ("PutBucketTagging", "DeleteBucketTagging"):
            return {"published": _pass_on(aws, bucket, source_region, detail.get("eventName"), action="disable")}
        log_action("ignored", bucket, reason=f"not tagged {tag_key}={tag_value}")
        return {"ignored": "not tagged"}
    return {"published": _pass_on(aws, bucket, source_region, detail.get("eventName"))}


def _pass_on(aws, bucket: str, source_region: str, cause: str, action: str = "enable") -> str:
    if action == "enable":
        s3 = aws("s3", source_region)
        result = Result()
        buckets.ensure_versioning(s3, bucket, buckets.versioning_status(s3, bucket), result, check_mode=False)
        if result.actions:
            log_action("enable_versioning", bucket, region=source_region)
    publish(aws, setting("DESTINATION_TOPIC_ARN"), {"action": action, "source_bucket": bucket,
                                                    "source_region": source_region, "cause": cause})
    log_action("published", bucket, next="destination_bucket_check", message_action=action, cause=cause)
    return bucket


def _tags(s3, bucket: str) -> dict[str, str] | None:
    try:
        return {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    except Exception as error:
        if error_code(error) == "NoSuchTagSet":
            return {}
        if error_code(error) == "NoSuchBucket":
            return None
        raise
