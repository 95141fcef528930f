"""GetBucketReplication returns the configuration as stored.

Upstream gap (moto 5.2.5, ``S3Response.get_bucket_replication``): the response is rebuilt from
ID/Priority/Status/Destination only, with ``Filter`` forced to ``{"Prefix": ""}`` and
``DeleteMarkerReplication`` forced to Disabled; ``SourceSelectionCriteria``,
``Destination.EncryptionConfiguration``, ``AccessControlTranslation``, ``Account``,
``ReplicationTime``, ``Metrics`` and legacy ``Prefix`` rules are lost. moto does keep the whole
parsed document on the bucket, so this patch serializes that instead, as S3 does.
"""
from __future__ import annotations

import xmltodict

from ._s3 import S3_XMLNS

NAME = "s3_replication_roundtrip"


def apply() -> None:
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    def get_bucket_replication(self):
        self.data["Action"] = "GetBucketReplication"
        stored = self.backend.get_bucket_replication(self.bucket_name)
        if not stored:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        document = {key: value for key, value in stored.items() if not key.startswith("@")}
        return xmltodict.unparse({"ReplicationConfiguration": {"@xmlns": S3_XMLNS, **document}})

    S3Response.get_bucket_replication = get_bucket_replication
