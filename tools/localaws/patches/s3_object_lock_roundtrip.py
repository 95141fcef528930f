"""GetObjectLockConfiguration returns the default retention period as it was put.

Upstream gap (moto 5.2.5, ``S3Response.get_object_lock_configuration``): moto stores an absent
``Days`` or ``Years`` as 0 and serializes both, so a ``DefaultRetention`` of ``Days: 30`` reads back
as ``Days: 30, Years: 0`` (and ``Years: 1`` as ``Days: 0, Years: 1``). S3 accepts exactly one of the
two, a positive integer, and returns only that one. This patch leaves out the period moto stored as 0.
"""
from __future__ import annotations

NAME = "s3_object_lock_roundtrip"


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.responses import S3Response

    def get_object_lock_configuration(self):
        # Raises ObjectLockConfigurationNotFoundError for a bucket without Object Lock, as moto does.
        lock_enabled, mode, days, years = self.backend.get_object_lock_configuration(self.bucket_name)
        configuration = {"ObjectLockEnabled": "Enabled" if lock_enabled else "Disabled"}
        if mode:
            retention = {"Mode": mode, "Days": days, "Years": years}
            configuration["Rule"] = {"DefaultRetention": {key: value for key, value in retention.items() if value}}
        self.data["Action"] = "GetObjectLockConfiguration"
        return self.serialized(ActionResult({"ObjectLockConfiguration": configuration}))

    S3Response.get_object_lock_configuration = get_object_lock_configuration
