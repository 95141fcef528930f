"""A refused request gets the AccessDenied error its protocol has on AWS.

Upstream gap (moto 5.2.5, ``IAMRequest._raise_access_denied``): every non-S3 refusal is the IAM
query-protocol XML document, also for JSON services, whose SDK then cannot read it (boto3 reports
an unnamed ``403`` error instead of ``AccessDeniedException``); the message names no resource.

This patch answers as each protocol does on AWS (botocore reads the code from these shapes):
query services (IAM, SNS, STS) 403 ``<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied``;
JSON services (KMS, DynamoDB, CloudWatch Logs, EventBridge) 400 ``{"__type":
"AccessDeniedException"}``; SQS's JSON protocol 403 with ``x-amzn-query-error: AccessDenied;Sender``
(so SDKs report ``AccessDenied``, as SQS does over its query protocol); REST-JSON (Lambda) 403 with
``x-amzn-ErrorType: AccessDeniedException``; REST-XML (S3 Control) 403
``<ErrorResponse><Error><Code>AccessDenied``. The message has AWS's form: "User: <session ARN> is
not authorized to perform: <action> on resource: <ARN> because no identity-based policy allows the
<action> action" (or "... with an explicit deny in an identity-based policy", "... because no
permissions boundary allows ..."), per "Troubleshoot access denied error messages"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html); S3 has said
the same in its 403 ``AccessDenied`` XML since 2024 (HEAD: status only, no body, as on S3).

Not modelled: the encoded authorization message (``sts:DecodeAuthorizationMessage``).
"""
from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from . import _iam

NAME = "iam_access_denied_errors"


class AccessDenied(HTTPException):
    def __init__(self, status: int, body: str):
        super().__init__(description=body)
        self.code = status


def apply() -> None:
    _iam.refuse = refuse


def refuse(response, iam_request, authorization: _iam.Authorization, denial: Exception) -> None:
    from moto.core.utils import get_service_model

    session = _iam.session_of(response)
    message = (f"User: {session.arn} is not authorized to perform: {authorization.action} on resource: "
               f"{authorization.resource} because {_reason(iam_request, authorization)}")
    if response.service_name == "s3":  # moto's S3 error document and status; AWS's message
        denial.message = message
        raise denial
    model = get_service_model(response.service_name)
    protocol = model.metadata["protocol"]
    if protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
        response.response_headers["Content-Type"] = "text/xml"
        raise AccessDenied(403, body)
    if protocol == "json":
        response.response_headers["Content-Type"] = "application/x-amz-json-1.0"
        status = 400
        if model.metadata.get("awsQueryCompatible") is not None:  # SQS: its query-protocol code and status
            response.response_headers["x-amzn-query-error"] = "AccessDenied;Sender"
            status = 403
        raise AccessDenied(status, json.dumps({"__type": "AccessDeniedException", "message": message}))
    if protocol == "rest-xml":  # S3 Control
        body = (f"<ErrorResponse><Error><Code>AccessDenied</Code><Message>{escape(message)}</Message></Error>"
                f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
        response.response_headers["Content-Type"] = "application/xml"
        raise AccessDenied(403, body)
    response.response_headers["Content-Type"] = "application/json"
    response.response_headers["x-amzn-ErrorType"] = "AccessDeniedException"
    raise AccessDenied(403, json.dumps({"Type": "User", "Message": message}))


def _reason(iam_request, authorization: _iam.Authorization) -> str:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if getattr(iam_request, "_localaws_denial_reason", None):  # a resource policy refused (s3_sse_kms_permissions)
        return iam_request._localaws_denial_reason
    results = [IAMPolicy(policy).is_action_permitted(authorization.action, authorization.resource)
               for policy in iam_request._access_key.collect_policies()]
    if PermissionResult.DENIED in results:
        return "of an explicit deny in an identity-based policy"
    if PermissionResult.PERMITTED in results:
        return f"no permissions boundary allows the {authorization.action} action"
    return f"no identity-based policy allows the {authorization.action} action"
