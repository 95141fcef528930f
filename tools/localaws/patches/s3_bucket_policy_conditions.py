"""Bucket policy statements with a Condition are not enforced by the local endpoint.

Upstream gap (moto 5.2.5, ``FakeBucket.get_permission`` -> ``IAMPolicyStatement``): moto has no
request context (aws:SecureTransport, aws:SourceVpce, ...) and skips condition operators it does
not know (``Bool`` among them), so it treats a conditional statement as unconditional. The
standard TLS-only statement (``Deny s3:* if aws:SecureTransport is false``) then denies every
object write, although on AWS it never matches an SDK request (they all use TLS). Rather than
guess a context, this patch evaluates bucket policies without their conditional statements: the
local endpoint enforces unconditional Allow/Deny statements only, and says so here.
"""
from __future__ import annotations

import json

NAME = "s3_bucket_policy_conditions"


def apply() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy)
        statements = document.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        applicable = [statement for statement in statements if not statement.get("Condition")]
        if not applicable:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission
