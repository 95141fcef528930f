# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lifecycle rules."""

from __future__ import annotations

import datetime

from ..errors import absent_on
from .base import Category


class Lifecycle(Category):
    name = "lifecycle"

    def read(self, s3, bucket):
        response = absent_on(("NoSuchLifecycleConfiguration",), s3.get_bucket_lifecycle_configuration, Bucket=bucket)
        return response["Rules"] if response else None

    def normalize(self, value):
        if value is None:
            return None
        return sorted((_dates_as_text(rule) for rule in value), key=lambda rule: rule.get("ID", ""))

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": value})

    def delete(self, s3, bucket, current):
        s3.delete_bucket_lifecycle(Bucket=bucket)


def _dates_as_text(value):
    """S3 returns a rule's Date as a timestamp; compare it as the ISO date users write."""
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, datetime.datetime):
        if value.utcoffset() is not None:
            value = value.astimezone(datetime.timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value
