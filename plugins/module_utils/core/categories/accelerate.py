# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transfer acceleration. Off (Suspended) and never set mean the same."""

from __future__ import annotations

from .base import Category


class Accelerate(Category):
    name = "accelerate"

    def read(self, s3, bucket):
        return s3.get_bucket_accelerate_configuration(Bucket=bucket).get("Status")

    def normalize(self, value):
        return None if value in (None, "Suspended") else value

    def unsupported(self, source_value, dest_value, dest_bucket):
        if source_value == "Enabled" and "." in dest_bucket:
            return f"transfer acceleration is not available for bucket names with dots ({dest_bucket})"
        return None

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": value})

    def delete(self, s3, bucket, current):
        s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Suspended"})
