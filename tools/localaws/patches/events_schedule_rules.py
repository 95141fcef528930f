"""A scheduled EventBridge rule matches no events.

Upstream gap (moto 5.2.5, ``Rule.send_to_targets`` / ``EventPattern.matches_event``): a rule with
only a ScheduleExpression has an empty pattern, and moto treats an empty pattern as "match
everything", so every PutEvents (and every event our CloudTrail patch puts) also reaches the
targets of every scheduled rule. On AWS a schedule rule fires on its schedule only. This patch
makes such rules ignore put events (moto does not run schedules; tests invoke the target).
"""
from __future__ import annotations

NAME = "events_schedule_rules"


def apply() -> None:
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self, original_event, transform_input=True):
        if self.scheduled_expression and not self.event_pattern.get_pattern():
            return None
        return original(self, original_event, transform_input)

    Rule.send_to_targets = send_to_targets
