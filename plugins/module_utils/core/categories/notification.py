# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event notifications: topic, queue and Lambda targets mapped through notification_target_map.

EventBridge delivery has no target ARN and is carried as it is. A configuration whose target has
no mapping is skipped with the reason (or fails the run with on_unmapped: fail); the others go on.
"""

from __future__ import annotations

import copy

from ..errors import describe_error, error_code
from .base import Category, Unmapped

TARGETS = (("TopicConfigurations", "TopicArn"), ("QueueConfigurations", "QueueArn"),
           ("LambdaFunctionConfigurations", "LambdaFunctionArn"))


class Notification(Category):
    name = "notification"

    def read(self, s3, bucket):
        response = s3.get_bucket_notification_configuration(Bucket=bucket)
        value = {key: response[key] for key in [key for key, _arn in TARGETS] + ["EventBridgeConfiguration"]
                 if key in response and (response[key] or key == "EventBridgeConfiguration")}
        return value or None

    def normalize(self, value):
        if value is None:
            return None
        normalized = {}
        for key, arn_key in TARGETS:
            if value.get(key):
                normalized[key] = sorted(({**item, "Events": sorted(item["Events"])} for item in value[key]),
                                         key=lambda item: (item[arn_key], item.get("Id", "")))
        if "EventBridgeConfiguration" in value:
            normalized["EventBridgeConfiguration"] = {}
        return normalized or None

    def rewrite(self, value, context):
        rewritten = {}
        for key, arn_key in TARGETS:
            carried = []
            for item in value.get(key, []):
                target = item[arn_key]
                if target in context.notification_target_map:
                    carried.append({**copy.deepcopy(item), arn_key: context.notification_target_map[target]})
                elif target.split(":")[3] == context.dest_region:
                    carried.append(copy.deepcopy(item))
                else:
                    problem = (f"notification {item.get('Id', '')} to {target} has no entry in notification_target_map "
                               f"(its target is in {target.split(':')[3]}, not in {context.dest_region})")
                    if context.on_unmapped == "fail":
                        raise Unmapped(problem)
                    context.skipped.append(problem)
            if carried:
                rewritten[key] = carried
        if "EventBridgeConfiguration" in value:
            rewritten["EventBridgeConfiguration"] = {}
        return rewritten or None

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=value)

    def delete(self, s3, bucket, current):
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})

    def explain(self, error, dest_s3, dest_bucket):
        details = (getattr(error, "response", None) or {}).get("Error", {})
        if error_code(error) != "InvalidArgument" or "Unable to validate" not in details.get("Message", ""):
            return describe_error(error)
        refused = [f"{details[name]} ({details.get(name.replace('Name', 'Value'), 'refused')})"
                   for name in sorted(details) if name.startswith("ArgumentName")]
        return (f"S3 could not validate the notification destinations {', '.join(refused) or '(not named)'}: each "
                f"must exist in the DR Region and its resource policy must let s3.amazonaws.com deliver the events of "
                f"{dest_bucket}; create them so, or map them with notification_target_map")
