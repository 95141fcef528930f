"""S3 bucket-level management calls emit "AWS API Call via CloudTrail" events to EventBridge.

Upstream gap (moto 5.2.5): moto has no CloudTrail-to-EventBridge delivery, so an EventBridge rule
on ``source: aws.s3`` / ``detail-type: AWS API Call via CloudTrail`` never fires. On AWS, a trail
delivers management events to the default event bus of the Region where the call was made (the
bucket's Region) shortly after the call. This patch wraps ``S3Response._bucket_response``: after a
successful bucket-level PUT or DELETE it puts the CloudTrail-shaped event on the default bus of the
bucket's Region, in the background (the API call returns first, as on AWS).
"""
from __future__ import annotations

import json
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
            if region:
                detail = _cloudtrail_detail(event_name, region, self.current_account, bucket_name, request,
                                            querystring, self.body)
                runtime.in_background(_put_event, self.current_account, region, detail)
        return response

    S3Response._bucket_response = _bucket_response


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


def _cloudtrail_detail(event_name, region, account_id, bucket_name, request, querystring, body) -> dict:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    request_parameters = {"bucketName": bucket_name, "Host": request.headers.get("Host", "")}
    request_parameters.update({key: values[0] if values else "" for key, values in querystring.items()})
    request_parameters.update(_parsed_body(body))
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
        "sourceIPAddress": request.remote_addr or "127.0.0.1",
        "userAgent": request.headers.get("User-Agent", ""),
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
