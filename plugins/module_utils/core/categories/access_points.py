# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access points of the bucket: recreated for the DR bucket under the same names in the DR Region.

An application that fails over reaches the DR bucket through its access points as much as through the
bucket itself. Names are unique per account and Region, so each source access point keeps its name; its
policy has the source bucket and the source Region's access point ARNs rewritten, a VPC-restricted one
needs its VPC in policy_value_map (VPCs are Region-bound). A VPC or Block Public Access setting cannot
change after creation (S3 User Guide, access point restrictions), so a DR access point that differs in
them is deleted and created again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import absent_on, error_code
from ..policies import canonical_policy
from .base import Category, Unmapped
from .policy import Policy

ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}


@dataclass
class ControlPlane:
    """The S3 Control client of one Region, with the account every S3 Control call names."""
    client: Any
    account_id: str
    region: str


class AccessPointNameTaken(Exception):
    """CreateAccessPoint refused a name another bucket's access point has in the DR Region (AWS says only
    'you already own it'); carries the AWS error code with a message that names the other bucket."""

    def __init__(self, message: str):
        super().__init__(message)
        self.response = {"Error": {"Code": "AccessPointAlreadyOwnedByYou", "Message": message}}


class AccessPoints(Category):
    name = "access-points"

    def client(self, clients, region, account_id):
        return ControlPlane(clients("s3control", region), account_id, region)

    def read(self, s3, bucket):
        control, points = s3, {}
        request = {"AccountId": control.account_id, "Bucket": bucket}
        while True:
            page = control.client.list_access_points(**request)
            for listed in page.get("AccessPointList", []):
                name = listed["Name"]
                details = control.client.get_access_point(AccountId=control.account_id, Name=name)
                policy = absent_on(("NoSuchAccessPointPolicy",), control.client.get_access_point_policy,
                                   AccountId=control.account_id, Name=name)
                points[name] = {
                    "VpcId": (details.get("VpcConfiguration") or {}).get("VpcId"),
                    "PublicAccessBlock": details.get("PublicAccessBlockConfiguration") or dict(ALL_BLOCKED),
                    "Policy": json.loads(policy["Policy"]) if policy else None,
                }
            if not page.get("NextToken"):
                return points or None
            request["NextToken"] = page["NextToken"]

    def normalize(self, value):
        if not value:
            return None
        return {name: {"VpcId": point.get("VpcId"),
                       "PublicAccessBlock": {key: str((point.get("PublicAccessBlock") or {}).get(key, True)).lower() == "true"
                                             for key in ALL_BLOCKED},
                       "Policy": json.loads(canonical_policy(point["Policy"])) if point.get("Policy") else None}
                for name, point in value.items()}

    def rewrite(self, value, context):
        carried = {}
        for name, point in value.items():
            try:
                carried[name] = self._rewrite_one(name, point, context)
            except Unmapped as problem:
                message = f"access point {name}: {problem}"
                if context.on_unmapped == "fail":
                    raise Unmapped(message) from problem
                context.skipped.append(message)
        return carried or None

    @staticmethod
    def _rewrite_one(name, point, context):
        vpc = point.get("VpcId")
        if vpc and vpc not in context.policy_value_map:
            raise Unmapped(f"it is reachable only from VPC {vpc}, which exists in {context.source_region} only; "
                           f"map it to a VPC of {context.dest_region} in policy_value_map")
        policy = Policy().rewrite(point["Policy"], context) if point.get("Policy") else None
        return {"VpcId": context.policy_value_map[vpc] if vpc else None,
                "PublicAccessBlock": dict(point.get("PublicAccessBlock") or ALL_BLOCKED), "Policy": policy}

    def apply(self, s3, bucket, value, current):
        control, current = s3, dict(current or {})
        wanted, have = self.normalize(value) or {}, self.normalize(current) or {}
        for name, point in value.items():
            if name in have and {key: have[name][key] for key in ("VpcId", "PublicAccessBlock")} != {
                    key: wanted[name][key] for key in ("VpcId", "PublicAccessBlock")}:
                self._delete_one(control, name)  # neither can change after creation
                have.pop(name)
            if name not in have:
                self._create_one(control, name, bucket, point)
                have[name] = {"Policy": None}
            if wanted[name]["Policy"] != have[name]["Policy"]:
                if point.get("Policy"):
                    control.client.put_access_point_policy(AccountId=control.account_id, Name=name,
                                                           Policy=json.dumps(point["Policy"]))
                else:
                    control.client.delete_access_point_policy(AccountId=control.account_id, Name=name)
        for name in set(current) - set(value):
            self._delete_one(control, name)

    def delete(self, s3, bucket, current):
        for name in current or {}:
            self._delete_one(s3, name)

    @staticmethod
    def _create_one(control, name, bucket, point):
        try:
            control.client.create_access_point(
                AccountId=control.account_id, Name=name, Bucket=bucket,
                PublicAccessBlockConfiguration=point["PublicAccessBlock"],
                **({"VpcConfiguration": {"VpcId": point["VpcId"]}} if point.get("VpcId") else {}))
        except Exception as error:
            if error_code(error) != "AccessPointAlreadyOwnedByYou":
                raise
            owner = control.client.get_access_point(AccountId=control.account_id, Name=name)["Bucket"]
            raise AccessPointNameTaken(
                f"access point name {name} is already used in {control.region} by bucket {owner}; rename or delete "
                f"that access point, or leave access-points out of the clone") from error

    @staticmethod
    def _delete_one(control, name):
        control.client.delete_access_point(AccountId=control.account_id, Name=name)
