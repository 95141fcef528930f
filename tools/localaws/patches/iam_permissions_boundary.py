"""A role's permissions boundary limits what its sessions may do.

Upstream gap (moto 5.2.5, ``IAMRequestBase.check_action_permitted``): moto stores a role's
``PermissionsBoundary`` but evaluates only the role's inline and attached policies, so a session
may do everything its identity policies allow, beyond the boundary.

This patch applies "Permissions boundaries for IAM entities"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html): the effective
permissions of a role session are the intersection of its identity-based policies and its
boundary; a request the identity policies allow is refused unless the boundary policy (the
managed policy's default version) allows it too, and an explicit Deny in the boundary refuses it.
``sts:GetCallerIdentity`` stays always allowed, as on AWS.

Not evaluated: session policies passed to AssumeRole, which AWS intersects the same way.
"""
from __future__ import annotations

NAME = "iam_permissions_boundary"


def apply() -> None:
    from moto.iam.access_control import AssumedRoleAccessKey, IAMPolicy, IAMRequestBase, PermissionResult

    original = IAMRequestBase.check_action_permitted

    def check_action_permitted(self, resource):
        original(self, resource)  # raises when the identity policies do not allow it
        if self._action == "sts:GetCallerIdentity" or not isinstance(self._access_key, AssumedRoleAccessKey):
            return
        role = self.backend.get_role(self._access_key._owner_role_name)
        if not role.permissions_boundary_arn:
            return
        boundary = self.backend.get_policy(role.permissions_boundary_arn)
        if IAMPolicy(boundary).is_action_permitted(self._action, resource) != PermissionResult.PERMITTED:
            self._raise_access_denied()

    IAMRequestBase.check_action_permitted = check_action_permitted
