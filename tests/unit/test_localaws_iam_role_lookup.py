"""IAM role lookups walk a snapshot of the roles (tools/localaws/patches/iam_role_lookup_snapshot.py): a role
created while a lookup walks them no longer breaks the lookup (moto answered 500 under a large fleet)."""
from __future__ import annotations

import pytest
from moto.iam.models import IAMBackend

from tools.localaws.patches import iam_role_lookup_snapshot


def create_role(backend: IAMBackend, name: str):
    return backend.create_role(role_name=name, assume_role_policy_document="{}", path="/", permissions_boundary=None,
                               description="", tags=[], max_session_duration=None)


def walk_while_a_role_is_created(backend: IAMBackend) -> list[str]:
    """What GetRole does on one server thread while CreateRole runs on another, in a fixed order."""
    walked = []
    for role in backend.get_roles():
        walked.append(role.name)
        if len(walked) == 1:
            create_role(backend, f"created-meanwhile-{len(backend.roles)}")
    return walked


@pytest.fixture
def backend():
    return IAMBackend(region_name="global", account_id="123456789012")


def test_without_patch_a_role_created_during_a_lookup_breaks_it(backend, monkeypatch):
    monkeypatch.setattr(IAMBackend, "get_roles", lambda self: self.roles.values())  # moto 5.2.5's own
    for index in range(3):
        create_role(backend, f"role-{index}")
    with pytest.raises(RuntimeError, match="dictionary changed size during iteration"):
        walk_while_a_role_is_created(backend)


def test_a_role_created_during_a_lookup_leaves_it_whole(backend, monkeypatch):
    monkeypatch.setattr(IAMBackend, "get_roles", IAMBackend.get_roles)  # restored after the test
    iam_role_lookup_snapshot.apply()
    for index in range(3):
        create_role(backend, f"role-{index}")
    assert walk_while_a_role_is_created(backend) == ["role-0", "role-1", "role-2"]
    assert backend.get_role("role-2").name == "role-2" and len(backend.roles) == 4
