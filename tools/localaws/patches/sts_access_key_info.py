"""STS GetAccessKeyInfo names the account of a temporary (AssumeRole) access key.

Upstream gap (moto 5.2.5, ``STSBackend.get_access_key_info``): only IAM users' keys are looked up; any other
key, an ``AssumeRole`` session's included, is answered with the caller's own account. On AWS
(https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html) the call "returns the account
identifier for the specified access key ID", temporary (ASIA) keys included: a key of a session of a role
of account B is B's. Tests use it to tell which account's credentials signed a recorded request.

This patch answers a session's key with the account of its role (moto keeps each session in the
``assumed_roles`` of that account's backend); other keys as before.
"""
from __future__ import annotations

NAME = "sts_access_key_info"


def apply() -> None:
    from moto.sts.models import STSBackend, sts_backends

    looked_up = STSBackend.get_access_key_info

    def get_access_key_info(self, access_key_id: str) -> dict[str, str]:
        for account_id in list(sts_backends):
            for backend in list(sts_backends[account_id].values()):
                if backend.get_assumed_role_from_access_key(access_key_id) is not None:
                    return {"Account": account_id}
        return looked_up(self, access_key_id)

    STSBackend.get_access_key_info = get_access_key_info
