"""GetBucketLogging returns the logging configuration as it was put.

Upstream gap (moto 5.2.5, ``S3Response.get_bucket_logging``): the response is rebuilt from
TargetBucket, TargetPrefix and moto's ``FakeGrant`` objects only, so ``TargetObjectKeyFormat``
(``SimplePrefix`` or ``PartitionedPrefix`` with its ``PartitionDateSource``) is dropped, and every
target grantee comes back as ``CanonicalUser`` with empty ``ID``/``URI``/``DisplayName`` padding
(an ``AmazonCustomerByEmail`` grantee loses its type and its ``EmailAddress``). moto still parses
and checks every PUT (the target bucket must exist in the same Region and grant the log delivery
service, as S3 requires); this patch also keeps the ``LoggingEnabled`` document as sent, tied to
the configuration moto stored, and serializes that, as S3 does.
"""
from __future__ import annotations

from dataclasses import dataclass

import xmltodict

from ._s3 import S3_XMLNS

NAME = "s3_logging_roundtrip"


@dataclass
class StoredLogging:
    model_config: dict  # the configuration moto stored for this document (replaced on every put)
    logging_enabled: dict


def apply() -> None:
    from moto.s3.responses import S3Response

    original_put = S3Response._bucket_response_put
    original_get = S3Response.get_bucket_logging

    def _bucket_response_put(self, request, bucket_name, querystring):
        response = original_put(self, request, bucket_name, querystring)  # moto validates and stores its model
        if "logging" not in querystring or (isinstance(response, tuple) and int(response[0]) >= 300):
            return response
        bucket = self.backend.get_bucket(bucket_name)
        logging_enabled = (xmltodict.parse(self.body)["BucketLoggingStatus"] or {}).get("LoggingEnabled")
        if bucket.logging and logging_enabled:
            logging_enabled.setdefault("TargetPrefix", "")  # as moto defaults it
            bucket.localaws_logging = StoredLogging(bucket.logging, logging_enabled)
        return response

    def get_bucket_logging(self):
        bucket = self.backend.get_bucket(self.bucket_name)
        stored = getattr(bucket, "localaws_logging", None)
        if not bucket.logging or stored is None or stored.model_config is not bucket.logging:
            return original_get(self)  # logging off, or set without this endpoint
        self.data["Action"] = "GetBucketLogging"
        return xmltodict.unparse({"BucketLoggingStatus": {"@xmlns": S3_XMLNS, "LoggingEnabled": stored.logging_enabled}})

    S3Response._bucket_response_put = _bucket_response_put
    S3Response.get_bucket_logging = get_bucket_logging
