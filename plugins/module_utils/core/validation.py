# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks shared by every front door (modules, fleet runs, Lambda handlers, role filters).

Two kinds: ``*_problem(s)`` functions are pure and run before any AWS call; ``require_*``
functions make reads only (GetRole) and run after the source bucket's Region is known, still
before the first write. Each returns or raises a sentence that names the option and what to do.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable

from .errors import DRError, error_code, error_message, invalid_input
from .policies import DEFAULT_PARTITION

ACCOUNT_ID = re.compile(r"^\d{12}$")
KMS_KEY_ID = re.compile(r"^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
# S3 accepts a new role within seconds to minutes; an hour is far past any IAM propagation delay seen.
MAX_ROLE_PROPAGATION_SECONDS = 3600
UNKNOWN_REGION_ADVICE = ("Check the spelling; for a Region newer than this botocore, set allow_unknown_region: true "
                         "(or upgrade botocore)")


@functools.lru_cache(maxsize=1)
def s3_regions() -> dict[str, str]:
    """Region -> partition, for every Region botocore knows S3 in."""
    import boto3  # the core's only dependency; imported here so that pure helpers stay importable without it

    session = boto3.session.Session()
    return {region: partition for partition in session.get_available_partitions()
            for region in session.get_available_regions("s3", partition)}


def partition_of(region: str | None) -> str | None:
    """The partition of a Region (botocore's Region patterns for one it does not list), or None."""
    if not region:
        return None
    known = s3_regions().get(region)
    if known:
        return known
    import boto3

    try:
        return boto3.session.Session().get_partition_for_region(region)
    except Exception:  # noqa: BLE001 - botocore says UnknownRegionError; any failure means "no idea"
        return None


def dns_suffix(partition: str) -> str:
    """The DNS suffix of a partition's endpoints (amazonaws.com, amazonaws.com.cn, ...), from botocore's data."""
    return _dns_suffixes().get(partition, "amazonaws.com")


@functools.lru_cache(maxsize=1)
def _dns_suffixes() -> dict[str, str]:
    import botocore.session

    return {partition["partition"]: partition["dnsSuffix"]
            for partition in botocore.session.get_session().get_data("endpoints")["partitions"]}


def region_problem(region: str | None, option: str, allow_unknown_region: bool = False) -> str | None:
    if not isinstance(region, str) or not region.strip():
        return f"{option} must name an AWS Region"
    if region in s3_regions():
        return None
    if not re.match(r"^[a-z]{2,}(-[a-z0-9]+)*-\d+$", region):
        return f"{option} {region!r} is not an AWS Region name (like eu-west-1)"
    if allow_unknown_region:
        return None
    return f"{option} {region!r} is not a Region where this botocore knows S3. {UNKNOWN_REGION_ADVICE}"


def parse_arn(value: Any) -> dict[str, str] | None:
    """``arn:partition:service:region:account:resource`` as a dict, or None when it is not an ARN."""
    if not isinstance(value, str):
        return None
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        return None
    return dict(zip(("arn", "partition", "service", "region", "account", "resource"), parts))


def account_problem(value: Any, option: str) -> str | None:
    if value is None or ACCOUNT_ID.match(str(value)):
        return None
    return f"{option} {value!r} is not an AWS account id (12 digits)"


def role_arn_problem(value: str | None, option: str, partition: str | None) -> str | None:
    """What is wrong with an IAM role ARN, without calling AWS."""
    return iam_arn_problem(value, option, partition, "role")


def iam_arn_problem(value: str | None, option: str, partition: str | None, kind: str) -> str | None:
    """What is wrong with the ARN of an IAM ``kind`` (role, policy), without calling AWS."""
    if value is None:
        return None
    arn = parse_arn(value)
    if arn is None:
        return (f"{option} {value!r} is not an ARN; give an IAM {kind} ARN like "
                f"arn:{partition or DEFAULT_PARTITION}:iam::111122223333:{kind}/name")
    if arn["service"] != "iam" or not arn["resource"].startswith(f"{kind}/"):
        return f"{option} {value} is not an IAM {kind} ARN (service {arn['service']}, resource {arn['resource']})"
    if arn["region"]:
        return f"{option} {value} names Region {arn['region']}, but IAM ARNs have no Region"
    if not ACCOUNT_ID.match(arn["account"]):
        return f"{option} {value} has no 12-digit account id"
    if partition and arn["partition"] != partition:
        return f"{option} {value} is in partition {arn['partition']}, but the Regions of this task are in {partition}"
    return None


def kms_key_problem(value: str | None, option: str, region: str | None, where: str) -> str | None:
    """What is wrong with a KMS key reference that must live in ``region`` (``where`` says which Region that is)."""
    if not value:
        return None
    arn = parse_arn(value)
    if arn is None:
        if value.startswith("alias/") or KMS_KEY_ID.match(value):
            return None
        return (f"{option} {value!r} is not a KMS key: give a key ARN, a key id or alias/<name> of a key in "
                f"{where} {region}")
    if arn["service"] != "kms" or not arn["resource"].startswith(("key/", "alias/")):
        return f"{option} {value} is not a KMS key ARN (service {arn['service']})"
    if not ACCOUNT_ID.match(arn["account"]):
        return f"{option} {value} has no 12-digit account id"
    if region and arn["region"] != region:
        return (f"{option} {value} is a key in {arn['region'] or 'no Region'}, but it must be in {where} {region} "
                "(KMS keys do not cross Regions; use a key, or a multi-Region replica key, of that Region)")
    return None


def tag_filter_problem(tags: Any, option: str = "source_tags") -> str | None:
    """An empty filter would select every tagged bucket of the Region, unrelated ones included."""
    if not isinstance(tags, dict) or not tags:
        return f"{option} is empty, which would select every tagged bucket of the Region; give at least one tag"
    empty = [key for key in tags if not str(key).strip()]
    if empty:
        return f"{option} has an empty tag key; give tag keys such as dr"
    return None


def duplicate_sources_problem(source_buckets: Iterable[str], option: str = "sources") -> str | None:
    names = list(source_buckets)
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        return (f"{option} lists {', '.join(twice)} more than once; give each source bucket once (with one "
                "dest_bucket)")
    return None


def selection_problems(source_bucket: str | None, sources: list[dict[str, Any]] | None,
                       source_tags: dict[str, Any] | None, source_region: str | None, dest_region: str | None,
                       allow_unknown_region: bool = False) -> list[str]:
    """What is wrong with the choice of buckets (a list, or tags), before any call.

    A single ``source_bucket`` is left to the core function's own checks, whose message names it.
    """
    problems: list[str | None] = []
    if source_tags is not None:
        problems.append(tag_filter_problem(source_tags))
        problems += region_pair_problems(source_region, dest_region, allow_unknown_region)
    elif source_bucket is None:
        problems.append(region_problem(dest_region, "dest_region", allow_unknown_region))
    if sources is not None:
        if not sources:
            problems.append("sources is empty; list at least one source bucket")
        problems.append(duplicate_sources_problem(item["source_bucket"] for item in sources))
    return [problem for problem in problems if problem]


def region_pair_problems(source_region: str | None, dest_region: str | None, allow_unknown_region: bool = False,
                         names: tuple[str, str] = ("source_region", "dest_region")) -> list[str]:
    """A source -> DR Region pair: both Regions S3 knows, and two different ones."""
    problems = [region_problem(source_region, names[0], allow_unknown_region),
                region_problem(dest_region, names[1], allow_unknown_region)]
    if source_region and source_region == dest_region:
        problems.append(f"{names[0]} and {names[1]} are both {dest_region}; DR needs another Region")
    return [problem for problem in problems if problem]


def same_region_problem(source_bucket: str, source_region: str, dest_region: str) -> str | None:
    if source_region == dest_region:
        return (f"source bucket {source_bucket} is in {source_region}, the same Region as dest_region; "
                "cross-Region DR needs a dest_region other than the source bucket's Region")
    return None


def require_no_problems(source_bucket: str, problems: Iterable[str | None], region: str | None = None) -> None:
    """Raise the one 'nothing was changed' error for the problems found, if any."""
    found = [problem for problem in problems if problem]
    if found:
        raise invalid_input(source_bucket, found, region=region)


def role_arn_live_problem(iam_client, role_arn: str | None, account_id: str) -> str | None:
    """A role ARN of another account, or of a role that does not exist (read-only GetRole)."""
    if not role_arn:
        return None
    arn = parse_arn(role_arn)
    if arn is None:
        return None  # reported by role_arn_problem
    if arn["account"] != account_id:
        return (f"role_arn {role_arn} is in account {arn['account']}, but S3 can only use a replication role of "
                f"the source bucket's account {account_id}")
    try:
        iam_client.get_role(RoleName=arn["resource"].rsplit("/", 1)[-1])
    except Exception as error:
        if error_code(error) == "NoSuchEntity":
            return f"role_arn {role_arn} names a role that does not exist; create it first, or leave role_arn out " \
                   "to let this module manage the replication role"
        if error_code(error) in ("AccessDenied", "AccessDeniedException"):
            return None  # cannot be checked with these rights; S3 refuses a missing role when the rule is put
        raise DRError(f"Cannot check role_arn {role_arn}: {error_message(error)}", cause=error) from error
    return None


def source_keys_problems(keys: Iterable[str], source_region: str) -> list[str]:
    return [kms_key_problem(key, "source_kms_key_ids", source_region, "the source Region") for key in keys]
