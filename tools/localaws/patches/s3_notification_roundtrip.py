"""Bucket notification configurations keep ``EventBridgeConfiguration`` and S3's filter rule names.

Upstream gaps (moto 5.2.5):

- ``S3Response.get_bucket_notification``: moto accepts and stores the empty
  ``<EventBridgeConfiguration/>`` element (``NotificationConfiguration.event_bridge``, which also
  drives its EventBridge delivery), but the response lists only the topic, queue and Lambda
  configurations, so a bucket that sends its events to EventBridge reads back as one that does not.
- ``S3Response._notification_config_from_body``: a key filter rule named ``Prefix`` or ``Suffix``
  fails an ``assert`` (HTTP 500); moto takes only ``prefix``/``suffix``. S3 takes the name in any
  case and answers it capitalized (``Prefix``/``Suffix``) whatever was put (aws/aws-sdk#389,
  localstack/localstack-terraform-test#7), while moto echoes it as put.

This patch hands moto the rule names in the lower case its key matching uses, and on GET adds the
EventBridge element and capitalizes the rule names in moto's response.
"""
from __future__ import annotations

import re

import xmltodict

from ._s3 import S3_XMLNS

NAME = "s3_notification_roundtrip"
CONFIGURATION_ELEMENTS = ("TopicConfiguration", "QueueConfiguration", "CloudFunctionConfiguration")
FILTER_RULE_NAME = re.compile(r"<Name>\s*(prefix|suffix)\s*</Name>", re.IGNORECASE)


def apply() -> None:
    from moto.s3.responses import S3Response

    original_from_body = S3Response._notification_config_from_body
    original_get = S3Response.get_bucket_notification

    def _notification_config_from_body(self):
        sent_body = self.body
        # <Name> occurs only in key filter rules here; later readers of the request see it as sent.
        self.body = FILTER_RULE_NAME.sub(lambda match: f"<Name>{match.group(1).lower()}</Name>", _text(sent_body))
        try:
            return original_from_body(self)
        finally:
            self.body = sent_body

    def get_bucket_notification(self):
        status, headers, body = original_get(self)
        configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if configuration is None:
            return status, headers, body
        # moto's own document (with the Ids it generated), reshaped where S3 answers differently.
        parsed = xmltodict.parse(body, force_list=(*CONFIGURATION_ELEMENTS, "FilterRule"))
        document = {key: value for key, value in (parsed["NotificationConfiguration"] or {}).items()
                    if not key.startswith("@")}
        for element in CONFIGURATION_ELEMENTS:
            for notification in document.get(element, []):
                for rule in ((notification.get("Filter") or {}).get("S3Key") or {}).get("FilterRule", []):
                    rule["Name"] = rule["Name"].capitalize()
        if configuration.event_bridge is not None:
            document["EventBridgeConfiguration"] = None  # an empty element
        return status, headers, xmltodict.unparse({"NotificationConfiguration": {"@xmlns": S3_XMLNS, **document}})

    S3Response._notification_config_from_body = _notification_config_from_body
    S3Response.get_bucket_notification = get_bucket_notification


def _text(body: bytes | str) -> str:
    return body.decode("utf-8") if isinstance(body, bytes) else body
