"""GetBucketAcl and GetObjectAcl answer every permission of every grantee.

Upstream gap (moto 5.2.5, ``S3Response._acl_to_dict``): moto keeps a grant as several grantees
with several permissions (a canned ACL such as ``log-delivery-write`` or ``public-read-write``, or
an ``x-amz-grant-*`` header naming several grantees), but serializes only the first grantee and
the first permission of each. So ``log-delivery-write`` reads back without the log delivery
group's WRITE, ``public-read-write`` without AllUsers WRITE. S3 answers one ``Grant`` per grantee
and permission; this patch serializes them so.
"""
from __future__ import annotations

NAME = "s3_acl_roundtrip"


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._acl_to_dict

    def _acl_to_dict(acl) -> dict:
        answer = original(acl)  # keeps moto's Owner
        answer["Grants"] = [
            {"Grantee": {"Type": grantee.type, "URI": grantee.uri or None, "ID": grantee.id or None,
                         "DisplayName": grantee.display_name or None},
             "Permission": permission}
            for grant in acl.grants for grantee in grant.grantees for permission in grant.permissions
        ]
        return answer

    S3Response._acl_to_dict = staticmethod(_acl_to_dict)
