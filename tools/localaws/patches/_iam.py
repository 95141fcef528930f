"""What the IAM enforcement patches share: who signed a request, what it asks for, how it is refused.

``iam_session_enforcement`` owns the decision (``authorize``); the other ``iam_*`` patches and
``s3_iam_action_names`` plug into it through the registries below, so leaving one of them out
(``localaws_without``) shows exactly the gap it closes.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# Set by iam_session_enforcement: requests signed with an STS session are evaluated.
ENFORCED = False

# moto service name -> function(response) -> the authorizations one request needs (None: moto's guess).
RESOLVERS: dict[str, Callable[[Any], list["Authorization"] | None]] = {}

# function(response, authorization) -> condition keys of the request (set by iam_policy_conditions).
CONTEXT_BUILDERS: list[Callable[[Any, "Authorization"], dict[str, Any]]] = []

_evaluating = threading.local()


@dataclass(frozen=True)
class Authorization:
    """One action on one resource that a request needs (CopyObject needs two), with the condition keys
    only the request's own parameters can give (iam:PassedToService, kms:EncryptionContext:...)."""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)


def session_of(response) -> Any | None:
    """The moto STS session (AssumedRole) whose access key signed this request, when its role exists;
    None for any other key.

    moto lets anyone assume a role that does not exist, and tests use that to act as another account
    (``arn:aws:iam::111111111111:role/other``). Such a session has no role whose policies could be
    evaluated: it stays that account's administrator, like the ``testing`` keys.
    """
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    access_key = response.get_access_key()
    if not access_key.startswith("ASIA"):  # STS temporary keys; the tests' `testing` keys are not
        return None
    partition = get_partition(response.region)
    session = sts_backends[response.current_account][partition].get_assumed_role_from_access_key(access_key)
    if session is None:
        return None
    try:
        iam_backends[session.account_id][partition].get_role_by_arn(session.role_arn)
    except Exception:  # noqa: BLE001 - moto raises its IAM NotFound error type
        return None
    return session


def current_context() -> dict[str, Any] | None:
    """The condition keys of the authorization being evaluated on this thread (None outside one)."""
    return getattr(_evaluating, "context", None)


@contextmanager
def evaluating(context: dict[str, Any]):
    """Make ``context`` the condition keys of the authorization evaluated on this thread."""
    _evaluating.context = context
    try:
        yield
    finally:
        _evaluating.context = None


def arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return (parts[4] or None) if len(parts) == 6 else None


def refuse(response, iam_request, authorization: Authorization, denial: Exception) -> None:
    """Raise the refusal of one authorization. Default: moto's own error; iam_access_denied_errors
    replaces this with the error each protocol has on AWS."""
    raise denial


def authorize(response, iam_request_cls, moto_resource: str | None) -> None:
    """Replaced by iam_session_enforcement; without it nothing is evaluated."""
