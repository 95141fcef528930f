# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every bucket configuration category is: five verbs over one S3 API surface.

``read`` returns the category's value as the API shapes it, or None when the bucket has none.
``normalize`` folds what S3 fills in, so two values that mean the same compare equal.
``rewrite`` turns a source value into the DR bucket's (bucket names, Regions, KMS keys, targets).
``apply`` writes a value (given the DR bucket's current one); ``delete`` removes it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import describe_error, error_code
from ..policies import DEFAULT_PARTITION, bucket_arn


class Unmapped(Exception):
    """The source value cannot be carried to the DR bucket as it is, and no mapping was given."""


@dataclass
class RewriteContext:
    source_bucket: str
    dest_bucket: str
    source_region: str
    dest_region: str
    account_id: str
    kms_key_map: dict[str, str] = field(default_factory=dict)
    notification_target_map: dict[str, str] = field(default_factory=dict)
    bucket_map: dict[str, str] = field(default_factory=dict)
    policy_value_map: dict[str, str] = field(default_factory=dict)
    trigger_tag_key: str = "dr"
    on_unmapped: str = "skip"  # or "fail"
    # What could not be carried, in the words a user needs ("notification queue ... has no mapping").
    skipped: list[str] = field(default_factory=list)
    partition: str = DEFAULT_PARTITION  # of the caller's identity: the DR bucket's ARNs are built in it
    dest_account_id: str = ""  # the DR bucket's account, when it is another one (dest_account_role_arn)

    @property
    def dest_account(self) -> str:
        return self.dest_account_id or self.account_id

    def map_bucket(self, bucket: str, what: str) -> str:
        """The DR counterpart of a bucket a setting points at (the source bucket maps to the DR bucket)."""
        if bucket == self.source_bucket:
            return self.dest_bucket
        if bucket in self.bucket_map:
            return self.bucket_map[bucket]
        raise Unmapped(f"{what} points at bucket {bucket}, which has no entry in bucket_map")

    def map_bucket_arn(self, arn: str, what: str) -> str:
        return bucket_arn(self.map_bucket(arn.split(":::", 1)[-1], what), self.partition)

    def map_access_point_arn(self, arn: str, what: str) -> str:
        """A source access point's ARN in the DR Region: the access-points category recreates this account's
        access points of the source Region under the same names; any other one needs policy_value_map."""
        parts = arn.split(":", 5)
        if arn in self.policy_value_map:
            return self.policy_value_map[arn]
        if len(parts) == 6 and parts[3] == self.source_region and parts[4] == self.account_id:
            return ":".join(parts[:3] + [self.dest_region, self.dest_account, parts[5]])
        raise Unmapped(f"{what} value {arn} only exists in {self.source_region}; map it in policy_value_map")

    def map_kms_key(self, key: str, what: str) -> str:
        """A KMS key for the DR Region: from kms_key_map, or the same key if it is not Region-bound here."""
        if key in self.kms_key_map:
            return self.kms_key_map[key]
        if key.startswith("arn:") and key.split(":")[3] == self.dest_region:
            return key
        raise Unmapped(f"{what} uses KMS key {key}, which is bound to {self.source_region}; add it to kms_key_map "
                       f"with a key of {self.dest_region}")


# What S3 answers for an API a Region does not offer (Transfer Acceleration in eu-north-1: MethodNotAllowed; in
# GovCloud: UnsupportedArgument) and S3-compatible stores for one they do not implement (NotImplemented, 501).
UNSUPPORTED_API_CODES = ("MethodNotAllowed", "UnsupportedArgument", "NotImplemented", "XNotImplemented", "501")


class Category:
    name = ""
    # The piece of the secure baseline (a gap name of buckets.baseline_gaps) this category lays, if any.
    baseline_gap: str | None = None

    def client(self, clients, region: str, account_id: str):
        """What ``read``, ``apply`` and ``delete`` get for a bucket of ``region``: its S3 client."""
        return clients("s3", region)

    def read(self, s3, bucket: str) -> Any:
        raise NotImplementedError

    def unsupported(self, source_value: Any, dest_value: Callable[[str], Any], dest_bucket: str) -> str | None:
        """Why the DR bucket cannot take this category at all, or None. ``dest_value(name)`` is the DR bucket's
        current value of a category (read once per run, or known from what the run wrote)."""
        return None

    def normalize(self, value: Any) -> Any:
        return value

    def rewrite(self, value: Any, context: RewriteContext) -> Any:
        return copy.deepcopy(value)

    def rewrite_absent(self, context: RewriteContext) -> Any:
        """The DR value when the source bucket has none of this category: none, for most categories."""
        return None

    def secure_baseline(self, desired: Any, dest_value: Any, context: RewriteContext) -> Any:
        """The DR value with the secure baseline (``secure_baseline: true``) laid on top of ``desired``."""
        return desired

    def unsupported_read(self, error: Exception) -> str | None:
        """Why reading this category failed because the API is not there (a Region or an S3-compatible store that
        does not offer it): the category is skipped with this reason. None: a real failure of the read."""
        if error_code(error) in UNSUPPORTED_API_CODES:
            return f"{self.name} is not supported here ({describe_error(error)}), so there is nothing to clone"
        return None

    def desired_given_dest(self, desired: Any, dest_value: Any) -> Any:
        """The DR value, given the rewritten source value and the DR bucket's current one: a category
        whose source value can be a floor rather than a choice keeps what the DR bucket has."""
        return desired

    def apply(self, s3, bucket: str, value: Any, current: Any) -> None:
        raise NotImplementedError

    def delete(self, s3, bucket: str, current: Any) -> None:
        raise NotImplementedError

    def explain(self, error: Exception, dest_s3, dest_bucket: str) -> str:
        """Why cloning this category failed, in a user's words; categories that know S3's refusals say more."""
        return describe_error(error)


def without_metadata(response: dict[str, Any] | None) -> dict[str, Any] | None:
    if response is None:
        return None
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


class IdCollection(Category):
    """Categories S3 keeps as configurations by Id: analytics, metrics, inventory, intelligent tiering."""

    list_call = ""
    list_key = ""
    put_call = ""
    delete_call = ""
    config_param = ""

    def read(self, s3, bucket: str) -> dict[str, Any] | None:
        configurations: dict[str, Any] = {}
        token = None
        while True:
            response = getattr(s3, self.list_call)(Bucket=bucket, **({"ContinuationToken": token} if token else {}))
            for configuration in response.get(self.list_key, []):
                configurations[configuration["Id"]] = configuration
            token = response.get("NextContinuationToken")
            if not response.get("IsTruncated") or not token:
                break
        return configurations or None

    def rewrite(self, value, context):
        return {config_id: self.rewrite_one(configuration, context) for config_id, configuration in value.items()}

    def rewrite_one(self, configuration: dict[str, Any], context: RewriteContext) -> dict[str, Any]:
        return copy.deepcopy(configuration)

    def apply(self, s3, bucket, value, current):
        current = current or {}
        for config_id, configuration in value.items():
            if self.normalize({config_id: configuration}) != self.normalize({config_id: current.get(config_id)}):
                getattr(s3, self.put_call)(Bucket=bucket, Id=config_id, **{self.config_param: configuration})
        for config_id in set(current) - set(value):
            getattr(s3, self.delete_call)(Bucket=bucket, Id=config_id)

    def delete(self, s3, bucket, current):
        for config_id in current or {}:
            getattr(s3, self.delete_call)(Bucket=bucket, Id=config_id)
