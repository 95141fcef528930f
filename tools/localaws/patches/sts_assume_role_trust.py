"""STS AssumeRole into a role that exists needs the role's trust policy to allow the caller.

Upstream gap (moto 5.2.5, ``TokenResponse.assume_role`` / ``STSBackend.assume_role``): the role's trust policy
(``AssumeRolePolicyDocument``) is never read, so any caller gets credentials for any role: one trusting only
``lambda.amazonaws.com``, one trusting another account, or one that requires an ``sts:ExternalId``. A test,
fixture or playbook that assumes such a role passes here and fails on AWS with AccessDenied.

On AWS, per the STS AssumeRole API reference (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html:
"the trust policy of the role ... must allow the caller"; ``ExternalId`` is matched by the ``sts:ExternalId``
condition key), "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html: role trust policies
are an exception to "an allow in either the identity or the resource-based policy is enough": they must allow the
principal explicitly) and "Cross-account policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html: the
trust policy and the caller's identity policies must both allow):

- a trust statement with Effect Deny that names the caller and matches (action, conditions) refuses;
- an Allow statement for ``sts:AssumeRole`` (``sts:*``, ``*``) whose Principal names the caller's role (or its
  session) or ``*`` allows; one that names the caller's account (its id or ``arn:...:iam::<id>:root``) lets the
  caller's identity policies decide;
- a trust policy that names neither (e.g. only ``{"Service": "lambda.amazonaws.com"}``) refuses.

The caller is the request's signer. The tests' ``testing`` keys are the account's root/administrator
(``arn:<partition>:iam::<account>:root``; its identity policies allow everything); an IAM user's key is that
user; an STS session's key is the session's role (``aws:PrincipalArn`` = the role ARN, ``aws:PrincipalAccount``
= the role's account). The caller's identity policies are ``iam_session_enforcement``'s: it has already evaluated
``sts:AssumeRole`` on the role for a session of an existing role when this patch runs; administrator keys, IAM
users' keys and sessions of roles that do not exist pass it. moto's own trust check in that evaluation
(``IAMRequestBase._check_role_trust_relationship``) compares the session's ARN literally with the trust policy's
principals, so it refuses a session whose role or account the trust policy names; this patch replaces it.
Statements and conditions are evaluated by ``s3_sse_kms_permissions.key_policy_decision`` (the code every
resource policy here is evaluated with); condition keys: ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
``aws:PrincipalType``, ``aws:RequestedRegion``, ``aws:SecureTransport``, ``aws:ResourceAccount`` (the role's
account), ``sts:RoleSessionName`` and ``sts:ExternalId`` (when the request has one). A refusal is STS's 403
``AccessDenied``: "User: <caller ARN> is not authorized to perform: sts:AssumeRole on resource: <role ARN>".

Left as moto has it: AssumeRole into a role that does not exist (moto's way for tests to act as another account,
e.g. ``arn:aws:iam::111111111111:role/other-account``; AWS would refuse it), and roles assumed inside the
endpoint through the STS backend (``lambda_subprocess_invoke`` assumes each function's execution role as Lambda
does, not through a request). Not modelled: AssumeRoleWithWebIdentity/SAML, session policies and tags,
``NotPrincipal``, ``sts:SourceIdentity``; and, in the stricter direction, a same-account trust policy naming the
caller's role still needs that role's identity policy to allow ``sts:AssumeRole`` (AWS: the trust policy alone
is enough), because ``iam_session_enforcement`` decides before this patch.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from . import _iam
from .iam_access_denied_errors import AccessDenied
from .s3_sse_kms_permissions import key_policy_decision, principal_names
from .s3control_batch_replication import role_policies

NAME = "sts_assume_role_trust"

ACTION = "sts:AssumeRole"


@dataclass(frozen=True)
class Caller:
    """Who signed an AssumeRole request, as a trust policy sees it."""

    arn: str  # for the error message: the session, user or account root ARN
    principal_arn: str  # aws:PrincipalArn: a session's role, the user, or the account root
    account: str
    principal_type: str  # aws:PrincipalType
    names: set[str] = field(default_factory=set)  # the Principal values that name this caller


class TrustRefusal(AccessDenied):
    """STS's query-protocol AccessDenied (403), as an XML document."""

    def get_headers(self, *args, **kwargs):
        return [("Content-Type", "text/xml")]


def apply() -> None:
    from moto.iam.access_control import IAMRequestBase
    from moto.sts.responses import TokenResponse

    assume_role = TokenResponse.assume_role

    def assume_role_if_trusted(self):
        refusal = trust_refusal(self, self._get_param("RoleArn") or "", self._get_param("RoleSessionName"),
                                self._get_param("ExternalId"))
        if refusal:
            raise refusal
        return assume_role(self)

    TokenResponse.assume_role = assume_role_if_trusted
    # moto's own trust check (run with a session's identity policies) compares the session ARN literally with the
    # trust policy's principals, so a trust naming the caller's role or account never matches: decided above instead.
    IAMRequestBase._check_role_trust_relationship = lambda self, role_arn: True


def trust_refusal(response, role_arn: str, session_name: str | None, external_id: str | None) -> TrustRefusal | None:
    """The AccessDenied this AssumeRole request gets from the role's trust policy, or None when it is allowed
    (or the role does not exist)."""
    account = _iam.arn_account(role_arn)
    if not account:
        return None
    partition = role_arn.split(":")[1]
    policies = role_policies(account, partition, role_arn)
    if policies is None:  # no such role: moto's way to act as another account
        return None
    trust = policies[0]
    caller = caller_of(response)
    context = {"aws:PrincipalArn": caller.principal_arn, "aws:PrincipalAccount": caller.account,
               "aws:PrincipalType": caller.principal_type, "aws:RequestedRegion": response.region,
               "aws:SecureTransport": True, "aws:ResourceAccount": account}
    if session_name is not None:
        context["sts:RoleSessionName"] = session_name
    if external_id is not None:
        context["sts:ExternalId"] = external_id
    # "Allow" names the caller itself; "IAM" names its account, whose identity policies decide: evaluated by
    # iam_session_enforcement for a role session, everything for the account's administrator keys.
    if key_policy_decision(trust, ACTION, role_arn, caller.names, context) in ("Allow", "IAM"):
        return None
    message = f"User: {caller.arn} is not authorized to perform: {ACTION} on resource: {role_arn}"
    return TrustRefusal(403, f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                             f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
                             f"</ErrorResponse>")


def caller_of(response) -> Caller:
    """The principal whose access key signed the request."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    access_key, account = response.get_access_key(), response.current_account
    partition = get_partition(response.region)
    session = sts_backends[account][partition].get_assumed_role_from_access_key(access_key)
    if session is not None:  # a session of a role, existing or not (then it is that account's administrator)
        return Caller(session.arn, session.role_arn, session.account_id, "AssumedRole",
                      principal_names(session.role_arn, session.arn))
    root = f"arn:{partition}:iam::{account}:root"
    key = iam_backends[account][partition].access_keys.get(access_key)
    if key is not None and key.user_name:
        user_arn = iam_backends[account][partition].get_user(key.user_name).arn
        return Caller(user_arn, user_arn, account, "User", {user_arn, account, root, "*"})
    return Caller(root, root, account, "Account", {account, root, "*"})
