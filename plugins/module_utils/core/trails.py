# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which CloudTrail trails deliver a Region's S3 bucket calls to EventBridge.

EventBridge receives "AWS API Call via CloudTrail" events only through a trail with logging on
(EventBridge User Guide, "AWS service events delivered via AWS CloudTrail"). The pipeline's rule
needs the write management events of the source Region: a multi-Region trail or a trail of that
Region, logging, whose selectors include them ("Logging management events", CloudTrail User Guide:
a trail without selectors records all management events).
"""

from __future__ import annotations

S3_EVENT_SOURCE = "s3.amazonaws.com"


def trails_covering(clients, region: str) -> list[dict]:
    """Every trail covering ``region``: name, arn, home_region, multi_region, records (bool), reason ('' if it records).

    A multi-Region trail of another Region is read in its home Region, where its status and selectors live.
    """
    found = []
    for trail in clients("cloudtrail", region).describe_trails(includeShadowTrails=True)["trailList"]:
        home = trail.get("HomeRegion") or region
        if not trail.get("IsMultiRegionTrail") and home != region:
            continue
        reason = _not_recording_reason(clients("cloudtrail", home), trail["TrailARN"])
        found.append({"name": trail["Name"], "arn": trail["TrailARN"], "home_region": home,
                      "multi_region": bool(trail.get("IsMultiRegionTrail")), "records": not reason, "reason": reason})
    return found


def _not_recording_reason(cloudtrail, trail_arn: str) -> str:
    if not cloudtrail.get_trail_status(Name=trail_arn).get("IsLogging"):
        return "its logging is stopped"
    selectors = cloudtrail.get_event_selectors(TrailName=trail_arn)
    if not records_management_writes(selectors.get("EventSelectors") or [], selectors.get("AdvancedEventSelectors") or []):
        return "its event selectors leave out the write management events of S3"
    return ""


def records_management_writes(event_selectors: list[dict], advanced_event_selectors: list[dict]) -> bool:
    """Whether a trail's selectors include S3's write management events."""
    if advanced_event_selectors:
        return any(_advanced_selector_includes(selector.get("FieldSelectors") or []) for selector in advanced_event_selectors)
    if not event_selectors:
        return True
    return any(selector.get("IncludeManagementEvents", True) and selector.get("ReadWriteType", "All") in ("All", "WriteOnly")
               for selector in event_selectors)


def _advanced_selector_includes(field_selectors: list[dict]) -> bool:
    fields = {selector.get("Field"): selector for selector in field_selectors}
    if "Management" not in fields.get("eventCategory", {}).get("Equals", []):
        return False
    read_only = fields.get("readOnly", {})
    if read_only.get("Equals") == ["true"] or "false" in read_only.get("NotEquals", []):
        return False
    source = fields.get("eventSource", {})
    if source.get("Equals") and S3_EVENT_SOURCE not in source["Equals"]:
        return False
    return S3_EVENT_SOURCE not in source.get("NotEquals", [])
