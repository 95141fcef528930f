# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Default encryption; a KMS key of the source Region is replaced through kms_key_map.

Every S3 bucket has default encryption, at least SSE-S3 (AES256): S3 applies it to every bucket
since January 2023 and DeleteBucketEncryption resets to it. So a source with SSE-S3 states no
choice, only the floor, and the DR bucket keeps its own default, which may be stronger (SSE-KMS
from dest_kms_key_id, DSSE-KMS): the clone does not overwrite it and drift calls it in sync. A
source with a KMS default is a choice: the DR bucket gets it, the key mapped through kms_key_map.
"""

from __future__ import annotations

import copy

from ..errors import absent_on
from .base import Category

SSE_S3 = "AES256"
# S3's own default (SSE-S3) since January 2023: what the secure baseline asks for where nothing else is chosen.
DEFAULT_ENCRYPTION = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": SSE_S3}, "BucketKeyEnabled": False}]


class Encryption(Category):
    name = "encryption"
    baseline_gap = "default encryption"

    def read(self, s3, bucket):
        response = absent_on(("ServerSideEncryptionConfigurationNotFoundError",), s3.get_bucket_encryption, Bucket=bucket)
        return response["ServerSideEncryptionConfiguration"]["Rules"] if response else None

    def normalize(self, value):
        if value is None:
            return None
        # S3 reports BucketKeyEnabled: false where it was never set.
        return [{**rule, "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled"))} for rule in value]

    def rewrite(self, value, context):
        rules = copy.deepcopy(value)
        for rule in rules:
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            if default.get("KMSMasterKeyID"):
                default["KMSMasterKeyID"] = context.map_kms_key(default["KMSMasterKeyID"], "default encryption")
        return rules

    def desired_given_dest(self, desired, dest_value):
        if dest_value and (desired is None or all(
                rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") == SSE_S3 for rule in desired)):
            return dest_value
        return desired

    def secure_baseline(self, desired, dest_value, context):
        return desired if desired is not None else (dest_value or copy.deepcopy(DEFAULT_ENCRYPTION))

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": value})

    def delete(self, s3, bucket, current):
        s3.delete_bucket_encryption(Bucket=bucket)
