"""SNS delivers to Lambda subscriptions asynchronously, with the real notification record.

Upstream gap (moto 5.2.5, ``Subscription.publish`` -> ``LambdaBackend.send_sns_message``): the
function runs inside the ``Publish`` call, and its event is a fixed sample: TopicArn and
EventSubscriptionArn ``arn:aws:sns:EXAMPLE``, the same MessageId every time, Timestamp 1970,
Subject ``TestInvoke`` when none was given and made-up MessageAttributes. On AWS, SNS invokes the
function asynchronously (InvocationType ``Event``) with the topic's ARN, the subscription's ARN,
the message's id, its subject (null when none), the publish time and the published attributes.

This patch builds that record and invokes the function in the background. The filter policy and
``MessageStructure=json`` are applied first, as moto does for every protocol. The record is not
signed: Signature and SigningCertUrl are placeholders.
"""
from __future__ import annotations

from .. import runtime
from .lambda_subprocess_invoke import invoke_async

NAME = "sns_lambda_delivery"


def apply() -> None:
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self, message, message_id, subject=None, message_attributes=None, group_id=None,
                deduplication_id=None, message_structure=None):
        if self.protocol != "lambda":
            return original(self, message, message_id, subject, message_attributes, group_id,
                            deduplication_id, message_structure)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
                message_attributes, message):
            return None
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        record = _notification_record(self, message, message_id, subject, message_attributes,
                                      iso_8601_datetime_with_milliseconds())
        runtime.in_background(invoke_async, self.endpoint, {"Records": [record]})
        return None

    Subscription.publish = publish


def _notification_record(subscription, message, message_id, subject, message_attributes, timestamp) -> dict:
    region = subscription.topic.sns_backend.region_name
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription.arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": timestamp,
            "Signature": "EXAMPLE",
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-localaws.pem",
            "MessageId": message_id,
            "Message": message,
            # moto keeps published attributes as {"Type", "Value"}: the shape Lambda receives.
            "MessageAttributes": message_attributes or {},
            "Type": "Notification",
            "UnsubscribeUrl": (f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                               f"&SubscriptionArn={subscription.arn}"),
            "TopicArn": subscription.topic.arn,
            "Subject": subject,
        },
    }
