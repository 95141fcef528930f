"""Bucket policy statements are evaluated with their Principal and Condition, against the request's context.

Upstream gap (moto 5.2.5, ``FakeBucket.get_permission`` -> ``IAMPolicyStatement``): moto ignores a
bucket policy's ``Principal`` and, having no request context, skips the condition operators it does
not know (``Bool``, ``Null``, ``StringNotEquals``...) as matching, so every conditional statement
applies to every caller. The TLS-only statement (``Deny s3:* if aws:SecureTransport is false``)
then denies every object write, and a "deny unless the principal is in this list" statement denies
everyone - or, with conditions ignored, nobody: either way the endpoint cannot tell which callers a
real policy lets through.

This patch evaluates each statement as S3 does ("Bucket policy examples",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html; "Policy
evaluation logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
it applies when its Principal names the caller (``*``, the caller's ARN, account id or account root
ARN; a service principal never names an SDK caller) and its Condition matches, with the one condition
evaluator of ``iam_policy_conditions`` (``conditions_match``). A matching Deny denies, a matching
Allow permits, nothing matching is neutral - as before, for the object operations moto checks
against bucket policies.

The request context ("AWS global condition context keys",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html, and the
S3 keys of https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html):

- ``aws:SecureTransport``: true. AWS SDKs and the collection's clients reach S3 over HTTPS; the
  endpoint serves plain HTTP on loopback only, standing in for that HTTPS front door. A test that
  wants a plain-HTTP caller sends the header ``x-localaws-transport: http`` (then false).
- ``s3:x-amz-server-side-encryption`` / ``s3:x-amz-server-side-encryption-aws-kms-key-id``: the
  request's headers of those names, absent when the request has none (even where default
  encryption then applies, as on AWS).
- ``aws:PrincipalArn``, ``aws:PrincipalAccount``: the role of a Lambda function's STS session;
  for the administrator keys (``testing``) the account's root, ``arn:aws:iam::<account>:root``.
- ``aws:PrincipalOrgID``, ``aws:SourceVpce``, ``aws:SourceIp`` and every other key: absent (the
  endpoint knows no organization, no VPC endpoint). A key absent from the request matches no
  positive operator and every negated one and every ``...IfExists``, as on AWS.

Not modelled: ACLs combined with the policy, access points, ``NotPrincipal``, date and IP operators
(a statement using them is treated as applying when it denies, not when it allows, and logged).
"""
from __future__ import annotations

import json
import threading

from . import _iam
from .iam_policy_conditions import CannotEvaluate, conditions_match

NAME = "s3_bucket_policy_conditions"
INSECURE_TRANSPORT_HEADER = "x-localaws-transport"
REQUEST_HEADER_KEYS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id")

_request = threading.local()


def apply() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    def get_permission(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy)
        statements = document.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        context = getattr(_request, "context", None) or {}
        applicable = [{key: value for key, value in statement.items() if key not in ("Condition", "Principal")}
                      for statement in statements if statement_applies(statement, context)]
        if not applicable:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission
    for method_name in ("_key_response", "_bucket_response"):
        original = getattr(S3Response, method_name)

        def with_context(self, request, full_url, original=original):
            _request.context = request_context(self, request.headers)
            try:
                return original(self, request, full_url)
            finally:
                _request.context = None

        setattr(S3Response, method_name, with_context)


def request_context(response, headers) -> dict:
    """The condition keys of one S3 request (see the module docstring)."""
    session = _iam.session_of(response) if response.get_access_key() else None
    account = session.account_id if session else response.current_account
    context = {
        "aws:SecureTransport": (headers.get(INSECURE_TRANSPORT_HEADER) or "").lower() != "http",
        "aws:PrincipalArn": session.role_arn if session else f"arn:aws:iam::{account}:root",
        "aws:PrincipalAccount": account,
    }
    for name in REQUEST_HEADER_KEYS:
        if headers.get(name):
            context[f"s3:{name}"] = headers.get(name)
    return context


def statement_applies(statement: dict, context: dict) -> bool:
    """Whether a bucket policy statement's Principal names the caller and its Condition matches the request."""
    if "Principal" in statement and not principal_matches(statement["Principal"], context):
        return False
    try:
        return conditions_match(statement.get("Condition") or {}, context, unknown_keys_absent=True)
    except CannotEvaluate as reason:
        deny = statement.get("Effect") == "Deny"
        print(f"localaws S3 bucket policy: {reason}; the {statement.get('Effect')} statement "
              f"{statement.get('Sid', '')!r} is treated as {'applying' if deny else 'not applying'}", flush=True)
        return deny


def principal_matches(principal, context: dict) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    names = principal.get("AWS", [])
    names = names if isinstance(names, list) else [names]
    account = context.get("aws:PrincipalAccount")
    return any(name in ("*", context.get("aws:PrincipalArn"), account, f"arn:aws:iam::{account}:root") for name in names)
