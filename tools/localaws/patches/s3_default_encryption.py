"""Every bucket has default encryption: SSE-S3 unless another default was put.

Upstream gap (moto 5.2.5, ``FakeBucket.encryption``): a new bucket has no default encryption, so
GetBucketEncryption answers ServerSideEncryptionConfigurationNotFoundError, and so does it after
DeleteBucketEncryption. Since 5 January 2023 S3 "applies server-side encryption with Amazon S3
managed keys (SSE-S3) as the base level of encryption for every bucket" (User Guide,
default-bucket-encryption; API reference, ``DeleteBucketEncryption``: "This implementation of the
DELETE action resets the default encryption for the bucket as server-side encryption with Amazon
S3 managed keys (SSE-S3)"). This patch gives every new bucket that default (AES256, bucket key
off) and makes DeleteBucketEncryption put it back; moto then also encrypts new objects with
AES256 by default, as S3 does.
"""
from __future__ import annotations

NAME = "s3_default_encryption"


def sse_s3_default() -> dict:
    """The configuration as moto keeps a put one (``_encryption_config_from_body``)."""
    return {"Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}}


def apply() -> None:
    from moto.s3.models import FakeBucket, S3Backend

    original_init = FakeBucket.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.encryption = sse_s3_default()

    def delete_bucket_encryption(self, bucket_name: str) -> None:
        self.get_bucket(bucket_name).encryption = sse_s3_default()

    FakeBucket.__init__ = __init__
    S3Backend.delete_bucket_encryption = delete_bucket_encryption
