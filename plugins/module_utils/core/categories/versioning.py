# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Versioning: always Enabled on a DR bucket (replication needs it); MFA delete needs a person."""

from __future__ import annotations

from .base import Category


class Versioning(Category):
    name = "versioning"

    def read(self, s3, bucket):
        response = s3.get_bucket_versioning(Bucket=bucket)
        return {key: response[key] for key in ("Status", "MFADelete") if key in response} or None

    def normalize(self, value):
        return (value or {}).get("Status")

    def rewrite(self, value, context):
        if (value or {}).get("MFADelete") == "Enabled":
            context.skipped.append("versioning MFA delete is not automatable (it needs the root user's MFA device); "
                                   "enable it on the DR bucket by hand")
        if value.get("Status") != "Enabled":
            context.skipped.append(f"versioning is {value.get('Status')} on the source; the DR bucket keeps it Enabled, "
                                   "which replication needs; enable it on the source for replication to run")
        return {"Status": "Enabled"}

    def rewrite_absent(self, context):
        # S3 cannot return a bucket to unversioned, and replication needs versioning on both sides.
        context.skipped.append("versioning was never enabled on the source; the DR bucket keeps it Enabled, which "
                               "replication needs (a bucket cannot return to unversioned)")
        return {"Status": "Enabled"}

    def secure_baseline(self, desired, dest_value, context):
        return {"Status": "Enabled"}

    def apply(self, s3, bucket, value, current):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": value["Status"]})

    def delete(self, s3, bucket, current):
        """Never: a DR bucket without versioning cannot receive replicas."""
