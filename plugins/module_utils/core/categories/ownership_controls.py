# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Object ownership (ACLs enabled or disabled)."""

from __future__ import annotations

from ..errors import absent_on
from .base import Category


class OwnershipControls(Category):
    name = "ownership-controls"
    baseline_gap = "object ownership BucketOwnerEnforced"

    def read(self, s3, bucket):
        response = absent_on(("OwnershipControlsNotFoundError",), s3.get_bucket_ownership_controls, Bucket=bucket)
        return response["OwnershipControls"]["Rules"][0]["ObjectOwnership"] if response else None

    def secure_baseline(self, desired, dest_value, context):
        return "BucketOwnerEnforced"

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": value}]})

    def delete(self, s3, bucket, current):
        s3.delete_bucket_ownership_controls(Bucket=bucket)
