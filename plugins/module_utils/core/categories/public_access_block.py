# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Block Public Access settings of the bucket."""

from __future__ import annotations

from ..buckets import BLOCK_ALL_PUBLIC_ACCESS
from ..errors import absent_on
from .base import Category


class PublicAccessBlock(Category):
    name = "public-access-block"
    baseline_gap = "public access block"

    def read(self, s3, bucket):
        response = absent_on(("NoSuchPublicAccessBlockConfiguration",), s3.get_public_access_block, Bucket=bucket)
        return response["PublicAccessBlockConfiguration"] if response else None

    def secure_baseline(self, desired, dest_value, context):
        return dict(BLOCK_ALL_PUBLIC_ACCESS)

    def apply(self, s3, bucket, value, current):
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=value)

    def delete(self, s3, bucket, current):
        s3.delete_public_access_block(Bucket=bucket)
