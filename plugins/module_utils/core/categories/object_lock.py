# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Object Lock default retention (Object Lock itself is turned on at creation, or once on a versioned bucket)."""

from __future__ import annotations

from ..buckets import object_lock_advice
from ..errors import absent_on
from .base import Category


class ObjectLock(Category):
    name = "object-lock"

    def read(self, s3, bucket):
        response = absent_on(("ObjectLockConfigurationNotFoundError",), s3.get_object_lock_configuration, Bucket=bucket)
        return response["ObjectLockConfiguration"] if response else None

    def unsupported(self, source_value, dest_value, dest_bucket):
        if source_value and not dest_value(self.name):
            return (f"the DR bucket {dest_bucket} has no Object Lock, so its default retention cannot be set. "
                    + object_lock_advice(dest_bucket))
        return None

    def apply(self, s3, bucket, value, current):
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=value)

    def delete(self, s3, bucket, current):
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
