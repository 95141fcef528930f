# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server access logging; the target bucket is mapped to the DR side.

A source that logs into itself logs into the DR bucket; any other target bucket needs an entry in
bucket_map (logs must land in a bucket of the DR Region).
"""

from __future__ import annotations

import copy

from ..errors import describe_error, error_code
from .base import Category


class Logging(Category):
    name = "logging"

    def read(self, s3, bucket):
        return s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")

    def rewrite(self, value, context):
        value = copy.deepcopy(value)
        value["TargetBucket"] = context.map_bucket(value["TargetBucket"], "access logging")
        return value

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": value})

    def delete(self, s3, bucket, current):
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})

    def explain(self, error, dest_s3, dest_bucket):
        if error_code(error) == "InvalidArgument":
            # S3's refusal of TargetGrants on a BucketOwnerEnforced target (the DR baseline) names no code of its own.
            return (f"S3 refused the logging configuration ({describe_error(error)}); a log target bucket with object "
                    "ownership BucketOwnerEnforced takes no TargetGrants: grant readers access to the logs with the "
                    "target bucket's policy, and remove TargetGrants from the source's logging")
        return describe_error(error)
