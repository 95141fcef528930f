# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Multi-Region Access Point (MRAP) over a DR pair: one global endpoint, active/passive routes, two-way replication.

AWS serves Multi-Region Access Points from two control planes (S3 User Guide, "Multi-Region Access
Point restrictions and limitations"; S3 API Reference):

- management (create, get, list, delete, describe the asynchronous operation) is always served by
  US West (Oregon): ``MANAGEMENT_REGION``;
- routes (GetMultiRegionAccessPointRoutes, SubmitMultiRegionAccessPointRoutes: the failover controls)
  by any of five Regions, ``ROUTE_CONTROL_REGIONS``, whatever Regions the buckets are in. A failover
  must not depend on the Region it moves away from, so ``route_to`` asks a Region that is not the
  passive buckets' (see ``control_region_for``).

``apply_mrap(clients, spec, check_mode)`` makes the pair's MRAP exist (or not) with the routes asked
for and the two-way replication a failover needs: the pair's own rules (source -> DR) and a reverse
rule (DR -> source), both with replica modification sync, written by ``crr.apply_crr``.
``find_pair_mrap`` and ``route_to`` are what the failover and failback playbooks call.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from . import buckets, crr, replication, validation
from .errors import DRError, describe_error, error_code, invalid_input, named_errors
from .naming import dr_bucket_name, mrap_name_for, mrap_name_problem, pair_name_problems
from .result import Result

MANAGEMENT_REGION = "us-west-2"
ROUTE_CONTROL_REGIONS = ("us-east-1", "us-west-2", "ap-southeast-2", "ap-northeast-1", "eu-west-1")
ACTIVE, PASSIVE = 100, 0
DEFAULT_REVERSE_RULE_ID = "dr-failback"
DEFAULT_WAIT_TIMEOUT = 1800  # AWS: creating an MRAP usually takes minutes, and can take much longer
POLL_SECONDS = (0.2, 15.0)  # first and longest wait between DescribeMultiRegionAccessPointOperation calls


@dataclass
class MrapSpec:
    source_bucket: str
    dest_bucket: str | None = None
    dest_suffix: str = "-dr"
    name: str | None = None
    active: str = "source"  # which bucket's route is active: source or dest
    two_way_replication: bool = True
    rules: list[dict[str, Any]] | None = None  # the pair's source -> DR rules (s3_crr_enable's), default rule dr
    reverse_rule_id: str = DEFAULT_REVERSE_RULE_ID
    role_arn: str | None = None
    reverse_role_arn: str | None = None
    control_region: str | None = None
    wait_timeout: int = DEFAULT_WAIT_TIMEOUT
    state: str = "present"

    @property
    def resolved_dest_bucket(self) -> str:
        return self.dest_bucket or dr_bucket_name(self.source_bucket, self.dest_suffix)

    @property
    def resolved_name(self) -> str:
        return self.name or mrap_name_for(self.source_bucket)


def spec_problems(spec: MrapSpec) -> list[str]:
    problems = pair_name_problems(spec.source_bucket, spec.dest_bucket, spec.dest_suffix)
    problems.append(mrap_name_problem(spec.resolved_name))
    if spec.active not in ("source", "dest"):
        problems.append(f"active must be source or dest, not {spec.active!r}")
    if spec.control_region is not None and spec.control_region not in ROUTE_CONTROL_REGIONS:
        problems.append(f"control_region {spec.control_region!r} serves no Multi-Region Access Point routes; use one of "
                        f"{', '.join(ROUTE_CONTROL_REGIONS)}")
    if spec.wait_timeout < 0:
        problems.append(f"wait_timeout must be 0 or more seconds, not {spec.wait_timeout}")
    if spec.state == "present" and spec.two_way_replication:
        rule_ids = {rule.get("id") for rule in spec.rules or replication.default_rules()}
        if spec.reverse_rule_id in rule_ids:
            problems.append(f"reverse_rule_id {spec.reverse_rule_id!r} is also the id of a source -> DR rule; "
                            "give the reverse rule its own id")
    return [problem for problem in problems if problem]


# ---------------------------------------------------------------- reading


def mrap_arn(account_id: str, alias: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3::{account_id}:accesspoint/{alias}"


def _partition(region: str) -> str:
    return validation.partition_of(region) or "aws"


def get_mrap(clients, account_id: str, name: str, management_region: str = MANAGEMENT_REGION) -> dict | None:
    """GetMultiRegionAccessPoint as ``{name, alias, arn, status, regions: [{bucket, region}]}``, or None."""
    try:
        point = clients("s3control", management_region).get_multi_region_access_point(
            AccountId=account_id, Name=name)["AccessPoint"]
    except Exception as error:
        if error_code(error) == "NoSuchMultiRegionAccessPoint":
            return None
        raise
    return _described(point, account_id, management_region)


def _described(point: dict, account_id: str, management_region: str) -> dict:
    return {"name": point["Name"], "alias": point["Alias"],
            "arn": mrap_arn(account_id, point["Alias"], _partition(management_region)), "status": point.get("Status"),
            "regions": [{"bucket": region["Bucket"], "region": region.get("Region")}
                        for region in point.get("Regions", [])]}


def get_routes(clients, account_id: str, mrap: dict, control_region: str) -> list[dict]:
    """The routes, ``[{bucket, region, traffic_dial_percentage}]`` in the access point's order, from ``control_region``."""
    routes = clients("s3control", control_region).get_multi_region_access_point_routes(
        AccountId=account_id, Mrap=mrap["arn"])["Routes"]
    by_bucket = {route["Bucket"]: route for route in routes}
    ordered = [by_bucket.pop(region["bucket"]) for region in mrap.get("regions", []) if region["bucket"] in by_bucket]
    return [{"bucket": route["Bucket"], "region": route.get("Region"),
             "traffic_dial_percentage": int(route["TrafficDialPercentage"])} for route in ordered + list(by_bucket.values())]


def find_pair_mrap(clients, account_id: str, source_bucket: str, dest_bucket: str, control_region: str | None = None,
                   management_region: str = MANAGEMENT_REGION) -> dict | None:
    """The Multi-Region Access Point over exactly these two buckets, or None.

    ``{name, alias, arn, status, regions: [{bucket, region}], routes: [{bucket, region, traffic_dial_percentage}]}``;
    ``routes`` is empty while the access point is not READY. The access point is found by listing from
    ``management_region`` (AWS: US West (Oregon)); its routes are read from ``control_region``, by default one of
    the five route control Regions not holding either bucket when there is one (``control_region_for``).
    Listing needs US West (Oregon): when that is the Region that is down, call ``route_to`` with the access point
    as ``s3_dr_mrap`` returned it earlier (``{"arn": ..., "regions": [{"bucket", "region"}, ...]}`` is enough).
    """
    control = clients("s3control", management_region)
    found, token = [], None
    while True:
        page = control.list_multi_region_access_points(AccountId=account_id, **({"NextToken": token} if token else {}))
        found += [point for point in page.get("AccessPoints", [])
                  if sorted(region["Bucket"] for region in point.get("Regions", [])) == sorted([source_bucket, dest_bucket])]
        token = page.get("NextToken")
        if not token:
            break
    if not found:
        return None
    # Two access points over the same pair: the one named as this collection names it, else the oldest.
    found.sort(key=lambda point: (point["Name"] != mrap_name_for(source_bucket), str(point.get("CreatedAt", ""))))
    mrap = _described(found[0], account_id, management_region)
    mrap["routes"] = []
    if mrap["status"] == "READY":
        region = control_region or control_region_for(mrap, active_bucket=None)
        mrap["routes"] = get_routes(clients, account_id, mrap, region)
    return mrap


def control_region_for(mrap: dict, active_bucket: str | None) -> str:
    """Where to send route calls: a route control Region that holds none of the buckets that are to be passive.

    The active bucket's own Region when it is one of the five (it is the healthy side of a failover),
    else the first of the five that holds no other bucket of the access point, else us-east-1.
    """
    regions = {item["bucket"]: item.get("region") for item in mrap.get("regions") or mrap.get("routes") or []}
    if active_bucket and regions.get(active_bucket) in ROUTE_CONTROL_REGIONS:
        return regions[active_bucket]
    avoided = {region for bucket, region in regions.items() if bucket != active_bucket}
    return next((region for region in ROUTE_CONTROL_REGIONS if region not in avoided), ROUTE_CONTROL_REGIONS[0])


# ---------------------------------------------------------------- routes


def route_to(clients, account_id: str, mrap: dict, active_bucket: str, check_mode: bool = False,
             control_region: str | None = None) -> bool:
    """Make ``active_bucket`` the access point's one active route (100) and every other route passive (0).

    Returns True when the routes changed (in check mode: would change). Reads and writes only the route control
    plane of ``control_region`` (default ``control_region_for(mrap, active_bucket)``: never a passive bucket's
    Region when avoidable), so it works while the other bucket's Region is unreachable. One
    SubmitMultiRegionAccessPointRoutes call changes both routes together.
    """
    buckets_of = [item["bucket"] for item in mrap.get("regions") or mrap.get("routes") or []]
    if active_bucket not in buckets_of:
        raise DRError(f"Bucket {active_bucket} is not behind Multi-Region Access Point {mrap.get('name') or mrap['arn']} "
                      f"(its buckets: {', '.join(buckets_of)}); route to one of those.", bucket=active_bucket)
    region = control_region or control_region_for(mrap, active_bucket)
    try:
        current = {route["bucket"]: route["traffic_dial_percentage"]
                   for route in get_routes(clients, account_id, mrap, region)}
        desired = {bucket: ACTIVE if bucket == active_bucket else PASSIVE for bucket in current}
        if current == desired:
            return False
        if not check_mode:
            clients("s3control", region).submit_multi_region_access_point_routes(
                AccountId=account_id, Mrap=mrap["arn"],
                RouteUpdates=[{"Bucket": bucket, "TrafficDialPercentage": percentage}
                              for bucket, percentage in desired.items()])
    except DRError:
        raise
    except Exception as error:
        raise DRError(f"Bucket {active_bucket}: cannot route Multi-Region Access Point {mrap.get('name') or mrap['arn']} "
                      f"to it through the failover controls of {region}: {describe_error(error)}. Another of "
                      f"{', '.join(ROUTE_CONTROL_REGIONS)} can be asked instead (control_region).",
                      bucket=active_bucket, region=region, cause=error) from error
    return True


# ---------------------------------------------------------------- the pair's access point


def apply_mrap(clients, spec: MrapSpec, check_mode: bool = False) -> Result:
    problems = spec_problems(spec)
    if problems:
        raise invalid_input(spec.source_bucket, problems)
    result = Result()
    with named_errors(spec.source_bucket, lambda: result.done(check_mode)):
        (_absent if spec.state == "absent" else _present)(clients, spec, check_mode, result)
    return result


def _account(clients) -> str:
    return clients("sts", MANAGEMENT_REGION).get_caller_identity()["Account"]


def _present(clients, spec: MrapSpec, check_mode: bool, result: Result) -> None:
    source, dest, name = spec.source_bucket, spec.resolved_dest_bucket, spec.resolved_name
    account_id = _account(clients)
    source_region = buckets.source_bucket_region(clients, source)
    dest_region = _dest_region(clients, source, dest)
    active_bucket = source if spec.active == "source" else dest
    existing = get_mrap(clients, account_id, name)
    if existing and sorted(item["bucket"] for item in existing["regions"]) != sorted([source, dest]):
        raise DRError(f"Multi-Region Access Point {name} already exists over {', '.join(i['bucket'] for i in existing['regions'])}, "
                      f"not over {source} and {dest}, and its buckets cannot be changed. Give this pair another name "
                      "(name), or delete that access point.", bucket=source)
    if existing and existing["status"] == "DELETING":
        raise DRError(f"Multi-Region Access Point {name} is being deleted; run again once it is gone.", bucket=source)

    forward = reverse = None
    if spec.two_way_replication:
        # Reads and checks of both directions first (check mode), so bad input leaves nothing half-done.
        forward_spec, reverse_spec = _replication_specs(spec, source_region, dest_region)
        crr.apply_crr(clients, forward_spec, check_mode=True)
        crr.apply_crr(clients, reverse_spec, check_mode=True)

    routes_before = None
    if existing and existing["status"] == "READY":
        routes_before = get_routes(clients, account_id, existing, spec.control_region
                                   or control_region_for(existing, active_bucket))
    result.before = {"name": name, "exists": existing is not None, "status": (existing or {}).get("status"),
                     "buckets": sorted(item["bucket"] for item in (existing or {}).get("regions", [])),
                     "routes": _route_map(routes_before)}

    if spec.two_way_replication:
        forward = crr.apply_crr(clients, forward_spec, check_mode)
        reverse = crr.apply_crr(clients, reverse_spec, check_mode)
        for part in (forward, reverse):
            result.actions.extend(part.actions)
            result.warnings.extend(part.warnings)
            result.changed = result.changed or part.changed

    mrap = existing
    if existing is None:
        result.record(f"create Multi-Region Access Point {name} over {source} ({source_region}) and {dest} ({dest_region})")
        if not check_mode:
            token = clients("s3control", MANAGEMENT_REGION).create_multi_region_access_point(
                AccountId=account_id, ClientToken=uuid.uuid4().hex,
                Details={"Name": name, "PublicAccessBlock": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                             "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
                         "Regions": [{"Bucket": source}, {"Bucket": dest}]})["RequestTokenARN"]
            _wait_for_operation(clients, account_id, token, f"create Multi-Region Access Point {name}", spec.wait_timeout)
            mrap = get_mrap(clients, account_id, name)
    elif existing["status"] != "READY" and not check_mode:
        mrap = _wait_until_ready(clients, account_id, name, spec.wait_timeout)

    regions = (mrap or {}).get("regions") or [{"bucket": source, "region": source_region},
                                              {"bucket": dest, "region": dest_region}]
    route_action = (f"route Multi-Region Access Point {name} to {active_bucket} (100) with "
                    f"{dest if active_bucket == source else source} passive (0)")
    if mrap is None or mrap["status"] != "READY":  # check mode: not created, or not ready, yet (a new one is active-active)
        result.record(route_action)
    elif route_to(clients, account_id, mrap, active_bucket, check_mode,
                  spec.control_region or control_region_for(mrap, active_bucket)):
        result.record(route_action)
    routes_after = [{"bucket": item["bucket"], "region": item["region"],
                     "traffic_dial_percentage": ACTIVE if item["bucket"] == active_bucket else PASSIVE} for item in regions]
    mrap = mrap or {}
    result.after = {"name": name, "exists": True, "status": "READY", "buckets": sorted([source, dest]),
                    "routes": _route_map(routes_after)}
    result.data = {"name": name, "alias": mrap.get("alias"), "arn": mrap.get("arn"), "source_bucket": source,
                   "source_region": source_region, "dest_bucket": dest, "dest_region": dest_region,
                   "active_bucket": active_bucket, "routes": routes_after,
                   "replication": {"forward": forward.data.get("replication_configuration") if forward else None,
                                   "reverse": reverse.data.get("replication_configuration") if reverse else None}}


def _absent(clients, spec: MrapSpec, check_mode: bool, result: Result) -> None:
    source, dest, name = spec.source_bucket, spec.resolved_dest_bucket, spec.resolved_name
    account_id = _account(clients)
    existing = get_mrap(clients, account_id, name)
    if existing and sorted(item["bucket"] for item in existing["regions"]) != sorted([source, dest]):
        raise DRError(f"Multi-Region Access Point {name} is over {', '.join(i['bucket'] for i in existing['regions'])}, "
                      f"not over {source} and {dest}; it is left as it is. Check name.", bucket=source)
    result.before = {"name": name, "exists": existing is not None, "status": (existing or {}).get("status")}
    if existing and existing["status"] != "DELETING":
        result.record(f"delete Multi-Region Access Point {name}")
        if not check_mode:
            token = clients("s3control", MANAGEMENT_REGION).delete_multi_region_access_point(
                AccountId=account_id, ClientToken=uuid.uuid4().hex, Details={"Name": name})["RequestTokenARN"]
            _wait_for_operation(clients, account_id, token, f"delete Multi-Region Access Point {name}", spec.wait_timeout)
    reverse = None
    if spec.two_way_replication:
        # The reverse rule is this module's; the pair's own rules (source -> DR) stay: they are s3_crr_enable's.
        try:
            reverse = crr.remove_rules(clients, crr.CrrSpec(source_bucket=dest, dest_bucket=source, dest_region="",
                                                            rules=[{"id": spec.reverse_rule_id}], state="absent"),
                                       check_mode)
        except DRError as error:
            if error_code(error.cause) != "NoSuchBucket":
                raise
            reverse = None  # no DR bucket, no reverse rule
        if reverse:
            result.actions.extend(reverse.actions)
            result.changed = result.changed or reverse.changed
    result.after = {"name": name, "exists": False, "status": None}
    result.data = {"name": name, "source_bucket": source, "dest_bucket": dest,
                   "replication": {"reverse": reverse.data.get("replication_configuration") if reverse else None}}


def _replication_specs(spec: MrapSpec, source_region: str, dest_region: str) -> tuple[crr.CrrSpec, crr.CrrSpec]:
    """Source -> DR (the pair's rules) and DR -> source (one reverse rule), both with replica modification sync,
    which AWS asks for on both rules of a pair behind a Multi-Region Access Point with failover controls."""
    forward_rules = [{**rule, "replica_modifications": True} for rule in spec.rules or replication.default_rules()]
    forward = crr.CrrSpec(source_bucket=spec.source_bucket, dest_bucket=spec.resolved_dest_bucket,
                          dest_region=dest_region, create_dest_bucket=False, role_arn=spec.role_arn,
                          rules=forward_rules)
    reverse = crr.CrrSpec(source_bucket=spec.resolved_dest_bucket, dest_bucket=spec.source_bucket,
                          dest_region=source_region, create_dest_bucket=False, role_arn=spec.reverse_role_arn,
                          rules=[{"id": spec.reverse_rule_id, "replica_modifications": True}])
    return forward, reverse


def _dest_region(clients, source: str, dest: str) -> str:
    try:
        return buckets.source_bucket_region(clients, dest)
    except DRError as error:
        raise DRError(f"DR bucket {dest} of {source} cannot be used for a Multi-Region Access Point: "
                      f"{error.message.replace('Source bucket', 'bucket')} Set the pair up first (s3_crr_enable).",
                      bucket=source, cause=error.cause) from error


def _route_map(routes: list[dict] | None) -> dict[str, int] | None:
    return None if routes is None else {route["bucket"]: route["traffic_dial_percentage"] for route in routes}


def _wait_for_operation(clients, account_id: str, token: str, what: str, timeout: int) -> None:
    """Poll DescribeMultiRegionAccessPointOperation (bounded) until SUCCEEDED; FAILED is an error with AWS's reason."""
    control = clients("s3control", MANAGEMENT_REGION)
    deadline, delay = time.monotonic() + timeout, POLL_SECONDS[0]
    while True:
        operation = control.describe_multi_region_access_point_operation(
            AccountId=account_id, RequestTokenARN=token)["AsyncOperation"]
        status = operation.get("RequestStatus")
        if status == "SUCCEEDED":
            return
        if status == "FAILED":
            details = (operation.get("ResponseDetails") or {}).get("ErrorDetails") or {}
            raise DRError(f"{what} failed: {details.get('Message') or 'no reason given'} "
                          f"({details.get('Code') or 'FAILED'}); request {token}.")
        if time.monotonic() + delay > deadline:
            raise DRError(f"{what} is still {status} after {timeout}s (request {token}); it goes on in AWS: run again "
                          "later, or raise wait_timeout.")
        time.sleep(delay)
        delay = min(delay * 2, POLL_SECONDS[1])


def _wait_until_ready(clients, account_id: str, name: str, timeout: int) -> dict:
    deadline, delay = time.monotonic() + timeout, POLL_SECONDS[0]
    while True:
        mrap = get_mrap(clients, account_id, name)
        if mrap is None:
            raise DRError(f"Multi-Region Access Point {name} disappeared while it was being created; run again.")
        if mrap["status"] == "READY":
            return mrap
        if mrap["status"] != "CREATING" or time.monotonic() + delay > deadline:
            raise DRError(f"Multi-Region Access Point {name} is {mrap['status']}, not READY; run again later.")
        time.sleep(delay)
        delay = min(delay * 2, POLL_SECONDS[1])
