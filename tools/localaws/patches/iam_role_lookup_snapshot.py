"""IAM role lookups do not fail while other requests create roles: they walk a snapshot of the roles.

Upstream gap (moto 5.2.5, ``IAMBackend.get_roles``): it returns the live ``dict.values()`` view, and
``get_role``, ``get_role_by_arn`` and ``create_role``'s duplicate check walk it. The server answers
requests on several threads, so a GetRole walking the roles while a CreateRole adds one raises
``RuntimeError: dictionary changed size during iteration``, answered as a bare ``500 Internal Server
Error`` HTML page (not an AWS error: the SDKs cannot parse it and do not retry it). With 10,000 roles a
walk is long enough to meet a CreateRole: a 10,000-bucket fleet run lost 63 buckets to it. IAM's API
reference has no such failure for GetRole; a 500 from AWS is an ``InternalFailure`` the SDKs retry.
This patch makes ``get_roles`` return a list copied in one step (atomic under the GIL).
"""
from __future__ import annotations

NAME = "iam_role_lookup_snapshot"


def apply() -> None:
    from moto.iam.models import IAMBackend

    def get_roles(self):
        return list(self.roles.values())

    IAMBackend.get_roles = get_roles
