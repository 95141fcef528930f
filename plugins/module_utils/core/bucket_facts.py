# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet of buckets as the DR side sees it, read only: Region, tags, versioning, replication, DR pair, DR state.

It feeds the inventory plugin (buckets as hosts). Reads run with bounded concurrency, and a bucket
that cannot be read is reported with its error, never hidden and never failing the others.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from .buckets import bucket_tags, listed_bucket_region, listed_buckets, replication_configuration, versioning_status
from .errors import DRError
from .fleet import run_fleet
from .naming import dr_bucket_name
from .replication import normalize_configuration

# What a bucket's DR state can be; the inventory groups hosts as dr_<state>.
DR_STATES = {
    "ready": "versioning enabled and an enabled replication rule",
    "partial": "a replication configuration with no enabled rule, or versioning not enabled",
    "missing": "no replication configuration",
    "replica": "the destination of another listed bucket's replication (a DR bucket)",
    "unknown": "the bucket could not be read (see bucket_read_error)",
}
FILTER_KEYS = ("name", "region", "tag-key", "tag:<key>")


def filter_problems(filters: dict[str, Any]) -> list[str]:
    """What is wrong with a filter mapping, before anything is read."""
    problems = []
    for key, value in (filters or {}).items():
        if key not in ("name", "region", "tag-key") and not (key.startswith("tag:") and len(key) > 4):
            problems.append(f"unknown filter {key!r}: use one of {', '.join(FILTER_KEYS)}")
        elif value is None or _values(value) == []:
            problems.append(f"filter {key!r} has no value")
    return problems


def _values(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]


def _any_match(patterns: list[str], value: str | None) -> bool:
    """Shell-style patterns (``app-*``), as the AWS CLI's filters take them; any one matching is enough."""
    return value is not None and any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def name_matches(filters: dict[str, Any], name: str) -> bool:
    return "name" not in filters or _any_match(_values(filters["name"]), name)


def region_matches(filters: dict[str, Any], region: str) -> bool:
    return "region" not in filters or _any_match(_values(filters["region"]), region)


def tags_match(filters: dict[str, Any], tags: dict[str, str]) -> bool:
    """Every ``tag:<key>`` filter matches the tag's value, and every ``tag-key`` is present."""
    for key, value in filters.items():
        if key == "tag-key" and not all(any(fnmatch.fnmatchcase(tag, pattern) for tag in tags)
                                        for pattern in _values(value)):
            return False
        if key.startswith("tag:") and not _any_match(_values(value), tags.get(key[4:])):
            return False
    return True


def replication_summary(configuration: dict[str, Any] | None) -> dict[str, Any]:
    """The replication configuration in a few plain facts: configured, enabled, role, and one line per rule."""
    normalized = normalize_configuration(configuration) or {"Role": None, "Rules": []}
    rules = [{"id": rule["ID"], "status": rule["Status"], "priority": rule.get("Priority"),
              "dest_bucket": (rule["Destination"].get("Bucket") or "").split(":::", 1)[-1] or None,
              "dest_account": rule["Destination"].get("Account")}
             for rule in sorted(normalized["Rules"], key=lambda rule: (rule.get("Priority") or 0, rule["ID"]))]
    return {"configured": configuration is not None, "enabled": any(rule["status"] == "Enabled" for rule in rules),
            "role": normalized["Role"], "rules": rules}


def read_bucket(clients, listing_s3, listed: dict[str, Any], filters: dict[str, Any]) -> dict[str, Any] | None:
    """One bucket's facts, or None when the filters leave it out. Reads stop as soon as a filter fails.

    A read that fails gives the facts of an unreadable bucket (``unreadable``), with its Region when known.
    """
    name, region = listed["Name"], listed.get("BucketRegion")
    try:
        region = listed_bucket_region(listing_s3, listed)
        if not region_matches(filters, region):
            return None
        s3 = clients("s3", region)
        tags = bucket_tags(s3, name)
        if tags is None:
            raise DRError("it was deleted while the buckets were being read", bucket=name, region=region)
        if not tags_match(filters, tags):
            return None
        return {"bucket": name, "bucket_region": region, "bucket_tags": tags,
                "bucket_versioning": versioning_status(s3, name),
                "bucket_replication": replication_summary(replication_configuration(s3, name))}
    except Exception as error:  # noqa: BLE001 - reported on the bucket's host; the other buckets go on
        return unreadable(name, region, error)


def unreadable(bucket: str, region: str | None, error: Exception | str) -> dict[str, Any]:
    """The facts of a bucket that could not be read: the error (naming the failed call) and the Region when known."""
    reason = error.message if isinstance(error, DRError) else str(error)
    return {"bucket": bucket, "bucket_region": region, "dr_state": "unknown",
            "bucket_read_error": f"Cannot read bucket {bucket}{' in ' + region if region else ''}: {reason}"}


def fleet_facts(clients, listing_region: str, filters: dict[str, Any], dest_suffix: str = "-dr",
                dest_region: str | None = None, concurrency: int = 16) -> list[dict[str, Any]]:
    """Facts of every bucket of the account the filters select, sorted by name.

    Each has ``bucket`` (its name), ``bucket_region``, ``bucket_tags``, ``bucket_versioning``,
    ``bucket_replication`` (``replication_summary``), the DR pair (``dr_bucket``, ``dr_region``,
    ``dr_pair_source``: ``replication`` when a rule names it, else ``derived`` from ``dest_suffix``
    and ``dest_region``), ``dr_state`` (a key of ``DR_STATES``) and ``dr_replica_of``. A bucket that
    cannot be read has ``bucket_read_error`` and state ``unknown``, with its Region when it is known.
    """
    problems = filter_problems(filters)
    if problems:
        raise DRError("Nothing was read because the filters are invalid: " + "; ".join(problems) + ".")
    listing_s3 = clients("s3", listing_region)
    listed = [bucket for bucket in listed_buckets(listing_s3) if name_matches(filters, bucket["Name"])]
    by_name = {bucket["Name"]: bucket for bucket in listed}
    outcomes = run_fleet(by_name, lambda name: read_bucket(clients, listing_s3, by_name[name], filters), concurrency)

    hosts = []
    for outcome in outcomes:
        if outcome.error is not None:  # read_bucket reports what AWS refuses; this is anything else
            hosts.append(unreadable(outcome.bucket, None, outcome.error))
        elif outcome.result is not None:
            hosts.append(outcome.result)
    regions = {host["bucket"]: host["bucket_region"] for host in hosts if host.get("bucket_region")}
    sources_of: dict[str, list[str]] = {}
    for host in hosts:
        for rule in host.get("bucket_replication", {}).get("rules", []):
            if rule["dest_bucket"]:
                sources_of.setdefault(rule["dest_bucket"], []).append(host["bucket"])
    for host in hosts:
        host["dr_replica_of"] = sorted(set(sources_of.get(host["bucket"], [])))
        if "bucket_read_error" not in host:
            _add_dr_pair(listing_s3, host, regions, dest_suffix, dest_region)
    return sorted(hosts, key=lambda host: host["bucket"])


def _add_dr_pair(listing_s3, host: dict[str, Any], regions: dict[str, str], dest_suffix: str,
                 dest_region: str | None) -> None:
    replication = host["bucket_replication"]
    enabled = [rule for rule in replication["rules"] if rule["status"] == "Enabled" and rule["dest_bucket"]]
    if enabled:
        dest = enabled[0]["dest_bucket"]
        host.update(dr_bucket=dest, dr_region=regions.get(dest) or _region_if_readable(listing_s3, dest),
                    dr_pair_source="replication")
    elif host["dr_replica_of"]:  # a DR bucket: it has no DR pair of its own to derive
        host.update(dr_bucket=None, dr_region=None, dr_pair_source=None)
    else:
        host.update(dr_bucket=dr_bucket_name(host["bucket"], dest_suffix), dr_region=dest_region,
                    dr_pair_source="derived")
    if host["dr_replica_of"]:
        host["dr_state"] = "replica"
    elif not replication["configured"]:
        host["dr_state"] = "missing"
    elif enabled and host["bucket_versioning"] == "Enabled":
        host["dr_state"] = "ready"
    else:
        host["dr_state"] = "partial"


def _region_if_readable(s3, bucket: str) -> str | None:
    """The Region of a bucket outside the listing (another account's DR bucket), or None when it cannot be read."""
    try:
        return listed_bucket_region(s3, {"Name": bucket})
    except Exception:  # noqa: BLE001 - a DR bucket of another account may well refuse; the pair is still shown
        return None
