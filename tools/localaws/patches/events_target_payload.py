"""EventBridge targets receive the whole event, with ``account`` and an ISO-8601 ``time``.

Upstream gap (moto 5.2.5, ``EventTemplateParser.parse`` used by ``Rule.send_to_targets``): with no
Input, InputPath or InputTransformer, moto rebuilds the event from a template that drops
``account`` and writes ``time`` as a bare JSON value, so an event whose time is a string (as
every AWS event's is, e.g. ``2026-11-22T04:00:00Z``) makes delivery fail with a JSONDecodeError
and a numeric time reaches the target as a number. AWS delivers the event unchanged, ``time`` as
an ISO-8601 string. This patch does that for the no-transformation case and leaves the
transformer path to moto.
"""
from __future__ import annotations

import copy
from datetime import datetime, timezone

NAME = "events_target_payload"
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def apply() -> None:
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser

    original = EventTemplateParser.parse
    original_send_to_sqs_queue = Rule._send_to_sqs_queue

    def parse(input_template, input_paths_map, event):
        if input_template or input_paths_map:
            return original(input_template, input_paths_map, event)
        delivered = copy.deepcopy(event)
        delivered.pop("ingestion-time", None)  # moto's bookkeeping, not part of the event
        delivered["time"] = iso_time(delivered.get("time"))
        return delivered

    def _send_to_sqs_queue(self, resource_id, event, group_id=None):
        # moto formats an epoch time for SQS itself; hand it one so it does not fail on the string.
        if isinstance(event.get("time"), str):
            event = {**event, "time": datetime.strptime(event["time"], ISO_FORMAT).replace(tzinfo=timezone.utc).timestamp()}
        original_send_to_sqs_queue(self, resource_id, event, group_id)

    Rule._send_to_sqs_queue = _send_to_sqs_queue
    EventTemplateParser.parse = staticmethod(parse)


def iso_time(value) -> str:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc).strftime(ISO_FORMAT)
    return value or datetime.now(timezone.utc).strftime(ISO_FORMAT)
