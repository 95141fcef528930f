"""S3 access points belong to one Region, and a name is taken once per account and Region.

Upstream gap (moto 5.2.5, ``moto/s3control``): the S3 Control backend is one per account and
partition, so an access point created in us-east-1 is listed, read and overwritten from every
Region, its ARN always names us-east-1, and CreateAccessPoint with a name already taken replaces
the access point silently (moving it to another bucket).

AWS (S3 User Guide, "Access points naming rules, restrictions, and limitations"): "The same AWS
account may create access points with the same name in different AWS Regions ... However, within a
single AWS Region an AWS account may not have two identically named access points." CreateAccessPoint
answers 409 AccessPointAlreadyOwnedByYou for a name the account already uses in that Region, and an
access point's ARN is ``arn:aws:s3:<region>:<account>:accesspoint/<name>``.

Access point calls are served from a backend per (account, partition, Region), the Region being the
one the request is signed for; other S3 Control calls keep moto's shared backend.
"""
from __future__ import annotations

import threading

NAME = "s3control_regional_access_points"
ACCESS_POINT_CALLS = ("create_access_point", "get_access_point", "delete_access_point", "put_access_point_policy",
                      "get_access_point_policy", "delete_access_point_policy", "get_access_point_policy_status",
                      "list_access_points")


def apply() -> None:
    from moto.s3control.exceptions import S3ControlError
    from moto.s3control.models import S3ControlBackend
    from moto.s3control.responses import S3ControlResponse
    from moto.utilities.utils import get_partition

    class AccessPointAlreadyOwnedByYou(S3ControlError):
        code = "AccessPointAlreadyOwnedByYou"

        def __init__(self, name: str):
            super().__init__(f"Your previous request to create the named accesspoint {name} succeeded and you "
                             "already own it.")

    class RegionalAccessPoints(S3ControlBackend):
        def create_access_point(self, account_id, name, bucket, vpc_configuration, public_access_block_configuration,
                                tags=None):
            if name in self.access_points[account_id]:
                raise AccessPointAlreadyOwnedByYou(name)
            access_point = super().create_access_point(account_id, name, bucket, vpc_configuration,
                                                       public_access_block_configuration, tags)
            access_point.arn = f"arn:{get_partition(self.region_name)}:s3:{self.region_name}:{account_id}:accesspoint/{name}"
            return access_point

    regional: dict[tuple[str, str, str], RegionalAccessPoints] = {}
    lock = threading.Lock()
    shared_backend = S3ControlResponse.backend

    def backend(self):
        if not getattr(self, "_serving_access_point", False):
            return shared_backend.fget(self)
        key = (self.current_account, self.partition, self.region)
        with lock:
            if key not in regional:
                regional[key] = RegionalAccessPoints(self.region, self.current_account)
            return regional[key]

    def serving_access_point(call):
        def serve(self):
            self._serving_access_point = True
            try:
                return call(self)
            finally:
                self._serving_access_point = False
        return serve

    S3ControlResponse.backend = property(backend)
    for name in ACCESS_POINT_CALLS:
        setattr(S3ControlResponse, name, serving_access_point(getattr(S3ControlResponse, name)))
