"""PutBucketNotificationConfiguration validates every SNS, SQS and Lambda destination.

Upstream gap (moto 5.2.5, ``FakeBucket.set_notification_configuration``): any topic, queue or
function ARN of the bucket's Region is accepted, whether it exists or not and whatever its
resource policy says. S3 checks each destination when the configuration is put (User Guide,
"Granting permissions to publish event notification messages to a destination" and
"Troubleshooting": "Unable to validate the following destination configurations"; API reference,
``PutBucketNotificationConfiguration``: "Amazon S3 sends test messages to the destination [...]
If the configuration [...] can't be validated the request fails"): the destination must exist and
its resource policy must let the service principal ``s3.amazonaws.com`` call ``sns:Publish``,
``sqs:SendMessage`` or ``lambda:InvokeFunction``. Otherwise S3 answers 400 InvalidArgument with
the message above and one ``ArgumentName``/``ArgumentValue`` pair per destination it refused.

A statement is evaluated with the context S3 sends (``aws:SourceArn`` the bucket ARN,
``aws:SourceAccount`` its owner); a condition on any other key cannot hold, so the topic policy SNS
creates by default (``AWS:SourceOwner``) does not let S3 publish, as on AWS. Destinations of another
Region are left to moto's own check.
"""
from __future__ import annotations

import fnmatch
import json

import xmltodict

from ._s3 import error_response

NAME = "s3_notification_destinations"
S3_SERVICE = "s3.amazonaws.com"
# Notification element -> (ARN element, what S3 must be allowed to do, the kind of destination).
DESTINATIONS = {"TopicConfiguration": ("Topic", "sns:Publish", "topic"),
                "QueueConfiguration": ("Queue", "sqs:SendMessage", "queue"),
                "CloudFunctionConfiguration": ("CloudFunction", "lambda:InvokeFunction", "function")}
MATCHING_OPERATORS = {"stringequals": False, "arnequals": False, "stringlike": True, "arnlike": True}


def apply() -> None:
    from moto.s3.responses import S3Response

    original_put = S3Response._bucket_response_put

    def _bucket_response_put(self, request, bucket_name, querystring):
        if "notification" in querystring:
            refusal = _refusal(self.backend, bucket_name, self.body)
            if refusal:
                return refusal
        return original_put(self, request, bucket_name, querystring)

    S3Response._bucket_response_put = _bucket_response_put


def _refusal(backend, bucket_name: str, body):
    try:
        bucket = backend.get_bucket(bucket_name)
        document = xmltodict.parse(body, force_list=tuple(DESTINATIONS))["NotificationConfiguration"] or {}
    except Exception:  # noqa: BLE001 - a missing bucket or a malformed body is moto's to refuse
        return None
    problems = {}
    for element, (arn_element, action, kind) in DESTINATIONS.items():
        for configuration in document.get(element, []):
            arn = (configuration or {}).get(arn_element) or ""
            parts = arn.split(":")
            if len(parts) < 6 or parts[3] != bucket.region_name:
                continue
            problem = _destination_problem(arn, parts[4], parts[3], action, kind, bucket)
            if problem:
                problems[arn] = problem
    if not problems:
        return None
    details = {}
    for number, (arn, problem) in enumerate(problems.items(), start=1):
        details[f"ArgumentName{number}"] = arn
        details[f"ArgumentValue{number}"] = problem
    return error_response(400, "InvalidArgument", "Unable to validate the following destination configurations",
                          bucket_name, details)


def _destination_problem(arn: str, account: str, region: str, action: str, kind: str, bucket) -> str | None:
    statements = _resource_policy_statements(arn, account, region, kind)
    if statements is None:
        return f"The destination {kind} does not exist"
    context = {"aws:sourcearn": f"arn:{arn.split(':')[1]}:s3:::{bucket.name}", "aws:sourceaccount": bucket.account_id}
    matching = [statement for statement in statements if _matches(statement, action, arn, context)]
    if any(statement.get("Effect") == "Deny" for statement in matching) or not matching:
        return f"Permissions on the destination {kind} do not allow S3 to publish notifications from this bucket"
    return None


def _resource_policy_statements(arn: str, account: str, region: str, kind: str) -> list | None:
    """The statements of the destination's resource policy ([] without one), or None when it does not exist."""
    if kind == "topic":
        from moto.sns.models import sns_backends

        topic = sns_backends[account][region].topics.get(arn)
        return None if topic is None else _statements(topic._policy_json)
    if kind == "queue":
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[account][region].queues.get(arn.split(":")[5])
        return None if queue is None else _statements(queue._policy_json)
    from moto.awslambda.models import lambda_backends

    try:
        function = lambda_backends[account][region].get_function(arn)
    except Exception:  # noqa: BLE001 - moto's "function not found"
        return None
    return list(function.policy.statements)


def _statements(policy) -> list:
    if isinstance(policy, str):
        policy = json.loads(policy or "{}")
    statements = (policy or {}).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _matches(statement: dict, action: str, arn: str, context: dict[str, str]) -> bool:
    principal = statement.get("Principal")
    if not (principal == "*" or (isinstance(principal, dict) and (
            "*" in _as_list(principal.get("AWS", [])) or S3_SERVICE in _as_list(principal.get("Service", []))))):
        return False
    if not any(fnmatch.fnmatch(action.lower(), pattern.lower()) for pattern in _as_list(statement.get("Action", []))):
        return False
    resources = _as_list(statement.get("Resource", "*"))
    if not any(fnmatch.fnmatch(candidate, resource) for resource in resources for candidate in (arn, f"{arn}:$LATEST")):
        return False
    return all(_condition_holds(operator, key, values, context)
               for operator, keys in (statement.get("Condition") or {}).items() for key, values in keys.items())


def _condition_holds(operator: str, key: str, values, context: dict[str, str]) -> bool:
    name = operator.lower()
    if_exists = name.endswith("ifexists")
    name = name[:-len("ifexists")] if if_exists else name
    negated = name.replace("not", "", 1) if "not" in name else None
    base = negated or name
    if base not in MATCHING_OPERATORS:
        return False  # an operator S3's request cannot be judged by here: not allowed
    actual = context.get(key.lower())
    if actual is None:
        return if_exists or bool(negated)
    wildcard = MATCHING_OPERATORS[base]
    found = any(fnmatch.fnmatchcase(actual, value) if wildcard else actual == value for value in _as_list(values))
    return not found if negated else found
