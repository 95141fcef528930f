"""IAM is evaluated for requests signed with an STS session (a Lambda function's execution role).

Upstream gap (moto 5.2.5, ``ActionAuthenticatorMixin._authenticate_and_authorize_action``): in
server mode moto evaluates no IAM at all (``INITIAL_NO_AUTH_ACTION_COUNT`` is infinite). Turning
it on makes moto refuse every access key that is neither an IAM user's nor an STS session's, so
the tests' and playbooks' ``testing`` keys would stop working.

This patch evaluates exactly the requests signed with the temporary credentials of an
``AssumeRole`` session (the ones ``lambda_subprocess_invoke`` hands each function): moto checks the
SigV4 signature with the session's secret and token, then every action the request needs must be
allowed by the role's policies and denied by none (AWS: "Policy evaluation logic",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). Any
other key is the account's administrator, unrestricted, as the root user is on AWS. What one
request needs (actions, resources, condition keys) comes from the resolvers the other ``iam_*``
patches and ``s3_iam_action_names`` register in ``_iam``; without them moto's guess is used
(its action name on resource ``*``, or its S3 bucket/object ARN).

Not evaluated here: requests signed with an IAM user's access keys or with a session of a role
that does not exist (moto's way to act as another account; both pass like ``testing``),
resource-based policies (bucket, topic, queue policies; key policies are
``s3_sse_kms_permissions``'s) for these sessions, SCPs/RCPs, session policies, VPC endpoint policies.
"""
from __future__ import annotations

from urllib.parse import urlparse

from . import _iam

NAME = "iam_session_enforcement"


def apply() -> None:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    def _authenticate_and_authorize_action(self, iam_request_cls, resource="*"):
        if getattr(self, "_localaws_authorized", False):  # a resolver already decided the whole request
            return
        authorize(self, iam_request_cls, resource)

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
    _iam.authorize = authorize
    _iam.ENFORCED = True


def authorize(response, iam_request_cls, moto_resource: str | None) -> None:
    """Allow the request or raise the refusal; administrator keys pass untouched.

    ``moto_resource``: the resource moto would check, or None to leave the request to moto's own
    checks when no resolver can name what it needs.
    """
    if _iam.session_of(response) is None:
        return
    resolver = _iam.RESOLVERS.get(response.service_name)
    authorizations = resolver(response) if resolver else None
    if authorizations is None and moto_resource is None:
        return
    path = response.raw_path
    if urlparse(response.uri).query:
        path += "?" + urlparse(response.uri).query
    moto_action = response._get_action()
    iam_request = iam_request_cls(account_id=response.current_account, method=response.method, path=path,
                                  data=response.data, body=response.raw_body, headers=response.headers,
                                  action=moto_action[0] if isinstance(moto_action, list) else moto_action)
    iam_request.check_signature()
    if authorizations is None:
        authorizations = [_iam.Authorization(iam_request._action, moto_resource)]
    for authorization in authorizations:
        context = dict(authorization.context)
        for build in _iam.CONTEXT_BUILDERS:
            context = {**build(response, authorization), **context}
        iam_request._action = authorization.action
        with _iam.evaluating(context):
            try:
                iam_request.check_action_permitted(authorization.resource)
            except Exception as denial:  # moto raises its own AccessDenied error type per service
                _iam.refuse(response, iam_request, authorization, denial)
    response._localaws_authorized = True
