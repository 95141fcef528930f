# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: dr_pipeline_problems
short_description: What is wrong with the Region pairs and settings of the DR pipeline
version_added: 0.1.0
author: resilience.s3_dr maintainers (@resilience)
description:
  - Checks the settings of the P(resilience.s3_dr.dr_pipeline#role) role before anything is deployed,
    with the same checks the modules and the pipeline's functions use - each Region one where botocore
    knows S3, a DR Region different from its source Region, each source Region once, a trigger tag key
    and a DR bucket suffix that are not empty, a DR bucket KMS key in each DR Region.
  - Returns one sentence per problem; an empty list means the settings are valid.
options:
  _input:
    description: The Region pairs, as in C(dr_pipeline_pairs) (C(source_region), C(dest_region)).
    type: list
    elements: dict
    required: true
  allow_unknown_region:
    description: Accept Regions this botocore does not list for S3.
    type: bool
    default: false
  dest_suffix:
    description: The DR bucket name suffix.
    type: str
    default: "-dr"
  trigger_tag_key:
    description: The tag key that makes a bucket a DR pair.
    type: str
    default: dr
  dest_kms_key_id:
    description: The KMS key of the DR buckets' default encryption; empty for SSE-S3.
    type: str
    default: ""
  dest_account_role_arn:
    description:
      - A role of the DR account (cross-account DR); empty when the DR buckets are in the pipeline's account.
      - With it, O(dest_kms_key_id) must be a key ARN of that account; with O(backfill), existing objects go through
        S3 Batch Replication, which has none of the copy engine's limits, so O(copy_only_settings) must be empty.
    type: str
    default: ""
  backfill:
    description: Whether the pipeline backfills existing objects (C(dr_pipeline_backfill)).
    type: bool
    default: false
  copy_only_settings:
    description:
      - Role variable -> value of the settings only the copy engine honours (C(dr_pipeline_backfill_max_objects),
        C(dr_pipeline_backfill_max_bytes), C(dr_pipeline_backfill_storage_class)); a set one is refused with
        O(dest_account_role_arn) and O(backfill), where S3 Batch Replication (which has no such setting) backfills.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Refuse invalid pipeline settings before anything is deployed
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ dr_pipeline_pairs | resilience.s3_dr.dr_pipeline_problems(dest_suffix=dr_pipeline_dest_suffix) }}"
"""

RETURN = r"""
_value:
  description: One sentence per problem, naming the setting and what to do.
  type: list
  elements: str
"""

from ansible_collections.resilience.s3_dr.plugins.module_utils.core.validation import (
    kms_key_problem,
    parse_arn,
    partition_of,
    region_pair_problems,
    role_arn_problem,
    tag_filter_problem,
)


def dr_pipeline_problems(pairs, allow_unknown_region=False, dest_suffix="-dr", trigger_tag_key="dr", dest_kms_key_id="",
                         dest_account_role_arn="", backfill=False, copy_only_settings=None):
    problems = []
    if not pairs:
        problems.append("dr_pipeline_pairs must list at least one source_region -> dest_region pair")
    for index, pair in enumerate(pairs or []):
        name = f"dr_pipeline_pairs[{index}]"
        source_region, dest_region = (pair or {}).get("source_region"), (pair or {}).get("dest_region")
        problems += region_pair_problems(source_region, dest_region, bool(allow_unknown_region),
                                         names=(f"{name}.source_region", f"{name}.dest_region"))
        problems.append(kms_key_problem(dest_kms_key_id or None, "dr_pipeline_dest_kms_key_id", dest_region,
                                        f"the DR Region of {name}"))
    source_regions = [(pair or {}).get("source_region") for pair in pairs or []]
    twice = sorted({region for region in source_regions if region and source_regions.count(region) > 1})
    if twice:
        problems.append(f"dr_pipeline_pairs lists source Region {', '.join(twice)} more than once; one pipeline "
                        "per source Region")
    if not dest_suffix:
        # The functions' rights on DR buckets are scoped to bucket names ending in this suffix.
        problems.append('dr_pipeline_dest_suffix must not be empty (default "-dr"); the functions may only write to '
                        "buckets named <source><suffix>")
    problems.append(tag_filter_problem({trigger_tag_key: "x"}, "dr_pipeline_trigger_tag_key"))
    if dest_account_role_arn:
        problems += _dest_account_problems(pairs, dest_account_role_arn, dest_kms_key_id, backfill, copy_only_settings or {})
    return [problem for problem in problems if problem]


def _dest_account_problems(pairs, role_arn: str, dest_kms_key_id: str, backfill: bool,
                           copy_only_settings: dict) -> list[str]:
    dest_region = ((pairs or [{}])[0] or {}).get("dest_region")
    problem = role_arn_problem(role_arn, "dr_pipeline_dest_account_role_arn", partition_of(dest_region))
    if problem:
        return [problem]
    account, problems = parse_arn(role_arn)["account"], []
    key = parse_arn(dest_kms_key_id)
    if dest_kms_key_id and (key is None or key["account"] != account):
        problems.append(f"dr_pipeline_dest_kms_key_id {dest_kms_key_id} must be a key ARN of the DR account {account} "
                        "(of dr_pipeline_dest_account_role_arn): an alias or a key of another account cannot encrypt "
                        "that account's replicas")
    given = sorted(name for name, value in copy_only_settings.items() if value not in (None, ""))
    if backfill and given:
        # The pipeline's own credentials cannot write into the DR account: S3 Batch Replication backfills there.
        problems.append(f"{', '.join(given)} only limit the copy engine, and with dr_pipeline_dest_account_role_arn the "
                        f"existing objects reach the DR account {account} through S3 Batch Replication, which "
                        "replicates every object the replication rule covers (narrow it with dr_pipeline_backfill_prefix): "
                        "leave them empty, or set dr_pipeline_backfill to false")
    return problems


class FilterModule:
    def filters(self):
        return {"dr_pipeline_problems": dr_pipeline_problems}
