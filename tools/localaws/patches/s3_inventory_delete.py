"""DeleteBucketInventoryConfiguration deletes the configuration, not the bucket.

Upstream gap (moto 5.2.5, ``S3Response._bucket_response_delete``): there is no ``inventory``
branch, so ``DELETE /bucket?inventory&id=x`` falls through to DeleteBucket and removes the whole
(empty) bucket with a 204. S3 deletes the one configuration (204) or answers 404
NoSuchConfiguration for an unknown id.
"""
from __future__ import annotations

from ._s3 import error_response

NAME = "s3_inventory_delete"


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_delete

    def _bucket_response_delete(self, bucket_name, querystring):
        if "inventory" not in querystring:
            return original(self, bucket_name, querystring)
        self._set_action("BUCKET", "DELETE", querystring)
        self._authenticate_and_authorize_s3_action(bucket_name=bucket_name)
        bucket = self.backend.get_bucket(bucket_name)
        config_id = querystring.get("id", [None])[0]
        if config_id not in bucket.inventory_configs:
            return error_response(404, "NoSuchConfiguration", "The specified configuration does not exist.", bucket_name)
        del bucket.inventory_configs[config_id]
        return 204, {}, ""

    S3Response._bucket_response_delete = _bucket_response_delete
