"""Policy conditions are evaluated against the request's context, as IAM does.

Upstream gap (moto 5.2.5, ``IAMPolicyStatement._check_conditions`` and
``moto/iam/policy_conditions.py``): moto knows one operator (``StringEquals``) and skips every
other one as matching; a condition key it has no value for is skipped as matching too. So for an
identity policy every condition passes: an ``aws:ResourceAccount`` guard, an
``iam:PassedToService`` limit or a ``kms:EncryptionContext`` requirement grants what it should
restrict.

This patch gives each evaluated request a context and evaluates conditions per "IAM JSON policy
elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
and "Creating a condition with multiple keys or values"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html):
every operator block, and every key in it, must match; the values of one key are alternatives;
``String*``/``Arn*`` (``Like`` with ``*``/``?``), ``Bool``, ``Null``, ``Numeric*``, the
``IfExists`` suffix and the ``ForAnyValue:``/``ForAllValues:`` prefixes. A key that is absent from
the request context matches no positive operator and every negated one (``StringNotEquals``,
``ArnNotLike``, ...), as on AWS.

Context keys the endpoint computes (global condition keys,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
``aws:PrincipalArn`` (the role), ``aws:PrincipalAccount``, ``aws:PrincipalType``,
``aws:RequestedRegion``, ``aws:ResourceAccount`` / ``s3:ResourceAccount`` (S3: the account owning
the bucket, the caller's for a bucket that does not exist yet; other services: the account in the
resource ARN), ``aws:SecureTransport`` (true: the endpoint stands in for AWS's HTTPS front door and
serves plain HTTP on loopback only); request keys from the resolvers: ``iam:PassedToService``,
``iam:PermissionsBoundary``, ``kms:EncryptionContext:<key>``, ``kms:EncryptionContextKeys``,
``kms:CallerAccount``, ``s3:RequestJobOperation`` / ``s3:RequestJobPriority`` (``s3control_job_permissions``);
``kms:ViaService`` is absent on a session's own KMS call and set by
``s3_sse_kms_permissions`` on the KMS calls S3 makes on the session's behalf; ``sts:ExternalId`` and
``sts:RoleSessionName`` are set by ``sts_assume_role_trust`` when it evaluates a role's trust policy.

Any other key, a date/IP/binary operator, or a policy variable cannot be evaluated here: the
statement is then taken to not apply when it allows and to apply when it denies (fail closed,
never a silent pass), and the server log says which key.
"""
from __future__ import annotations

import re

from . import _iam
from .iam_policy_statements import glob_matches

NAME = "iam_policy_conditions"

KNOWN_KEYS = {
    "aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:requestedregion", "aws:resourceaccount",
    "s3:resourceaccount", "aws:securetransport", "iam:passedtoservice", "iam:permissionsboundary",
    "kms:encryptioncontextkeys", "kms:calleraccount", "kms:viaservice", "sts:externalid", "sts:rolesessionname",
    "s3:requestjoboperation", "s3:requestjobpriority",
}
KNOWN_KEY_PREFIXES = ("kms:encryptioncontext:",)


class CannotEvaluate(Exception):
    """The endpoint has no value or no operator for this condition."""


def apply() -> None:
    from moto.iam.access_control import IAMPolicyStatement

    original = IAMPolicyStatement._check_conditions

    def _check_conditions(self, incoming_condition_values):
        context = _iam.current_context()
        if context is None:  # a trust or bucket policy moto evaluates on its own terms
            return original(self, incoming_condition_values)
        return statement_conditions_hold(self._statement, context)

    IAMPolicyStatement._check_conditions = _check_conditions
    _iam.CONTEXT_BUILDERS.append(global_keys)


def statement_conditions_hold(statement: dict, context: dict) -> bool:
    """Whether the statement's Condition matches the context; one that cannot be evaluated fails closed."""
    try:
        return conditions_match(statement.get("Condition") or {}, context)
    except CannotEvaluate as reason:
        deny = statement.get("Effect") == "Deny"
        print(f"localaws IAM: {reason}; the {statement.get('Effect')} statement "
              f"{statement.get('Sid', '')!r} is treated as {'applying' if deny else 'not applying'}", flush=True)
        return deny


def conditions_match(condition: dict, context: dict, unknown_keys_absent: bool = False) -> bool:
    """Whether every block of ``condition`` matches ``context``. ``unknown_keys_absent``: a key the endpoint does not
    compute is absent from the request (a resource policy's view: the caller's request simply lacks it) instead of
    CannotEvaluate."""
    lowered = {key.lower(): value for key, value in context.items()}
    return all(_block_matches(operator, keys, lowered, unknown_keys_absent) for operator, keys in condition.items())


def _block_matches(operator: str, keys: dict, context: dict, unknown_keys_absent: bool = False) -> bool:
    qualifier, base = operator.rpartition(":")[::2]
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in OPERATORS:
        raise CannotEvaluate(f"condition operator {operator} is not supported")
    compare, negated = OPERATORS[base]
    for key, expected in keys.items():
        name = key.lower()
        if "${" in str(expected):
            raise CannotEvaluate(f"policy variable in the condition on {key}")
        if name not in KNOWN_KEYS and not name.startswith(KNOWN_KEY_PREFIXES) and not unknown_keys_absent:
            raise CannotEvaluate(f"condition key {key} is not computed by the endpoint")
        expected = expected if isinstance(expected, list) else [expected]
        if base == "Null":
            if (name not in context) != (str(expected[0]).lower() == "true"):
                return False
            continue
        if name not in context:
            if if_exists or negated or qualifier == "ForAllValues":
                continue
            return False
        actual = context[name]
        values = actual if isinstance(actual, list) else [actual]
        matches = [any(compare(str(want), _text(value)) for want in expected) for value in values]
        if qualifier == "ForAllValues":
            ok = all(not match for match in matches) if negated else all(matches)
        elif qualifier == "ForAnyValue":
            ok = any(not match for match in matches) if negated else any(matches)
        else:
            ok = not any(matches) if negated else any(matches)
        if not ok:
            return False
    return True


def _text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _numeric(test):
    def compare(expected: str, actual: str) -> bool:
        try:
            return test(float(actual), float(expected))
        except ValueError:
            return False
    return compare


def _equals(want: str, got: str) -> bool:
    return want == got


def _equals_ignoring_case(want: str, got: str) -> bool:
    return want.lower() == got.lower()


# base operator -> (compare(policy value, request value), negated)
OPERATORS = {
    "StringEquals": (_equals, False),
    "StringNotEquals": (_equals, True),
    "StringEqualsIgnoreCase": (_equals_ignoring_case, False),
    "StringNotEqualsIgnoreCase": (_equals_ignoring_case, True),
    "StringLike": (glob_matches, False),
    "StringNotLike": (glob_matches, True),
    "ArnEquals": (glob_matches, False),  # AWS: ArnEquals takes wildcards too
    "ArnLike": (glob_matches, False),
    "ArnNotEquals": (glob_matches, True),
    "ArnNotLike": (glob_matches, True),
    "Bool": (_equals_ignoring_case, False),
    "Null": (None, False),
    "NumericEquals": (_numeric(lambda got, want: got == want), False),
    "NumericNotEquals": (_numeric(lambda got, want: got == want), True),
    "NumericLessThan": (_numeric(lambda got, want: got < want), False),
    "NumericLessThanEquals": (_numeric(lambda got, want: got <= want), False),
    "NumericGreaterThan": (_numeric(lambda got, want: got > want), False),
    "NumericGreaterThanEquals": (_numeric(lambda got, want: got >= want), False),
}


def global_keys(response, authorization: _iam.Authorization) -> dict:
    session = _iam.session_of(response)
    return {**role_session_keys(session.role_arn, session.account_id, authorization),
            "aws:RequestedRegion": response.region}


def role_session_keys(role_arn: str, account_id: str, authorization: _iam.Authorization) -> dict:
    """The global keys IAM gives a role session's request: principal, transport, and the resource's account."""
    keys = {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": account_id, "aws:PrincipalType": "AssumedRole",
            "aws:SecureTransport": True}
    account = resource_account(authorization.resource, account_id)
    if account:
        keys["aws:ResourceAccount"] = account
        if authorization.action.lower().startswith("s3:"):
            keys["s3:ResourceAccount"] = account
    if authorization.action.lower().startswith("kms:"):
        keys["kms:CallerAccount"] = account_id
    return keys


def resource_account(resource: str, caller_account: str) -> str | None:
    """The account owning the resource: an S3 bucket's owner, else the account field of the ARN."""
    match = re.fullmatch(r"arn:[^:]+:s3:::([^/*?]+)(/.*)?", resource)
    if match:
        from moto.s3.models import s3_backends

        owner = s3_backends.bucket_accounts.get(match.group(1))
        return owner[1] if owner else caller_account
    return _iam.arn_account(resource)
