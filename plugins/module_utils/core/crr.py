# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cross-Region replication for one bucket: DR bucket, versioning, role, merged rules.

``apply_crr(clients, spec, check_mode)`` is what the module, the pipeline's Lambda and fleet runs
call. It reads first, writes only what differs, and in check mode writes nothing while returning
the same Result.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

from . import buckets, iam, replication, validation
from .discovery import Discovery, PairFacts
from .errors import DRError, error_code, error_message, invalid_input, named_errors
from .naming import dr_bucket_name, pair_name_problems, role_name_for
from .policies import arn_partition, replication_role_policy, replication_trust_policy
from .result import Result
from .waiting import retry_while

LOG = logging.getLogger(__name__)

# S3 may refuse a configuration naming a role IAM created seconds ago (IAM is eventually consistent), but
# the same codes also carry genuine validation errors: only those naming the role are waited out. AccessDenied
# is never waited out: it is the caller's own permission, which a new role does not change.
ROLE_NOT_READY_CODES = ("InvalidArgument", "InvalidRequest")
ROLE_NOT_READY_MESSAGE = "role"
# Right after versioning was enabled on either bucket, S3 may still refuse the rule for versioning; only then is
# this message waited out (on a bucket whose versioning we did not just enable it is the plain truth).
VERSIONING_NOT_SEEN_MESSAGE = "must have versioning enabled"


@dataclass
class CrrSpec:
    source_bucket: str
    dest_region: str
    dest_bucket: str | None = None
    dest_suffix: str = "-dr"
    create_dest_bucket: bool = True
    dest_kms_key_id: str | None = None
    role_arn: str | None = None
    role_name: str | None = None
    rules: list[dict[str, Any]] | None = None
    purge_rules: bool = False
    allow_role_change: bool = False
    dest_account: str | None = None
    owner_override: bool = False
    source_kms_key_ids: list[str] = field(default_factory=list)
    state: str = "present"
    role_propagation_timeout: int = 120
    permissions_boundary: str | None = None
    allow_unknown_region: bool = False
    harden_dest: bool = False

    @property
    def resolved_dest_bucket(self) -> str:
        return self.dest_bucket or dr_bucket_name(self.source_bucket, self.dest_suffix)

    @property
    def resolved_rules(self) -> list[dict[str, Any]]:
        """The rules to manage, each with its DR bucket owner settled (its own, else the task's)."""
        return [replication.with_destination_owner(rule, self.dest_account, self.owner_override)
                for rule in (self.rules or replication.default_rules())]

    @property
    def resolved_dest_account(self) -> str | None:
        """The account that owns the DR bucket, from the task or its rules (``spec_problems`` checks they agree)."""
        return next((rule["dest_account"] for rule in self.resolved_rules if rule.get("dest_account")), None)


def spec_problems(spec: CrrSpec) -> list[str]:
    """Everything wrong with the spec, found before any AWS call."""
    problems = pair_name_problems(spec.source_bucket, spec.dest_bucket, spec.dest_suffix)
    if spec.role_arn and spec.role_name:
        problems.append("give role_arn (a role you manage) or role_name (a role this module manages), not both")
    if spec.state == "present":
        problems.extend(replication.rules_problems(spec.resolved_rules))
    problems.extend(input_problems(spec))
    return problems


def input_problems(spec: CrrSpec) -> list[str]:
    """Regions, ARNs, keys, accounts and bounds: what AWS would refuse only after earlier writes succeeded."""
    dest_region = spec.dest_region
    problems = [validation.region_problem(dest_region, "dest_region", spec.allow_unknown_region),
                validation.role_arn_problem(spec.role_arn, "role_arn", validation.partition_of(dest_region)),
                validation.iam_arn_problem(spec.permissions_boundary, "permissions_boundary",
                                           validation.partition_of(dest_region), "policy"),
                validation.kms_key_problem(spec.dest_kms_key_id, "dest_kms_key_id", dest_region, "the DR Region")]
    problems += [validation.kms_key_problem(rule.get("replica_kms_key_id"), f"rule {rule.get('id')}: replica_kms_key_id",
                                            dest_region, "the DR Region") for rule in spec.rules or []]
    problems += [validation.kms_key_problem(key, "source_kms_key_ids", None, "the source Region")
                 for key in spec.source_kms_key_ids]
    problems.append(validation.account_problem(spec.dest_account, "dest_account"))
    problems += [validation.account_problem(rule.get("dest_account"), f"rule {rule.get('id')}: dest_account")
                 for rule in spec.rules or []]
    if not 0 <= spec.role_propagation_timeout <= validation.MAX_ROLE_PROPAGATION_SECONDS:
        problems.append(f"role_propagation_timeout must be 0 to {validation.MAX_ROLE_PROPAGATION_SECONDS} seconds, "
                        f"not {spec.role_propagation_timeout}")
    return [problem for problem in problems if problem]


def apply_crr(clients, spec: CrrSpec, check_mode: bool = False) -> Result:
    problems = spec_problems(spec)
    if problems:
        raise invalid_input(spec.source_bucket, problems)
    if spec.state == "absent":
        return remove_rules(clients, spec, check_mode)
    return enable_replication(clients, spec, check_mode)


def enable_replication(clients, spec: CrrSpec, check_mode: bool = False, discovery: Discovery | None = None,
                       facts: PairFacts | None = None) -> Result:
    """Replication for one bucket; ``discovery`` and ``facts`` (one pass over a fleet) spare the reads already made."""
    result = Result()
    with named_errors(spec.source_bucket, lambda: result.done(check_mode)):
        _enable(clients, spec, check_mode, result, discovery or Discovery(), facts or PairFacts(),
                boundary_scope=discovery)
    return result


def _enable(clients, spec: CrrSpec, check_mode: bool, result: Result, discovery: Discovery, facts: PairFacts,
            boundary_scope: Any = None) -> None:
    source, dest = spec.source_bucket, spec.resolved_dest_bucket
    identity = discovery.identity(clients, spec.dest_region)
    account_id, partition = identity["Account"], arn_partition(identity["Arn"])
    source_region = discovery.source_region(clients, source, spec.dest_region)
    _require_valid_target(clients, spec, source_region, account_id)
    source_s3, dest_s3 = clients("s3", source_region), clients("s3", spec.dest_region)
    dest_account = spec.resolved_dest_account
    dest_in_other_account = bool(dest_account) and dest_account != account_id

    source_versioning = buckets.versioning_status(source_s3, source, facts.source_values)
    source_object_lock = _object_lock(facts.source_values, source_s3, source)
    if dest_in_other_account:
        # That account creates and guards its bucket; we can neither see nor change it.
        dest_exists, dest_versioning, dest_gaps = None, None, []
    else:
        dest_exists = facts.dest_exists
        if dest_exists is None:
            dest_exists = buckets.dest_bucket_state(dest_s3, dest, spec.dest_region, account_id)
        dest_versioning = buckets.versioning_status(dest_s3, dest, facts.dest_values) if dest_exists else "Disabled"
        dest_gaps, dest_policy = buckets.baseline_gaps(dest_s3, dest, facts.dest_values) if dest_exists else ([], None)
        if dest_exists and source_object_lock and not _object_lock(facts.dest_values, dest_s3, dest):
            raise DRError(f"Source bucket {source} uses Object Lock but DR bucket {dest} in {spec.dest_region} does "
                          f"not, so locked versions would replicate without their retention. "
                          f"{buckets.object_lock_advice(dest, spec.dest_region)}.", bucket=source, region=source_region)
        if not dest_exists and not spec.create_dest_bucket:
            raise DRError(f"DR bucket {dest} does not exist in {spec.dest_region} and create_dest_bucket is false. "
                          "Create it, or set create_dest_bucket: true.", bucket=source, region=source_region)
    existing = buckets.replication_configuration(source_s3, source)

    result.before = {
        "source_bucket": source, "source_region": source_region, "source_versioning": source_versioning,
        "dest_bucket": dest, "dest_region": spec.dest_region, "dest_bucket_exists": dest_exists,
        "dest_versioning": dest_versioning, "replication": replication.normalize_configuration(existing),
        "dest_baseline_gaps": list(dest_gaps),
    }

    # S3 accepts an alias or a bare key id as ReplicaKmsKeyID, and replication then fails: store the key ARN.
    replica_keys = _replica_key_arns(clients, spec, account_id)
    desired_rules = [replication.api_rule({**rule, "replica_kms_key_id": replica_keys.get(rule.get("replica_kms_key_id"))},
                                          dest, rule.get("priority"), partition)
                     for rule in spec.resolved_rules]
    existing_rules = (existing or {}).get("Rules", [])
    foreign_rules = [rule for rule in existing_rules if rule.get("ID") not in {r["ID"] for r in desired_rules}]
    role_arn, managed_role = spec.role_arn, None
    if role_arn is None:
        # The managed role: its ARN and every KMS key its policy names are resolved (reads only) before any
        # write, so that a conflict or an unresolvable key leaves nothing half-done.
        role_name = spec.role_name or role_name_for(source)
        iam_client = clients("iam", source_region)
        policy = replication_role_policy(
            source, source_region, dest, spec.dest_region,
            source_kms_keys=_source_kms_keys(clients, spec, source_s3, source_region, account_id),
            replica_kms_keys=[*replica_keys.values(), *_dest_default_key(clients, spec, account_id)],
            owner_override=any(rule["owner_override"] for rule in spec.resolved_rules), object_lock=source_object_lock,
            partition=partition)
        role_arn, current_role = iam.managed_role(iam_client, account_id, role_name, partition)
        managed_role = (iam_client, role_name, policy, current_role)
    if existing and existing.get("Role") != role_arn and foreign_rules \
            and not spec.purge_rules and not spec.allow_role_change:
        raise _role_change_error(source, existing["Role"], role_arn, foreign_rules)

    # Writes, in the order that leaves the safest state if one fails.
    if dest_exists is False:
        buckets.create_secure_bucket(dest_s3, dest, spec.dest_region, spec.dest_kms_key_id, source_object_lock,
                                     result, check_mode, partition)
        dest_versioning = "Enabled"
    elif dest_exists:
        if spec.harden_dest:
            buckets.harden_bucket(dest_s3, dest, dest_gaps, dest_policy, spec.dest_kms_key_id, result, check_mode,
                                  partition)
            dest_gaps = []
        elif dest_gaps:
            result.warnings.append(buckets.baseline_gaps_warning(dest, spec.dest_region, dest_gaps))
        dest_versioning = buckets.ensure_versioning(dest_s3, dest, dest_versioning, result, check_mode)
    source_versioning = buckets.ensure_versioning(source_s3, source, source_versioning, result, check_mode)

    role_created = False
    if managed_role:
        iam_client, role_name, policy, current_role = managed_role
        boundary_arn = spec.permissions_boundary or _collection_boundary(
            iam_client, spec, partition, account_id, result, check_mode, boundary_scope)
        role_arn, role_created = iam.ensure_role(
            iam_client, account_id, role_name, replication_trust_policy(account_id, source, partition),
            policy, f"S3 replication from {source} to {dest} (managed by resilience.s3_dr)", result, check_mode,
            boundary_arn=boundary_arn, current=current_role, partition=partition)

    merged = replication.merge_rules(existing_rules, desired_rules, spec.purge_rules)
    desired_configuration = {"Role": role_arn, "Rules": merged}
    if replication.normalize_configuration(existing) != replication.normalize_configuration(desired_configuration):
        upgraded = [rule["ID"] for rule in existing_rules if replication.is_legacy_rule(rule)
                    and rule.get("ID") not in {r["ID"] for r in desired_rules} and not spec.purge_rules]
        if upgraded:
            result.warnings.append(f"Bucket {source}: legacy (V1) replication rules {', '.join(upgraded)} were "
                                   "rewritten as equivalent V2 rules, because S3 does not allow mixing the two.")
        versioning_enabled_now = any(action.startswith(("enable versioning on ", "create DR bucket "))
                                     for action in result.actions)
        result.write(f"put replication configuration on {source} ({len(merged)} rule(s) -> {dest})",
                     lambda: _put_replication(source_s3, source, desired_configuration, role_created,
                                              spec.role_propagation_timeout, result, versioning_enabled_now), check_mode)
        if dest_in_other_account:
            result.warnings.append(_dest_account_reminder(spec, dest, dest_account, role_arn))
        after_configuration = desired_configuration
    else:
        after_configuration = existing

    result.after = {
        **result.before, "source_versioning": source_versioning, "dest_versioning": dest_versioning,
        "dest_baseline_gaps": list(dest_gaps),
        "dest_bucket_exists": True if dest_exists is not None else None,
        "replication": replication.normalize_configuration(after_configuration),
    }
    result.data = {
        "source_bucket": source, "source_region": source_region, "dest_bucket": dest, "dest_region": spec.dest_region,
        "role_arn": role_arn, "replication_configuration": after_configuration,
    }


def _dest_account_reminder(spec: CrrSpec, dest: str, dest_account: str, role_arn: str) -> str:
    """What the DR account must do before anything replicates into its bucket (this account cannot do it)."""
    override = any(rule["owner_override"] for rule in spec.resolved_rules)
    return (f"DR bucket {dest} belongs to account {dest_account}: until that account's bucket policy (and the key policy "
            f"of a replica KMS key) allows role {role_arn}, S3 marks every replicated version FAILED. With that "
            f"account's credentials run resilience.s3_dr.s3_crr_dest_access (dest_bucket: {dest}, dest_region: "
            f"{spec.dest_region}, role_arn: {role_arn}, owner_override: {str(override).lower()}); in check mode it says "
            "what is missing.")


def _object_lock(known: dict[str, Any], s3, bucket: str) -> bool:
    if "object-lock" in known:
        return (known["object-lock"] or {}).get("ObjectLockEnabled") == "Enabled"
    return buckets.object_lock_enabled(s3, bucket)


def _require_valid_target(clients, spec: CrrSpec, source_region: str, account_id: str) -> None:
    """What can only be checked once the source bucket's Region and the account are known (reads only)."""
    validation.require_no_problems(spec.source_bucket, [
        validation.same_region_problem(spec.source_bucket, source_region, spec.dest_region),
        *validation.source_keys_problems(spec.source_kms_key_ids, source_region),
        validation.role_arn_live_problem(clients("iam", source_region), spec.role_arn, account_id),
    ], region=source_region)


def remove_rules(clients, spec: CrrSpec, check_mode: bool = False) -> Result:
    """Remove the named rules; the whole configuration only when no other rule is left.

    Never deletes a bucket, versioning, a role or data.
    """
    result = Result()
    with named_errors(spec.source_bucket, lambda: result.done(check_mode)):
        _remove_rules(clients, spec, check_mode, result)
    return result


def _remove_rules(clients, spec: CrrSpec, check_mode: bool, result: Result) -> None:
    source = spec.source_bucket
    source_region = buckets.source_bucket_region(clients, source, near_region=spec.dest_region)
    source_s3 = clients("s3", source_region)
    existing = buckets.replication_configuration(source_s3, source)
    names = {rule["id"] for rule in spec.resolved_rules}
    remaining = [rule for rule in (existing or {}).get("Rules", []) if rule.get("ID") not in names]
    result.before = {"source_bucket": source, "replication": replication.normalize_configuration(existing)}
    after = existing
    if existing and len(remaining) < len(existing["Rules"]):
        removed = sorted(names & {rule.get("ID") for rule in existing["Rules"]})
        if remaining:
            after = {"Role": existing["Role"], "Rules": remaining}
            result.write(f"remove replication rule(s) {', '.join(removed)} from {source}", functools.partial(
                source_s3.put_bucket_replication, Bucket=source, ReplicationConfiguration=after), check_mode)
        else:
            after = None
            result.write(f"delete the replication configuration of {source} (its last rule(s) {', '.join(removed)})",
                         functools.partial(source_s3.delete_bucket_replication, Bucket=source), check_mode)
    result.after = {"source_bucket": source, "replication": replication.normalize_configuration(after)}
    result.data = {"source_bucket": source, "source_region": source_region, "replication_configuration": after,
                   "role_arn": (after or {}).get("Role")}


def _collection_boundary(iam_client, spec: CrrSpec, partition: str, account_id: str, result: Result,
                         check_mode: bool, scope: Any = None) -> str:
    """The collection's permissions boundary, allowing replicas into this account and the rules' DR accounts;
    ensured once per ``scope`` (a fleet run's Discovery), else once per IAM client."""
    dest_accounts = {rule["dest_account"] for rule in spec.resolved_rules if rule.get("dest_account")}
    arn, _previous, _document = iam.ensure_replication_boundary(iam_client, partition, account_id, dest_accounts,
                                                                result, check_mode, scope=scope)
    return arn


def _role_not_ready(error: Exception) -> bool:
    return error_code(error) in ROLE_NOT_READY_CODES and ROLE_NOT_READY_MESSAGE in error_message(error).lower()


def _versioning_not_seen(error: Exception) -> bool:
    return error_code(error) in ROLE_NOT_READY_CODES and VERSIONING_NOT_SEEN_MESSAGE in error_message(error).lower()


def _put_replication(s3, bucket, configuration, role_created: bool, timeout: int, result: Result,
                     versioning_enabled_now: bool = False) -> None:
    """PutBucketReplication, waiting out (bounded, each wait logged as a warning saying what it awaits) what AWS
    documents as settling: a bucket seconds old, a role IAM created seconds ago, versioning just enabled."""
    def put():
        s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=configuration)

    awaited = []
    if role_created:
        awaited.append(f"new IAM role {configuration['Role']} to be usable by S3")
    if versioning_enabled_now:
        awaited.append("S3 to see the versioning just enabled")
    awaited.append("the buckets to settle")

    def settling(error: Exception) -> bool:
        return (role_created and _role_not_ready(error)) or (versioning_enabled_now and _versioning_not_seen(error))

    timeout = timeout if role_created else buckets.BUCKET_SETTLING_SECONDS
    retry_while(put, buckets.BUCKET_SETTLING_CODES, timeout, f"replication on {bucket}: waiting for {', '.join(awaited)}",
                on_retry=result.warnings.append if (role_created or versioning_enabled_now) else None,
                retry_also=settling)


def _role_change_error(source, current_role, new_role, foreign_rules) -> DRError:
    return DRError(
        f"Bucket {source}: its replication configuration uses role {current_role} and also holds rules this task "
        f"does not manage ({', '.join(rule.get('ID', '?') for rule in foreign_rules)}). S3 allows one role per "
        f"bucket, so switching to {new_role} changes how those rules replicate. Set allow_role_change: true to "
        "accept that, purge_rules: true to drop those rules, or role_arn to keep the current role.", bucket=source)


def _source_kms_keys(clients, spec, source_s3, source_region, account_id) -> list[str]:
    if not any(rule.get("sse_kms_encrypted_objects") for rule in spec.resolved_rules):
        return []
    keys = list(spec.source_kms_key_ids)
    if not keys:
        default_key = buckets.default_kms_key(source_s3, spec.source_bucket)
        if default_key is None:
            raise DRError(f"Bucket {spec.source_bucket}: a rule replicates SSE-KMS objects, but the bucket has no "
                          "default KMS key and source_kms_key_ids is empty. List the KMS keys that encrypt its "
                          "objects in source_kms_key_ids.", bucket=spec.source_bucket, region=source_region)
        keys = [default_key]
    return [_key_arn(clients, key, source_region, account_id, account_id) for key in keys]


def _replica_key_arns(clients, spec, account_id) -> dict[str, str]:
    """Each rule's replica_kms_key_id -> the ARN of that key in the DR Region (DescribeKey there)."""
    keys = {rule["replica_kms_key_id"] for rule in spec.resolved_rules if rule.get("replica_kms_key_id")}
    return {key: _key_arn(clients, key, spec.dest_region, spec.resolved_dest_account or account_id, account_id)
            for key in sorted(keys)}


def _dest_default_key(clients, spec, account_id) -> list[str]:
    if not spec.dest_kms_key_id:
        return []
    return [_key_arn(clients, spec.dest_kms_key_id, spec.dest_region, spec.resolved_dest_account or account_id,
                     account_id)]


def _key_arn(clients, key: str, region: str, key_account: str, account_id: str) -> str:
    """The key ARN of ``key`` (an ARN, alias ARN, alias/name or bare key id) in ``region``.

    IAM policy Resources and ReplicaKmsKeyID need the key ARN: an alias or bare id does not match there, and KMS
    resolves it in the caller's account. ``key_account`` owns the key (the DR bucket's owner); when that is another
    account, an alias or a bare id would name a key of this account, so only a full ARN is accepted.
    """
    if key.startswith("arn:") and ":key/" in key:
        return key
    if key.startswith("arn:") and ":alias/" in key:
        region = key.split(":")[3]
    elif key_account != account_id:
        raise DRError(f"KMS key {key} is not a full ARN, but the key belongs to account {key_account}, which owns "
                      f"the DR bucket: KMS would look {key} up in this account ({account_id}). Give the key ARN, "
                      f"arn:{validation.partition_of(region)}:kms:{region}:{key_account}:key/<key id>.", region=region)
    try:
        return clients("kms", region).describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    except Exception as error:
        raise DRError(f"KMS key {key} in {region} cannot be resolved to a key ARN ({error_message(error)}). Give the "
                      "key ARN instead.", region=region, cause=error) from error
