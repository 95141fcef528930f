# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket tags, except the pipeline's trigger tag: a tagged DR bucket would be replicated in turn."""

from __future__ import annotations

from ..buckets import bucket_tags
from .base import Category


class Tagging(Category):
    name = "tagging"

    def read(self, s3, bucket):
        return bucket_tags(s3, bucket) or None

    def rewrite(self, value, context):
        tags = {key: item for key, item in value.items() if key != context.trigger_tag_key}
        return tags or None

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": key, "Value": item}
                                                                 for key, item in sorted(value.items())]})

    def delete(self, s3, bucket, current):
        s3.delete_bucket_tagging(Bucket=bucket)
