"""GetBucketAccelerateConfiguration answers ``Suspended`` once Suspended was put, as S3 documents.

Upstream gap (moto 5.2.5, ``FakeBucket.set_accelerate_configuration``): putting ``Suspended`` on a
bucket whose acceleration was never enabled is silently ignored, so the GET answers no ``Status``.
The S3 API reference says the GET omits the state only when "a state has never been set on the
bucket", and PutBucketAccelerateConfiguration sets it to Enabled or Suspended. This patch stores the
status as put. moto's checks (``Enabled``/``Suspended`` only, no dots in the bucket name) stay in
``S3Backend.put_bucket_accelerate_configuration``, before this.
"""
from __future__ import annotations

NAME = "s3_accelerate_roundtrip"


def apply() -> None:
    from moto.s3.models import FakeBucket

    def set_accelerate_configuration(self, accelerate_config: str) -> None:
        self.accelerate_configuration = accelerate_config

    FakeBucket.set_accelerate_configuration = set_accelerate_configuration
