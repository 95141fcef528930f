"""Non-S3 requests are authorized on the ARN of the resource they name, with their request keys.

Upstream gap (moto 5.2.5, ``BaseResponse.call_action``): moto checks every non-S3 request against
resource ``*`` (only a few services define ``_determine_resource``), so a policy naming the exact
SNS topic, queue, table, key or role never allows the call, and one scoped to another resource
never refuses it. Request-specific condition keys (``iam:PermissionsBoundary``,
``kms:EncryptionContext:*``) are never given.

This patch names the resource per the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
SNS ``TopicArn``/``TargetArn`` (CreateTopic: the topic to be); SQS the queue of ``QueueUrl`` /
``QueueName``; DynamoDB ``table/<TableName>``; CloudWatch Logs ``log-group:<name>`` (and
``:log-stream:<stream>`` for CreateLogStream/PutLogEvents); KMS the key of ``KeyId`` (aliases
resolved); IAM the role of ``RoleName`` (with the existing role's path; CreateRole: ``Path``) or
the policy of ``PolicyArn``; Lambda the function; STS AssumeRole the role. The action is the
operation name, except Lambda's ``Invoke`` -> ``lambda:InvokeFunction``. Request keys:
``iam:PermissionsBoundary`` on CreateRole/PutRolePermissionsBoundary (the boundary in the request)
and on PutRolePolicy/DeleteRolePolicy/AttachRolePolicy/DetachRolePolicy/
DeleteRolePermissionsBoundary (the role's current boundary, absent when it has none);
``kms:EncryptionContext:<key>`` and ``kms:EncryptionContextKeys`` on KMS calls with an
``EncryptionContext``.

Not modelled: services other than these, list/describe calls that AWS scopes to more than ``*``,
``iam:PolicyARN``, tag-based keys (``aws:ResourceTag``/``aws:RequestTag``/``aws:TagKeys``), a role
that does not exist yet (authorized as ``role/<name>``, without a path).
"""
from __future__ import annotations

from urllib.parse import urlparse

from . import _iam

NAME = "iam_request_resources"

BOUNDARY_FROM_REQUEST = {"CreateRole", "PutRolePermissionsBoundary"}
BOUNDARY_OF_ROLE = {"PutRolePolicy", "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy",
                    "DeleteRolePermissionsBoundary"}
LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction"}


def apply() -> None:
    _iam.RESOLVERS.update({"sns": sns, "sqs": sqs, "dynamodb": dynamodb, "logs": logs, "kms": kms, "iam": iam,
                           "lambda": awslambda, "sts": sts})


def _operation(response) -> str:
    action = response._get_action()
    return action[0] if isinstance(action, list) else action


def _where(response) -> tuple[str, str, str]:
    from moto.utilities.utils import get_partition

    return get_partition(response.region), response.region, response.current_account


def _one(service: str, response, resource: str, context: dict | None = None) -> list[_iam.Authorization]:
    return [_iam.Authorization(f"{service}:{_operation(response)}", resource or "*", context or {})]


def sns(response):
    partition, region, account = _where(response)
    if _operation(response) == "CreateTopic":
        return _one("sns", response, f"arn:{partition}:sns:{region}:{account}:{response._get_param('Name')}")
    subscription = response._get_param("SubscriptionArn")
    return _one("sns", response, response._get_param("TopicArn") or response._get_param("TargetArn")
                or (subscription.rsplit(":", 1)[0] if subscription else None))


def sqs(response):
    partition, region, account = _where(response)
    queue_url = response._get_param("QueueUrl")
    if queue_url:
        owner, name = urlparse(queue_url).path.strip("/").partition("/")[::2]
        return _one("sqs", response, f"arn:{partition}:sqs:{region}:{owner}:{name}")
    name = response._get_param("QueueName")
    owner = response._get_param("QueueOwnerAWSAccountId") or account
    return _one("sqs", response, f"arn:{partition}:sqs:{region}:{owner}:{name}" if name else None)


def dynamodb(response):
    partition, region, account = _where(response)
    table = response._get_param("TableName")
    return _one("dynamodb", response, f"arn:{partition}:dynamodb:{region}:{account}:table/{table}" if table else None)


def logs(response):
    partition, region, account = _where(response)
    group, stream = response._get_param("logGroupName"), response._get_param("logStreamName")
    if not group:
        return _one("logs", response, None)
    arn = f"arn:{partition}:logs:{region}:{account}:log-group:{group}"
    if _operation(response) in ("CreateLogStream", "PutLogEvents") and stream:
        arn += f":log-stream:{stream}"
    return _one("logs", response, arn)


def kms(response):
    from moto.kms.models import kms_backends

    partition, region, account = _where(response)
    key_id = response._get_param("KeyId") or response._get_param("DestinationKeyId")
    resource = None
    if key_id:
        try:
            resource = kms_backends[account][region].describe_key(key_id).arn
        except Exception:  # noqa: BLE001 - an unknown key: KMS answers NotFoundException after this
            resource = key_id if key_id.startswith("arn:") else f"arn:{partition}:kms:{region}:{account}:key/{key_id}"
    context = {}
    encryption_context = response._get_param("EncryptionContext") or {}
    if encryption_context:
        context = {f"kms:EncryptionContext:{key}": value for key, value in encryption_context.items()}
        context["kms:EncryptionContextKeys"] = sorted(encryption_context)
    return _one("kms", response, resource, context)


def iam(response):
    from moto.iam.models import iam_backends

    partition, account = _where(response)[::2]
    backend = iam_backends[account][partition]
    operation, role_name = _operation(response), response._get_param("RoleName")
    if not role_name:
        policy_arn = response._get_param("PolicyArn")
        if operation == "CreatePolicy":
            path = response._get_param("Path") or "/"
            policy_arn = f"arn:{partition}:iam::{account}:policy{path}{response._get_param('PolicyName')}"
        return _one("iam", response, policy_arn)
    role = next((role for role in list(backend.roles.values()) if role.name == role_name), None)  # a snapshot: roles are added meanwhile
    if operation == "CreateRole" or role is None:
        path = (response._get_param("Path") or "/") if operation == "CreateRole" else "/"
        arn = f"arn:{partition}:iam::{account}:role{path}{role_name}"
    else:
        arn = role.arn
    context = {}
    if operation in BOUNDARY_FROM_REQUEST and response._get_param("PermissionsBoundary"):
        context["iam:PermissionsBoundary"] = response._get_param("PermissionsBoundary")
    elif operation in BOUNDARY_OF_ROLE and role is not None and role.permissions_boundary_arn:
        context["iam:PermissionsBoundary"] = role.permissions_boundary_arn
    return _one("iam", response, arn, context)


def awslambda(response):
    from moto.core.routing import get_service_router

    partition, region, account = _where(response)
    try:
        operation, params = get_service_router("lambda").match(response.normalized_request)
    except Exception:  # noqa: BLE001 - unroutable: moto's own guess decides
        return None
    name = params.get("FunctionName")
    action = LAMBDA_ACTIONS.get(operation.name, operation.name)
    if name and not name.startswith("arn:"):
        name = f"arn:{partition}:lambda:{region}:{account}:function:{name}"
    return [_iam.Authorization(f"lambda:{action}", name or "*")]


def sts(response):
    return _one("sts", response, response._get_param("RoleArn"))
