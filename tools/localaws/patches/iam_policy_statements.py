"""Policy statements match actions and resources as IAM does.

Upstream gap (moto 5.2.5, ``IAMPolicyStatement.is_action_permitted`` / ``_match``): moto turns a
pattern into a regular expression by replacing ``*`` only, so ``.`` in a bucket or role name
matches any character, ``?`` is not a one-character wildcard, and action names are compared case
sensitively (IAM compares them case-insensitively); a statement with ``NotResource`` has no
``Resource`` and is treated like a trust-policy statement, i.e. it applies to every resource; and a
statement whose condition does not match becomes an explicit DENY (an ``Allow`` with an unmet
condition turns into a refusal no other statement can lift).

This patch evaluates one statement per the IAM JSON policy element reference
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html): ``Action`` /
``NotAction`` (case-insensitive, ``*`` and ``?``), ``Resource`` / ``NotResource`` (case-sensitive,
``*`` and ``?``), then
``Condition``: a statement applies only when its condition matches; one that does not match is
neutral, whatever its effect. Principal handling stays moto's (trust and bucket policies).

Not evaluated: policy variables (``${aws:username}`` ...) in ``Resource`` or condition values.
"""
from __future__ import annotations

import re
from functools import lru_cache

NAME = "iam_policy_statements"


def apply() -> None:
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        statement = self._statement
        if self.is_unknown_principal(statement.get("Principal")):
            return PermissionResult.NEUTRAL
        if principal and not self._check_principal(principal):
            return PermissionResult.NEUTRAL
        effect = statement_effect(statement, action, resource,
                                  lambda _condition: self._check_conditions(incoming_condition_values))
        if effect is None:
            return PermissionResult.NEUTRAL
        return PermissionResult.DENIED if effect == "Deny" else PermissionResult.PERMITTED

    IAMPolicyStatement.is_action_permitted = is_action_permitted


def statement_effect(statement: dict, action: str, resource: str, conditions_hold) -> str | None:
    """``"Allow"``/``"Deny"`` when the statement applies to the action on the resource, else None.

    ``conditions_hold(condition)`` decides the statement's ``Condition`` (called only when action and resource
    match). The Principal is the caller's business (identity policies have none).
    """
    if "NotAction" in statement:
        if _any_match(statement["NotAction"], action, ignore_case=True):
            return None
    elif not _any_match(statement.get("Action", []), action, ignore_case=True):
        return None
    if "NotResource" in statement:
        if _any_match(statement["NotResource"], resource):
            return None
    elif "Resource" in statement and not _any_match(statement["Resource"], resource):
        return None
    if not conditions_hold(statement.get("Condition") or {}):
        return None
    return "Deny" if statement.get("Effect") == "Deny" else "Allow"


def _any_match(patterns, value: str, ignore_case: bool = False) -> bool:
    patterns = [patterns] if isinstance(patterns, str) else patterns
    return any(glob_matches(pattern, value, ignore_case) for pattern in patterns)


def glob_matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: ``*`` any run of characters, ``?`` exactly one; everything else literal."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(regex, re.S | (re.I if ignore_case else 0))
