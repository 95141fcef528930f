"""Multi-Region Access Points have routes: GetMultiRegionAccessPointRoutes and SubmitMultiRegionAccessPointRoutes.

Upstream gap (moto 5.2.5, ``moto/s3control``): neither call exists (the request answers 404), so an
access point cannot be made active/passive nor failed over.

AWS (S3 API Reference, GetMultiRegionAccessPointRoutes, SubmitMultiRegionAccessPointRoutes,
MultiRegionAccessPointRoute; S3 User Guide, "Amazon S3 Multi-Region Access Points routing states",
"Multi-Region Access Point failover controls errors"):
- both take the access point's ARN ``arn:aws:s3::<account>:accesspoint/<alias>``; an ARN that names
  no access point of the account is 400 Bad Request;
- they are served by the failover control endpoints of five Regions only: us-east-1, us-west-2,
  ap-southeast-2, ap-northeast-1, eu-west-1 (the buckets may be anywhere);
- a route is a bucket, its Region and TrafficDialPercentage: 100 active, 0 passive. A new access point
  is active-active (every route 100). An update names the route by Bucket or Region (both: they must
  agree) and changes only the routes it names;
- "If all Regions in the routing configuration are designated as passive, you'll receive an
  InvalidRequest error."
Routes live on the access point (its ``routes``: bucket -> percentage), read by ``s3_mrap_requests``.
"""
from __future__ import annotations

import re

NAME = "s3control_mrap_routes"
ROUTE_CONTROL_REGIONS = ("us-east-1", "us-west-2", "ap-southeast-2", "ap-northeast-1", "eu-west-1")
MRAP_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):s3::(?P<account>\d{12}):accesspoint/(?P<alias>[a-z][a-z0-9]*\.mrap)$")


def routes_of(access_point) -> dict[str, int]:
    """bucket -> TrafficDialPercentage of an access point (every bucket 100 until routes are submitted)."""
    if not hasattr(access_point, "routes"):
        access_point.routes = {region["Bucket"]: 100 for region in access_point.regions}
    return access_point.routes


def find_by_alias(backend, account_id: str, alias: str):
    return next((point for point in backend.multi_region_access_points[account_id].values() if point.alias == alias),
                None)


def apply() -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.s3control import urls
    from moto.s3control.exceptions import S3ControlError
    from moto.s3control.responses import S3ControlResponse

    class InvalidRequest(S3ControlError):
        code = "InvalidRequest"

        def __init__(self, message: str):
            super().__init__(message)

    class InvalidRouteRegion(S3ControlError):
        code = "InvalidRequest"

        def __init__(self, region: str):
            super().__init__(f"Multi-Region Access Point routes are served from {', '.join(ROUTE_CONTROL_REGIONS)}, "
                             f"not {region}")

    def access_point_for(response):
        if response.region not in ROUTE_CONTROL_REGIONS:
            raise InvalidRouteRegion(response.region)
        account_id = response._get_param("AccountId")
        arn = response._get_param("Mrap") or ""
        match = MRAP_ARN.match(arn)
        point = find_by_alias(response.backend, account_id, match["alias"]) if match and match["account"] == account_id \
            else None
        if point is None or point.status == "DELETING":
            raise InvalidRequest(f"{arn!r} is not the ARN of a Multi-Region Access Point of account {account_id}; "
                                 "use arn:aws:s3::<account-id>:accesspoint/<alias>")
        return arn, point

    def get_multi_region_access_point_routes(self):
        arn, point = access_point_for(self)
        regions = {region["Bucket"]: region["Region"] for region in point.regions}
        routes = [{"Bucket": bucket, "Region": regions[bucket], "TrafficDialPercentage": percentage}
                  for bucket, percentage in routes_of(point).items()]
        return ActionResult({"Mrap": arn, "Routes": routes})

    def submit_multi_region_access_point_routes(self):
        _arn, point = access_point_for(self)
        regions = {region["Bucket"]: region["Region"] for region in point.regions}
        updated = dict(routes_of(point))
        for update in self._get_param("RouteUpdates") or []:
            bucket, region = update.get("Bucket"), update.get("Region")
            if bucket is None:
                bucket = next((name for name, in_region in regions.items() if in_region == region), None)
            if bucket not in regions or (region and regions[bucket] != region):
                raise InvalidRequest(f"Route {update} names no bucket or Region of Multi-Region Access Point "
                                     f"{point.name}")
            percentage = int(update.get("TrafficDialPercentage"))
            if not 0 <= percentage <= 100:
                raise InvalidRequest("TrafficDialPercentage must be 0 to 100")
            updated[bucket] = percentage
        if not any(updated.values()):
            raise InvalidRequest("At least one Region of a Multi-Region Access Point must be active: "
                                 "all routes would be passive")
        point.routes = updated
        return EmptyResult()

    S3ControlResponse.get_multi_region_access_point_routes = get_multi_region_access_point_routes
    S3ControlResponse.submit_multi_region_access_point_routes = submit_multi_region_access_point_routes
    # The ARN holds a slash (accesspoint/<alias>), which the existing <mrap_name> rules do not match.
    urls.url_paths["/v20180820/mrap/instances/<path:mrap>/routes"] = S3ControlResponse.dispatch
