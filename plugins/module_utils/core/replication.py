# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication rules: from the user's spec to the S3 API shape, validated, normalized and merged.

Pure functions, no AWS calls, so that they are unit-tested on their own.
"""

from __future__ import annotations

import copy
from typing import Any

from .policies import DEFAULT_PARTITION, bucket_arn

DEFAULT_RULE_ID = "dr"
RTC_MINUTES = 15  # the only value S3 accepts for ReplicationTime and the Metrics event threshold
STORAGE_CLASSES = ("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                   "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS")


def default_rules() -> list[dict[str, Any]]:
    """One rule for the whole bucket, delete markers replicated."""
    return [{"id": DEFAULT_RULE_ID}]


def rule_problems(rule: dict[str, Any]) -> list[str]:
    """What is wrong with one rule spec, before anything is written."""
    rule_id = rule.get("id") or "<no id>"
    problems = []
    if not rule.get("id"):
        problems.append("every rule needs an id")
    elif len(rule["id"]) > 255:
        problems.append(f"rule {rule_id}: id is longer than 255 characters")
    if rule.get("tags") and rule.get("delete_marker_replication"):
        problems.append(f"rule {rule_id}: S3 cannot replicate delete markers for a rule with a tag filter; "
                        "set delete_marker_replication to false or remove the tags")
    if rule.get("replication_time") and not rule.get("metrics"):
        problems.append(f"rule {rule_id}: replication_time (S3 RTC) requires metrics: true")
    if rule.get("sse_kms_encrypted_objects") and not rule.get("replica_kms_key_id"):
        problems.append(f"rule {rule_id}: sse_kms_encrypted_objects needs replica_kms_key_id, the KMS key in the "
                        "DR Region that encrypts the replicas")
    if rule.get("replica_kms_key_id") and not rule.get("sse_kms_encrypted_objects"):
        problems.append(f"rule {rule_id}: replica_kms_key_id is only used with sse_kms_encrypted_objects: true")
    if rule.get("priority") is not None and int(rule["priority"]) < 0:
        problems.append(f"rule {rule_id}: priority must be 0 or more")
    if rule.get("storage_class") and rule["storage_class"] not in STORAGE_CLASSES:
        problems.append(f"rule {rule_id}: storage_class must be one of {', '.join(STORAGE_CLASSES)}")
    return problems


def with_destination_owner(rule: dict[str, Any], dest_account: str | None, owner_override: bool) -> dict[str, Any]:
    """The rule with the task-level ``dest_account`` / ``owner_override`` filled in where it sets none itself."""
    return {**rule, "dest_account": rule.get("dest_account") or dest_account,
            "owner_override": owner_override if rule.get("owner_override") is None else rule["owner_override"]}


def rules_problems(rules: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the rules together (``rules`` as ``with_destination_owner`` returns them)."""
    problems = [problem for rule in rules for problem in rule_problems(rule)]
    ids = [rule.get("id") for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if rule_id and ids.count(rule_id) > 1})
    if duplicates:
        problems.append(f"rule ids must be unique: {', '.join(duplicates)} given more than once")
    priorities = [rule["priority"] for rule in rules if rule.get("priority") is not None]
    if len(priorities) != len(set(priorities)):
        problems.append("rule priorities must be unique")
    for rule in rules:
        if rule.get("owner_override") and not rule.get("dest_account"):
            problems.append(f"rule {rule.get('id') or '<no id>'}: owner_override needs dest_account, the account "
                            "that owns the DR bucket")
    accounts = {rule.get("dest_account") or "this account" for rule in rules}
    if len(accounts) > 1:
        # Every rule of this task replicates to the one DR bucket, and a bucket has one owner.
        problems.append(f"the rules name different DR bucket owners ({', '.join(sorted(accounts))}); they all "
                        "replicate to the one DR bucket, so set dest_account once for the task or the same on every rule")
    return problems


def api_rule(rule: dict[str, Any], dest_bucket: str, priority: int | None,
             partition: str = DEFAULT_PARTITION) -> dict[str, Any]:
    """The S3 API shape of one rule spec (a V2 rule: Filter, Priority, DeleteMarkerReplication)."""
    tags = [{"Key": key, "Value": str(value)} for key, value in sorted((rule.get("tags") or {}).items())]
    prefix = rule.get("prefix") or ""
    if tags and (prefix or len(tags) > 1):
        rule_filter: dict[str, Any] = {"And": {**({"Prefix": prefix} if prefix else {}), "Tags": tags}}
    elif tags:
        rule_filter = {"Tag": tags[0]}
    elif prefix:
        rule_filter = {"Prefix": prefix}
    else:
        rule_filter = {}
    delete_markers = rule.get("delete_marker_replication")
    if delete_markers is None:
        delete_markers = not tags
    destination: dict[str, Any] = {"Bucket": bucket_arn(dest_bucket, partition)}
    if rule.get("dest_account"):
        destination["Account"] = rule["dest_account"]
    if rule.get("storage_class"):
        destination["StorageClass"] = rule["storage_class"]
    if rule.get("owner_override"):
        destination["AccessControlTranslation"] = {"Owner": "Destination"}
    if rule.get("replica_kms_key_id"):
        destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": rule["replica_kms_key_id"]}
    if rule.get("replication_time"):
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": RTC_MINUTES}}
    if rule.get("metrics"):
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": RTC_MINUTES}}
    result: dict[str, Any] = {
        "ID": rule["id"],
        "Priority": priority,
        "Status": "Disabled" if (rule.get("status") or "enabled").lower() == "disabled" else "Enabled",
        "Filter": rule_filter,
        "DeleteMarkerReplication": {"Status": "Enabled" if delete_markers else "Disabled"},
        "Destination": destination,
    }
    criteria = {}
    if rule.get("sse_kms_encrypted_objects"):
        criteria["SseKmsEncryptedObjects"] = {"Status": "Enabled"}
    if rule.get("replica_modifications"):
        criteria["ReplicaModifications"] = {"Status": "Enabled"}
    if criteria:
        result["SourceSelectionCriteria"] = criteria
    return result


def upgrade_legacy_rule(rule: dict[str, Any], priority: int) -> dict[str, Any]:
    """A V1 rule (top-level Prefix, no Filter) as the equivalent V2 rule.

    S3 refuses a configuration that mixes V1 and V2 rules. V1 rules replicate delete markers.
    """
    upgraded = {key: value for key, value in rule.items() if key != "Prefix"}
    upgraded["Filter"] = {"Prefix": rule["Prefix"]} if rule.get("Prefix") else {}
    upgraded["Priority"] = priority
    upgraded["DeleteMarkerReplication"] = {"Status": "Enabled"}
    return upgraded


def is_legacy_rule(rule: dict[str, Any]) -> bool:
    return "Filter" not in rule


def merge_rules(existing: list[dict[str, Any]], desired: list[dict[str, Any]], purge: bool) -> list[dict[str, Any]]:
    """The rules to store: desired rules replace same-ID rules; others are kept unless ``purge``.

    ``desired`` rules are API-shaped with ``Priority`` None where the user gave none: such a rule
    keeps the priority its ID had, or takes the lowest number no other rule uses.
    """
    desired_ids = {rule["ID"] for rule in desired}
    kept = [] if purge else [copy.deepcopy(rule) for rule in existing if rule.get("ID") not in desired_ids]
    existing_priority = {rule.get("ID"): rule.get("Priority") for rule in existing}
    taken = {rule.get("Priority") for rule in kept} | {rule["Priority"] for rule in desired if rule["Priority"] is not None}
    merged = []
    for rule in desired:
        rule = copy.deepcopy(rule)
        if rule["Priority"] is None:
            previous = existing_priority.get(rule["ID"])
            if previous is not None and previous not in taken:
                rule["Priority"] = previous
            else:
                rule["Priority"] = next(number for number in range(len(taken) + 1) if number not in taken)
            taken.add(rule["Priority"])
        merged.append(rule)
    upgraded = []
    for rule in kept:
        if is_legacy_rule(rule):
            priority = rule.get("Priority")
            if priority is None:
                priority = next(number for number in range(len(taken) + 1) if number not in taken)
                taken.add(priority)
            rule = upgrade_legacy_rule(rule, priority)
        upgraded.append(rule)
    return sorted(upgraded + merged, key=lambda rule: rule["ID"])


def normalize_configuration(configuration: dict[str, Any] | None) -> dict[str, Any] | None:
    """A replication configuration in canonical form, for comparison and diff.

    Folds the differences S3 itself makes on read-back: ``Filter: {}`` vs ``{"Prefix": ""}``,
    an absent ``DeleteMarkerReplication`` (Disabled), Disabled selection criteria and metrics
    reported or omitted, tag order.
    """
    if not configuration:
        return None
    rules = [normalize_rule(rule) for rule in configuration.get("Rules", [])]
    return {"Role": configuration.get("Role"), "Rules": sorted(rules, key=lambda rule: rule["ID"])}


def normalize_rule(rule: dict[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = {"ID": rule.get("ID", ""), "Status": rule.get("Status", "Enabled")}
    if is_legacy_rule(rule):
        normalized["Prefix"] = rule.get("Prefix", "")
    else:
        normalized["Priority"] = int(rule.get("Priority") or 0)
        normalized["Filter"] = _normalize_filter(rule.get("Filter") or {})
        normalized["DeleteMarkerReplication"] = {
            "Status": (rule.get("DeleteMarkerReplication") or {}).get("Status", "Disabled")}
    criteria = {name: {"Status": "Enabled"} for name, value in (rule.get("SourceSelectionCriteria") or {}).items()
                if (value or {}).get("Status") == "Enabled"}
    if criteria:
        normalized["SourceSelectionCriteria"] = criteria
    destination = dict(rule.get("Destination") or {})
    for optional in ("ReplicationTime", "Metrics"):
        if (destination.get(optional) or {}).get("Status") != "Enabled":
            destination.pop(optional, None)
    if "ReplicationTime" in destination:
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": RTC_MINUTES}}
    if "Metrics" in destination:
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": RTC_MINUTES}}
    normalized["Destination"] = destination
    if (rule.get("ExistingObjectReplication") or {}).get("Status") == "Enabled":
        normalized["ExistingObjectReplication"] = {"Status": "Enabled"}
    return normalized


def _normalize_filter(rule_filter: dict[str, Any]) -> dict[str, Any]:
    if "And" in rule_filter:
        conjunction = rule_filter["And"] or {}
        tags = sorted(conjunction.get("Tags") or [], key=lambda tag: (tag["Key"], tag["Value"]))
        prefix = conjunction.get("Prefix") or ""
        if len(tags) == 1 and not prefix:
            return {"Tag": tags[0]}
        if not tags:
            return {"Prefix": prefix} if prefix else {}
        return {"And": {**({"Prefix": prefix} if prefix else {}), "Tags": tags}}
    if rule_filter.get("Tag"):
        return {"Tag": rule_filter["Tag"]}
    if rule_filter.get("Prefix"):
        return {"Prefix": rule_filter["Prefix"]}
    return {}
