# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DR (vault) account's side of cross-account replication, run with that account's credentials.

The source account cannot write another account's bucket policy or key policy, and should not be able to:
that is what makes a separate DR account a defence against a compromised source account. So the DR account
runs ``grant_dest_access`` itself: its DR bucket (created locked down, or versioning checked), the bucket
policy statements that let the source account's replication role replicate into it, and the statement in its
replica KMS key's policy. Every statement it writes has a Sid naming the role, so other statements are kept
and a second source account gets its own. In check mode nothing is written and ``problems`` says what is
missing, which is the validation of the DR side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import buckets, validation
from .clone import CloneSpec
from .discovery import Discovery, PairFacts
from .errors import DRError, error_code, invalid_input, named_errors
from .iam import managed_role_arn
from .naming import role_name_for
from .policies import arn_partition, canonical_policy, dr_access_sid, dr_bucket_statements, dr_key_statement, with_statements
from .result import Result


@dataclass
class DestAccessSpec:
    dest_bucket: str
    dest_region: str
    role_arn: str
    owner_override: bool = False
    kms_key_arn: str | None = None
    create_dest_bucket: bool = True
    state: str = "present"


def spec_problems(spec: DestAccessSpec) -> list[str]:
    problems = [validation.role_arn_problem(spec.role_arn, "role_arn", validation.partition_of(spec.dest_region)),
                validation.region_problem(spec.dest_region, "dest_region", False)]
    if spec.kms_key_arn and not validation.parse_arn(spec.kms_key_arn):
        problems.append(f"kms_key_arn {spec.kms_key_arn} is not a key ARN (arn:aws:kms:<Region>:<account>:key/<id>)")
    else:
        problems.append(validation.kms_key_problem(spec.kms_key_arn, "kms_key_arn", spec.dest_region, "the DR Region"))
    return [problem for problem in problems if problem]


def grant_dest_access(clients, spec: DestAccessSpec, check_mode: bool = False, facts: PairFacts | None = None,
                      account_id: str | None = None) -> Result:
    """``facts``: what a run already knows of the DR bucket (its existence, category values); ``account_id``: the
    DR account, when known. What they hold is not read again."""
    problems = spec_problems(spec)
    if problems:
        raise invalid_input(spec.dest_bucket, problems)
    result = Result()
    with named_errors(spec.dest_bucket, lambda: result.done(check_mode), region=spec.dest_region):
        _grant(clients, spec, check_mode, result, facts or PairFacts(), account_id)
    return result


def grant_after_clone(clients, spec: CloneSpec, discovery: Discovery, check_mode: bool = False,
                      facts: PairFacts | None = None) -> Result:
    """For a clone into another account (``spec.dest_account_role_arn``): that account lets in the replication role
    s3_crr_enable manages for the pair (by its name, before it exists), owner override and the DR bucket's KMS key
    included - ``grant_dest_access`` run as the DR account's role, as the pipeline's DR function does after its
    clone, so that the rule written next replicates from its first object. ``facts``: the clone's, of the pair."""
    identity = discovery.identity(clients, spec.dest_region)
    role_arn = managed_role_arn(identity["Account"], role_name_for(spec.source_bucket), arn_partition(identity["Arn"]))
    return grant_dest_access(discovery.assumed_clients(clients, spec.dest_account_role_arn, spec.dest_region),
                             DestAccessSpec(spec.resolved_dest_bucket, spec.dest_region, role_arn, owner_override=True,
                                            kms_key_arn=spec.dest_kms_key_id), check_mode, facts, spec.dest_account)


def _grant(clients, spec: DestAccessSpec, check_mode: bool, result: Result, facts: PairFacts,
           account_id: str | None) -> None:
    bucket, region, role = spec.dest_bucket, spec.dest_region, spec.role_arn
    s3, known = clients("s3", region), facts.dest_values
    account_id = account_id or clients("sts", region).get_caller_identity()["Account"]
    if validation.parse_arn(role)["account"] == account_id:
        raise DRError(f"DR bucket {bucket}: role_arn {role} is of this account ({account_id}); this module grants "
                      "another account's replication role access, so run it with the DR account's credentials.",
                      bucket=bucket, region=region)
    present = spec.state == "present"
    exists = facts.dest_exists
    if exists is None:
        exists = buckets.dest_bucket_state(s3, bucket, region, account_id)
    if not exists and present and not spec.create_dest_bucket:
        raise DRError(f"DR bucket {bucket} does not exist in {region} (account {account_id}) and create_dest_bucket "
                      "is false. Create it, or set create_dest_bucket: true.", bucket=bucket, region=region)
    problems: list[str] = []  # what the DR side lacks, in words that say what to fix
    sids = [dr_access_sid(role, "Objects"), dr_access_sid(role, "Bucket")]
    wanted = dr_bucket_statements(bucket, role, spec.owner_override) if present else []

    policy_at_start = policy_before = (known["policy"] if "policy" in known else _bucket_policy(s3, bucket)) \
        if exists else None
    if present and not exists:
        buckets.create_secure_bucket(s3, bucket, region, spec.kms_key_arn, False, result, check_mode)
        policy_before = None if check_mode else _bucket_policy(s3, bucket)
        problems.append(f"DR bucket {bucket} does not exist in {region}")
    elif present:
        status = buckets.versioning_status(s3, bucket, known)
        if status != "Enabled":
            problems.append(f"DR bucket {bucket} has versioning {status}: replication needs it Enabled")
        buckets.ensure_versioning(s3, bucket, status, result, check_mode)
    policy_after = with_statements(policy_before or (buckets.with_tls_only_statement(None, bucket)
                                                     if present and not exists else None), wanted, sids)
    if exists or present:
        _put_policy(s3, bucket, policy_before, policy_after, wanted, role, result, problems, check_mode)
        if not check_mode:  # the bucket's policy now, for whatever the run does next
            known["policy"] = policy_after if policy_after["Statement"] else None

    key_before = key_after = None
    if spec.kms_key_arn:
        kms = clients("kms", validation.parse_arn(spec.kms_key_arn)["region"] or region)
        key_before = json.loads(kms.get_key_policy(KeyId=spec.kms_key_arn, PolicyName="default")["Policy"])
        key_after = with_statements(key_before, [dr_key_statement(role, region)] if present else [],
                                    [dr_access_sid(role, "Key")])
        if canonical_policy(key_before) != canonical_policy(key_after):
            if present:
                problems.append(f"the key policy of {spec.kms_key_arn} does not let role {role} encrypt "
                                "replicas through S3 (kms:Encrypt, kms:GenerateDataKey, kms:Decrypt)")
            result.write(f"{'add' if present else 'remove'} statement {dr_access_sid(role, 'Key')} "
                         f"{'to' if present else 'from'} the key policy of {spec.kms_key_arn}",
                         lambda: kms.put_key_policy(KeyId=spec.kms_key_arn, PolicyName="default",
                                                    Policy=json.dumps(key_after)), check_mode)

    result.before = {"bucket_exists": exists, "bucket_policy": policy_at_start, "key_policy": key_before}
    result.after = {"bucket_exists": exists or present, "bucket_policy": policy_after if (exists or present) else None,
                    "key_policy": key_after}
    result.data = {"dest_bucket": bucket, "dest_region": region, "account_id": account_id, "role_arn": role,
                   "bucket_policy": result.after["bucket_policy"], "problems": problems}


def _put_policy(s3, bucket: str, before: dict[str, Any] | None, after: dict[str, Any], wanted: list[dict[str, Any]],
                role: str, result: Result, problems: list[str], check_mode: bool) -> None:
    if canonical_policy(before) == canonical_policy(after):
        return
    if after["Statement"]:
        present = {canonical_policy(statement) for statement in with_statements(before, [], [])["Statement"]}
        missing = [statement for statement in wanted if canonical_policy(statement) not in present]
        if missing:
            problems.append(f"the bucket policy of {bucket} does not allow role {role} "
                            f"{', '.join(action for statement in missing for action in statement['Action'])} "
                            f"(statements {', '.join(statement['Sid'] for statement in missing)})")
        result.write(f"put bucket policy on {bucket} (replication statements for {role})",
                     lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(after)), check_mode)
    else:
        result.write(f"delete bucket policy of {bucket} (its only statements were for {role})",
                     lambda: s3.delete_bucket_policy(Bucket=bucket), check_mode)


def _bucket_policy(s3, bucket: str) -> dict[str, Any] | None:
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except Exception as error:
        if error_code(error) == "NoSuchBucketPolicy":
            return None
        raise
