"""Multi-Region Access Points are created and deleted asynchronously, over buckets in their real Regions.

Upstream gap (moto 5.2.5, ``moto/s3control/models.py``): CreateMultiRegionAccessPoint and
DeleteMultiRegionAccessPoint are done the moment they are asked for (status READY at once, the
operation SUCCEEDED at once), every bucket is reported in us-east-1 (the lookup skips the partition
key the S3 backends are stored under), a bucket that does not exist is accepted, and the alias is
``<name>-<hex>.mrap``.

AWS (S3 API Reference, CreateMultiRegionAccessPoint, DeleteMultiRegionAccessPoint,
DescribeMultiRegionAccessPointOperation, MultiRegionAccessPointReport, RegionReport): "This request
is asynchronous, meaning that you might receive a response before the command has completed"; the
request token is watched with DescribeMultiRegionAccessPointOperation, whose RequestStatus is
INPROGRESS until it is SUCCEEDED or FAILED; the access point's Status is CREATING / DELETING while
the request propagates, then READY (or gone); each RegionReport names the bucket, its Region and
BucketAccountId; the alias matches ``^[a-z][a-z0-9]*[.]mrap$``.

Here an operation completes ``LOCALAWS_MRAP_DELAY_MS`` milliseconds (default 500) after it was
asked for; a create naming a bucket that does not exist FAILS (ErrorDetails, no access point).
"""
from __future__ import annotations

import os
import time

NAME = "s3control_mrap_async"
DELAY_ENV = "LOCALAWS_MRAP_DELAY_MS"
DEFAULT_DELAY_MS = 500


def delay_seconds() -> float:
    return int(os.environ.get(DELAY_ENV, DEFAULT_DELAY_MS)) / 1000


def find_bucket(bucket_name: str):
    """The moto S3 bucket of that name in any account, or None."""
    from moto.s3.models import s3_backends

    for account_id in list(s3_backends.keys()):
        for backend in list(s3_backends[account_id].values()):
            bucket = backend.buckets.get(bucket_name)
            if bucket is not None:
                return bucket
    return None


def apply() -> None:
    from moto.moto_api._internal import mock_random
    from moto.s3control import models

    class PendingOperation(models.MultiRegionAccessPointOperation):
        """An operation that is INPROGRESS until ``done_at``, then ``final_status``."""

        def __init__(self, *args, final_status: str = "SUCCEEDED", error: dict | None = None, **kwargs):
            super().__init__(*args, **kwargs)
            self.done_at = time.monotonic() + delay_seconds()
            self.final_status = final_status
            self.error = error

        @property
        def request_status(self) -> str:
            return self.final_status if time.monotonic() >= self.done_at else "INPROGRESS"

        @request_status.setter
        def request_status(self, _value) -> None:  # moto's __init__ sets it; the clock decides here
            pass

        def to_dict(self):
            response = super().to_dict()
            if self.error and self.request_status == "FAILED":
                response["ResponseDetails"] = {"ErrorDetails": self.error}
            return response

    class PendingAccessPoint(models.MultiRegionAccessPoint):
        """CREATING until ``ready_at``; DELETING from ``delete_asked`` on."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.alias = f"{mock_random.get_random_string(length=13, lower_case=True)}.mrap"
            if not self.alias[0].isalpha():
                self.alias = "m" + self.alias[1:]
            self.ready_at = time.monotonic() + delay_seconds()
            self.deleting = False

        @property
        def status(self) -> str:
            if self.deleting:
                return "DELETING"
            return "READY" if time.monotonic() >= self.ready_at else "CREATING"

        @status.setter
        def status(self, _value) -> None:
            pass

    def forget_deleted(backend, account_id: str) -> None:
        points = backend.multi_region_access_points[account_id]
        for name, point in list(points.items()):
            if point.deleting and time.monotonic() >= point.gone_at:
                del points[name]

    def create_multi_region_access_point(self, account_id, name, public_access_block, regions, region_name):
        forget_deleted(self, account_id)
        if name in self.multi_region_access_points[account_id]:
            raise models.InvalidRequestException(f"Multi-Region Access Point {name} already exists")
        reports, missing = [], []
        for region in regions:
            bucket = find_bucket(region.get("Bucket", ""))
            if bucket is None:
                missing.append(region.get("Bucket", ""))
                continue
            reports.append({"Bucket": bucket.name, "Region": bucket.region_name,
                            "BucketAccountId": region.get("BucketAccountId") or bucket.account_id})
        details = {"Regions": reports, "PublicAccessBlock": public_access_block}
        if missing:
            operation = PendingOperation(
                account_id=account_id, operation="CreateMultiRegionAccessPoint", region_name=region_name, name=name,
                details={**details, "Regions": regions}, final_status="FAILED",
                error={"Code": "NoSuchBucket", "Message": f"The specified bucket does not exist: {', '.join(missing)}"})
        else:
            self.multi_region_access_points[account_id][name] = PendingAccessPoint(
                name=name, public_access_block=public_access_block, regions=reports)
            operation = PendingOperation(account_id=account_id, operation="CreateMultiRegionAccessPoint",
                                         region_name=region_name, name=name, details=details)
        self.mrap_operations[account_id][operation.request_token_arn] = operation
        return operation

    def delete_multi_region_access_point(self, account_id, name, region_name):
        forget_deleted(self, account_id)
        point = self.multi_region_access_points[account_id].get(name)
        if point is None or point.deleting:
            raise models.MultiRegionAccessPointNotFound(name)
        point.deleting = True
        point.gone_at = time.monotonic() + delay_seconds()
        operation = PendingOperation(account_id=account_id, operation="DeleteMultiRegionAccessPoint",
                                     region_name=region_name, name=name)
        self.mrap_operations[account_id][operation.request_token_arn] = operation
        return operation

    original_get = models.S3ControlBackend.get_multi_region_access_point
    original_list = models.S3ControlBackend.list_multi_region_access_points

    def get_multi_region_access_point(self, account_id, name):
        forget_deleted(self, account_id)
        return original_get(self, account_id, name)

    def list_multi_region_access_points(self, account_id, *args, **kwargs):
        forget_deleted(self, account_id)
        return original_list(self, account_id, *args, **kwargs)

    models.S3ControlBackend.create_multi_region_access_point = create_multi_region_access_point
    models.S3ControlBackend.delete_multi_region_access_point = delete_multi_region_access_point
    models.S3ControlBackend.get_multi_region_access_point = get_multi_region_access_point
    models.S3ControlBackend.list_multi_region_access_points = list_multi_region_access_points
