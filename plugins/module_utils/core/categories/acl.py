# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket ACL grants; the owner's own grant is written for whoever owns the DR bucket."""

from __future__ import annotations

from .base import Category

OWNER = "<bucket owner>"


class Acl(Category):
    name = "acl"

    def read(self, s3, bucket):
        response = s3.get_bucket_acl(Bucket=bucket)
        return {"Owner": response.get("Owner", {}).get("ID"), "Grants": response.get("Grants", [])}

    def normalize(self, value):
        if value is None:
            return None
        grants = _with_owner(value["Grants"], value["Owner"], OWNER)
        return sorted(grants, key=lambda grant: repr(sorted(grant["Grantee"].items())) + grant["Permission"])

    def unsupported(self, source_value, dest_value, dest_bucket):
        if dest_value("ownership-controls") == "BucketOwnerEnforced":
            return "ACLs are disabled on the DR bucket (object ownership BucketOwnerEnforced); access is granted by policy"
        return None

    def rewrite(self, value, context):
        others = sorted({grant["Grantee"]["ID"] for grant in value["Grants"]
                         if grant["Grantee"].get("ID") and grant["Grantee"]["ID"] != value["Owner"]})
        if others:
            context.skipped.append(f"acl grants to other accounts' canonical IDs are carried as they are: {', '.join(others)}")
        return {"Owner": OWNER, "Grants": _with_owner(value["Grants"], value["Owner"], OWNER)}

    def apply(self, s3, bucket, value, current):
        owner = current["Owner"] if current else s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
        s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Grants": _with_owner(value["Grants"], OWNER, owner),
                                                              "Owner": {"ID": owner}})

    def delete(self, s3, bucket, current):
        s3.put_bucket_acl(Bucket=bucket, ACL="private")


def _with_owner(grants, old_owner, new_owner):
    """The grants with the bucket owner's canonical ID swapped (each account's owner ID differs)."""
    swapped = []
    for grant in grants:
        grantee = {key: item for key, item in grant["Grantee"].items() if key in ("Type", "ID", "URI", "EmailAddress")}
        if grantee.get("ID") == old_owner:
            grantee["ID"] = new_owner
        swapped.append({"Grantee": grantee, "Permission": grant["Permission"]})
    return swapped
