"""EventBridge rules deliver to Lambda function and SNS topic targets.

Upstream gap (moto 5.2.5, ``Rule.send_to_targets``): a rule whose targets include a Lambda
function or an SNS topic raises NotImplementedError when an event matches, so ``PutEvents`` fails
with a server error and no target of that rule receives the event. On AWS, EventBridge invokes a
Lambda target asynchronously (InvocationType ``Event``) and publishes to an SNS target, with the
event as the payload (or what ``Input``, ``InputPath`` or ``InputTransformer`` make of it).

This patch delivers to those two target kinds and hands every other target to moto's original.
Delivery runs in the background, so ``PutEvents`` returns first, and a missing function or topic
or a failed transformation does not fail it (the error is in the server log), as on AWS. moto
applies ``InputTransformer`` only; for these targets ``Input`` (constant JSON) and ``InputPath``
(JSONPath into the event) are applied here too.
"""
from __future__ import annotations

import copy
import json

from .. import runtime
from .lambda_subprocess_invoke import invoke_async

NAME = "events_lambda_targets"
PATCHED_SERVICES = ("lambda", "sns")


def apply() -> None:
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self, original_event, transform_input=True):
        if not self.event_pattern.matches_event(original_event):
            return
        patched = [target for target in self.targets if _service(target["Arn"]) in PATCHED_SERVICES]
        if len(patched) < len(self.targets):
            # A copy with only the other targets: the rule itself is shared with concurrent requests.
            others = copy.copy(self)
            others.targets = [target for target in self.targets if target not in patched]
            original(others, original_event, transform_input)
        for target in patched:
            runtime.in_background(_deliver, target, copy.deepcopy(original_event), transform_input)

    Rule.send_to_targets = send_to_targets


def _service(arn: str) -> str:
    return arn.split(":")[2]


def _deliver(target: dict, event: dict, transform_input: bool) -> None:
    payload = _target_input(target, event, transform_input)
    if _service(target["Arn"]) == "lambda":
        invoke_async(target["Arn"], payload)
    else:
        _publish(target["Arn"], payload)


def _target_input(target: dict, event: dict, transform_input: bool):
    """The payload for this target, as EventBridge computes it (Input, InputPath, InputTransformer)."""
    from moto.events.utils import EventTemplateParser

    if not transform_input:  # archive replays deliver the archived event as it is
        return event
    if "Input" in target:
        return json.loads(target["Input"])
    transformer = target.get("InputTransformer", {})
    delivered = EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                          input_paths_map=transformer.get("InputPathsMap", {}), event=event)
    if "InputPath" in target:
        from jsonpath_ng.ext import parse

        matches = parse(target["InputPath"]).find(delivered)
        return matches[0].value if matches else None
    return delivered


def _publish(topic_arn: str, payload) -> None:
    from moto.sns.models import sns_backends

    region, account_id = topic_arn.split(":", 5)[3:5]
    message = payload if isinstance(payload, str) else json.dumps(payload)
    sns_backends[account_id][region].publish(message, arn=topic_arn)
