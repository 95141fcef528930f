"""GetBucketNotificationConfiguration returns ``EventBridgeConfiguration`` when it was put.

Upstream gap (moto 5.2.5, ``S3Response.get_bucket_notification``): moto accepts and stores the
empty ``<EventBridgeConfiguration/>`` element (``NotificationConfiguration.event_bridge``, which
also drives its EventBridge delivery), but the response lists only the topic, queue and Lambda
configurations, so a bucket that sends its events to EventBridge reads back as one that does not.
This patch adds the element to moto's response when the stored configuration has it.
"""
from __future__ import annotations

import xmltodict

from ._s3 import S3_XMLNS

NAME = "s3_notification_roundtrip"


def apply() -> None:
    from moto.s3.responses import S3Response

    original_get = S3Response.get_bucket_notification

    def get_bucket_notification(self):
        response = original_get(self)
        configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if configuration is None or configuration.event_bridge is None:
            return response
        status, headers, body = response
        # moto's own document (topic/queue/Lambda configurations and the Ids it generated), plus the element.
        document = xmltodict.parse(body)["NotificationConfiguration"] or {}
        document = {key: value for key, value in document.items() if not key.startswith("@")}
        document["EventBridgeConfiguration"] = None  # an empty element
        return status, headers, xmltodict.unparse({"NotificationConfiguration": {"@xmlns": S3_XMLNS, **document}})

    S3Response.get_bucket_notification = get_bucket_notification
