# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket names: S3's rules, and the DR bucket name derived from a source bucket."""

from __future__ import annotations

import hashlib
import re

MAX_BUCKET_NAME_LENGTH = 63
HASH_LENGTH = 8
_ALLOWED = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid general purpose bucket name, or None when it is."""
    if not isinstance(name, str) or not 3 <= len(name) <= MAX_BUCKET_NAME_LENGTH:
        return f"must be 3 to {MAX_BUCKET_NAME_LENGTH} characters long"
    if not _ALLOWED.match(name):
        return "may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return "must not hold two adjacent periods or a period next to a hyphen"
    if _IP_ADDRESS.match(name):
        return "must not be formatted as an IP address"
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return "uses a prefix or suffix that S3 reserves"
    return None


def dr_bucket_name(source_bucket: str, suffix: str = "-dr") -> str:
    """The DR bucket name for a source bucket: ``<source><suffix>``.

    When that passes 63 characters, the source part is cut and an 8-character hash of the full
    name is put before the suffix, so the result is deterministic and still unique per source:
    ``<source cut>-<sha256(source + suffix)[:8]><suffix>``.
    """
    name = f"{source_bucket}{suffix}"
    if len(name) <= MAX_BUCKET_NAME_LENGTH:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    keep = MAX_BUCKET_NAME_LENGTH - len(suffix) - HASH_LENGTH - 1
    return f"{source_bucket[:keep].rstrip('.-')}-{digest}{suffix}"


def role_name_for(source_bucket: str, prefix: str = "s3-crr-") -> str:
    """The managed replication role's default name (IAM allows 64 characters)."""
    name = f"{prefix}{source_bucket}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    return f"{name[:64 - HASH_LENGTH - 1]}-{digest}"


MAX_MRAP_NAME_LENGTH = 50
_MRAP_NAME = re.compile(r"^[a-z0-9][-a-z0-9]{1,48}[a-z0-9]$")


def mrap_name_for(source_bucket: str) -> str:
    """A pair's Multi-Region Access Point default name: the source bucket's, dots as hyphens, at most 50 characters
    (cut, with an 8-character hash of the full name, when longer)."""
    name = source_bucket.replace(".", "-")
    if len(name) <= MAX_MRAP_NAME_LENGTH:
        return name
    digest = hashlib.sha256(source_bucket.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    return f"{name[:MAX_MRAP_NAME_LENGTH - HASH_LENGTH - 1].rstrip('-')}-{digest}"


def mrap_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid Multi-Region Access Point name, or None when it is."""
    if not isinstance(name, str) or not _MRAP_NAME.match(name):
        return (f"Multi-Region Access Point name {name!r} must be 3 to {MAX_MRAP_NAME_LENGTH} lowercase letters, digits "
                "and hyphens, beginning and ending with a letter or digit")
    return None


def pair_name_problems(source_bucket: str, dest_bucket: str | None, dest_suffix: str) -> list[str]:
    """What is wrong with a source bucket name and its DR bucket name (given, or derived with the suffix)."""
    problems = []
    source_problem = bucket_name_problem(source_bucket)
    if source_problem:
        problems.append(f"source_bucket {source_bucket!r} is not a valid bucket name: it {source_problem}")
    if dest_bucket is not None:
        dest_problem = bucket_name_problem(dest_bucket)
        if dest_problem:
            problems.append(f"dest_bucket {dest_bucket!r} is not a valid bucket name: it {dest_problem}")
    elif not source_problem:
        derived = dr_bucket_name(source_bucket, dest_suffix)
        derived_problem = bucket_name_problem(derived)
        if derived_problem:
            problems.append(f"the DR bucket name {derived!r} derived with dest_suffix {dest_suffix!r} is not valid: "
                            f"it {derived_problem}; set dest_bucket or dest_suffix")
    if (dest_bucket or dr_bucket_name(source_bucket, dest_suffix)) == source_bucket:
        problems.append(f"dest_bucket is the source bucket {source_bucket}; a bucket cannot be its own DR copy")
    return problems
