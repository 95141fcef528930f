"""PutObjectLockConfiguration works on a bucket that already holds objects.

Upstream gap (moto 5.2.5, ``S3Backend.put_object_lock_configuration``): moto refuses with
InvalidBucket "Bucket needs to be empty" as soon as the bucket has an object, so a DR bucket that
has received replicas can never get a new default retention. S3 accepts the call on a versioned
bucket with objects (changing the default retention, or enabling Object Lock on an existing
bucket since November 2023). This patch is moto's function without that check.
"""
from __future__ import annotations

NAME = "s3_object_lock_existing_objects"


def apply() -> None:
    from moto.s3.exceptions import InvalidBucketState
    from moto.s3.models import S3Backend

    def put_object_lock_configuration(self, bucket_name, lock_enabled, mode=None, days=None, years=None):
        bucket = self.get_bucket(bucket_name)
        if not bucket.is_versioned:
            raise InvalidBucketState("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
        if lock_enabled:
            bucket.object_lock_enabled = True
            bucket.versioning_status = "Enabled"
        bucket.default_lock_mode = mode
        bucket.default_lock_days = days
        bucket.default_lock_years = years

    S3Backend.put_object_lock_configuration = put_object_lock_configuration
