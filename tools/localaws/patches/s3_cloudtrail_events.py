"""S3 bucket-level management calls emit "AWS API Call via CloudTrail" events to EventBridge,
when a trail records the Region's management events.

Upstream gap (moto 5.2.5): moto has no CloudTrail-to-EventBridge delivery, so an EventBridge rule
on ``source: aws.s3`` / ``detail-type: AWS API Call via CloudTrail`` never fires. On AWS, CloudTrail
delivers management events to the default event bus of the Region where the call was made (the
bucket's Region) shortly after the call, best effort, and only when a trail records them: "To
record events with a detail-type value of AWS API Call via CloudTrail, a CloudTrail trail with
logging enabled is required" (EventBridge User Guide, "AWS service events delivered via AWS
CloudTrail", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).

This patch wraps ``S3Response._bucket_response``: after a successful bucket-level PUT or DELETE it
puts the CloudTrail-shaped event on the default bus of the bucket's Region, in the background (the
API call returns first, as on AWS), if at the time of the call a trail of the account records
write management events in that Region: a multi-Region trail or a trail of that Region, logging
started, whose event selectors include management events ("Logging management events",
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html:
a trail with no selectors records all of them; basic selectors by ``IncludeManagementEvents`` and
``ReadWriteType``; advanced selectors by ``eventCategory`` = ``Management`` and ``readOnly``).

Event names are the ones CloudTrail records: CreateBucket with tags (``CreateBucketConfiguration.Tags``)
is ``CreateBucket``, its tags in ``requestParameters.CreateBucketConfiguration``; tagging a bucket
through S3 Control (``TagResource``/``UntagResource``, ``POST``/``DELETE /v20180820/tags/{resourceArn}``,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_TagResource.html) is recorded with
``eventSource`` ``s3.amazonaws.com`` and ``requestParameters.resourceArn``, not ``bucketName``.
Not modelled: CloudTrail's delivery delay, organization trails, CloudTrail Lake.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

import xmltodict

from .. import runtime
from ._s3 import query_flag

NAME = "s3_cloudtrail_events"

# query sub-resource -> (event name on PUT, event name on DELETE), the names CloudTrail records.
SUBRESOURCE_EVENT_NAMES = {
    "tagging": ("PutBucketTagging", "DeleteBucketTagging"),
    "versioning": ("PutBucketVersioning", None),
    "replication": ("PutBucketReplication", "DeleteBucketReplication"),
    "policy": ("PutBucketPolicy", "DeleteBucketPolicy"),
    "encryption": ("PutBucketEncryption", "DeleteBucketEncryption"),
    "lifecycle": ("PutBucketLifecycle", "DeleteBucketLifecycle"),
    "cors": ("PutBucketCors", "DeleteBucketCors"),
    "website": ("PutBucketWebsite", "DeleteBucketWebsite"),
    "notification": ("PutBucketNotification", None),
    "logging": ("PutBucketLogging", None),
    "acl": ("PutBucketAcl", None),
    "publicAccessBlock": ("PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock"),
    "ownershipControls": ("PutBucketOwnershipControls", "DeleteBucketOwnershipControls"),
    "accelerate": ("PutAccelerateConfiguration", None),
    "requestPayment": ("PutBucketRequestPayment", None),
    "object-lock": ("PutObjectLockConfiguration", None),
    "inventory": ("PutBucketInventoryConfiguration", "DeleteBucketInventoryConfiguration"),
    "metrics": ("PutBucketMetricsConfiguration", "DeleteBucketMetricsConfiguration"),
    "analytics": ("PutBucketAnalyticsConfiguration", "DeleteBucketAnalyticsConfiguration"),
    "intelligent-tiering": ("PutBucketIntelligentTieringConfiguration",
                            "DeleteBucketIntelligentTieringConfiguration"),
}


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response

    def _bucket_response(self, request, full_url):
        querystring = self._get_querystring(request, full_url)
        bucket_name = self.parse_bucket_name_from_url(request, full_url)
        event_name = _event_name(request.method, querystring)
        # DeleteBucket removes the bucket, so its Region is read before the call.
        region_before = _bucket_region(self.backend, bucket_name) if event_name else None
        response = original(self, request, full_url)
        status = response[0] if isinstance(response, tuple) else 200
        if event_name and 200 <= int(status) < 300:
            region = region_before or _bucket_region(self.backend, bucket_name)
            if region and trail_records_management_events(self.current_account, region):
                request_parameters = {"bucketName": bucket_name, "Host": request.headers.get("Host", "")}
                request_parameters.update({key: values[0] if values else "" for key, values in querystring.items()})
                request_parameters.update(_parsed_body(self.body))
                detail = _cloudtrail_detail(event_name, region, self.current_account, bucket_name, request.headers,
                                            request.remote_addr, request_parameters)
                runtime.in_background(_put_event, self.current_account, region, detail)
        return response

    S3Response._bucket_response = _bucket_response
    _emit_s3_control_tagging_events()


def _emit_s3_control_tagging_events() -> None:
    """S3 Control TagResource/UntagResource on a general purpose bucket: recorded as S3 calls."""
    from moto.s3.models import s3_backends
    from moto.s3control.responses import S3ControlResponse

    for method_name, event_name in (("tag_resource", "TagResource"), ("untag_resource", "UntagResource")):
        original = getattr(S3ControlResponse, method_name)

        def wrapped(self, original=original, event_name=event_name):
            result = original(self)
            resource_arn = self._get_param("ResourceArn") or ""
            bucket_name = bucket_of_arn(resource_arn)
            region = _bucket_region(s3_backends[self.current_account][self.partition], bucket_name)
            if region and trail_records_management_events(self.current_account, region):
                request_parameters = {"resourceArn": resource_arn, "Host": self.headers.get("Host", "")}
                if event_name == "TagResource":
                    request_parameters["Tags"] = self._get_param("Tags", [])
                else:
                    request_parameters["tagKeys"] = self._get_param("TagKeys", [])
                detail = _cloudtrail_detail(event_name, region, self.current_account, bucket_name, self.headers,
                                            None, request_parameters)
                runtime.in_background(_put_event, self.current_account, region, detail)
            return result

        setattr(S3ControlResponse, method_name, wrapped)


def bucket_of_arn(resource_arn: str) -> str | None:
    """The general purpose bucket an S3 Control resource ARN names (``arn:<partition>:s3:::<bucket>``)."""
    match = re.fullmatch(r"arn:[a-z-]+:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])", resource_arn)
    return match.group(1) if match else None


def trail_records_management_events(account_id: str, region: str) -> bool:
    """Whether a logging trail of the account records write management events made in ``region``."""
    from moto.cloudtrail.models import cloudtrail_backends

    for backend in cloudtrail_backends[account_id].values():
        for trail in backend.trails.values():
            if (trail.is_multi_region or trail.region_name == region) and trail.status.is_logging \
                    and records_management_writes(trail.event_selectors, trail.advanced_event_selectors):
                return True
    return False


def records_management_writes(event_selectors: list[dict], advanced_event_selectors: list[dict]) -> bool:
    """Per "Logging management events": no selectors means all management events."""
    if advanced_event_selectors:
        return any(_advanced_selector_records_management_writes(selector.get("FieldSelectors") or [])
                   for selector in advanced_event_selectors)
    if not event_selectors:
        return True
    return any(selector.get("IncludeManagementEvents", True) in (True, "true")
               and selector.get("ReadWriteType", "All") in ("All", "WriteOnly") for selector in event_selectors)


def _advanced_selector_records_management_writes(field_selectors: list[dict]) -> bool:
    fields = {selector.get("Field"): selector for selector in field_selectors}
    category = fields.get("eventCategory", {})
    if "Management" not in category.get("Equals", []):
        return False
    read_only = fields.get("readOnly", {})
    if read_only.get("Equals") == ["true"] or "false" in read_only.get("NotEquals", []):
        return False
    source = fields.get("eventSource", {})
    if source.get("Equals") and "s3.amazonaws.com" not in source["Equals"]:
        return False
    return "s3.amazonaws.com" not in source.get("NotEquals", [])


def _event_name(method: str, querystring: dict) -> str | None:
    subresource = query_flag(querystring, *SUBRESOURCE_EVENT_NAMES)
    if method not in ("PUT", "DELETE"):
        return None
    if subresource is None:
        return "CreateBucket" if method == "PUT" else "DeleteBucket"
    put_name, delete_name = SUBRESOURCE_EVENT_NAMES[subresource]
    return put_name if method == "PUT" else delete_name


def _bucket_region(backend, bucket_name: str | None) -> str | None:
    bucket = backend.buckets.get(bucket_name) if bucket_name else None
    return bucket.region_name if bucket else None


def _cloudtrail_detail(event_name, region, account_id, bucket_name, headers, source_ip, request_parameters) -> dict:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDALOCALAWS",
            "arn": f"arn:aws:iam::{account_id}:user/localaws",
            "accountId": account_id,
            "accessKeyId": "testing",
            "userName": "localaws",
        },
        "eventTime": now,
        "eventSource": "s3.amazonaws.com",
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": source_ip or "127.0.0.1",
        "userAgent": headers.get("User-Agent", ""),
        "requestParameters": request_parameters,
        "responseElements": None,
        "additionalEventData": {"SignatureVersion": "SigV4", "AuthenticationMethod": "AuthHeader"},
        "requestID": uuid.uuid4().hex[:16].upper(),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "resources": [{"accountId": account_id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket_name}"}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }


def _parsed_body(body) -> dict:
    """The request document as CloudTrail records it: XML parsed to JSON, namespace as ``xmlns``."""
    if not body:
        return {}
    try:
        return xmltodict.parse(body, attr_prefix="", dict_constructor=dict) or {}
    except Exception:  # noqa: BLE001 - a JSON policy or a malformed body is recorded as nothing
        return {}


def _put_event(account_id: str, region: str, detail: dict) -> None:
    from moto.events.models import events_backends

    events_backends[account_id][region].put_events([{
        "Source": "aws.s3",
        "DetailType": "AWS API Call via CloudTrail",
        "Detail": json.dumps(detail),
        "EventBusName": "default",
    }])
