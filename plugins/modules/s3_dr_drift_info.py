#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_dr_drift_info
short_description: Prove DR readiness of S3 buckets - configuration drift, replication, versioning, objects
version_added: 0.1.0
description:
  - Read-only. For one source bucket and its DR bucket, or a fleet, reports per configuration
    category C(in_sync), C(drifted) (with the differing fields), C(missing_on_dr) or C(skipped)
    (with the reason), comparing the DR bucket with the source after the same rewrites
    M(resilience.s3_dr.s3_bucket_config_clone) makes; whether replication towards the DR bucket is
    enabled; whether versioning is on for both; and optionally which objects are missing or
    different on the DR side.
  - Each bucket gets a verdict C(dr_ready) and the list of C(problems) behind it, so a playbook can
    C(assert) on it. See C(playbooks/dr_validate.yml) for a readable table.
  - The secure baseline of the DR bucket (O(secure_baseline)) is not drift.
  - Invalid input (an unknown Region, a KMS key of another Region in O(kms_key_map), an invalid bucket
    name, ...) fails the task before any bucket is read, instead of reporting buckets as not DR-ready.
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  compare_objects:
    description:
      - Also compare object listings (key, size, ETag) of the two buckets.
    type: bool
    default: false
  max_keys:
    description:
      - With O(compare_objects), compare at most this many source keys.
    type: int
    default: 1000
  dest_account_role_arn:
    description:
      - For a DR bucket in another account - a role of that account to assume for reading the DR bucket, as
        M(resilience.s3_dr.s3_bucket_config_clone) does with the same option. The source bucket is read with the
        module's own credentials.
    type: str
notes:
  - "Permissions: the C(s3:Get*) permissions of each category on both buckets, C(s3:GetReplicationConfiguration),
    C(s3:GetBucketVersioning), C(s3:GetBucketLocation), C(sts:GetCallerIdentity); C(s3:ListBucket) with
    O(compare_objects)."
attributes:
  diff_mode:
    support: N/A
    details: Reads only.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - resilience.s3_dr.bucket_selection
  - resilience.s3_dr.clone_options
  - amazon.aws.common.modules
  - resilience.s3_dr.bucket_regions
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check one DR pair
  resilience.s3_dr.s3_dr_drift_info:
    source_bucket: app-data
    dest_region: eu-central-1
  register: drift

- name: Fail unless it is DR-ready
  ansible.builtin.assert:
    that: drift.dr_ready
    fail_msg: "{{ drift.buckets[0].problems }}"

- name: Every tagged bucket, with an object comparison
  resilience.s3_dr.s3_dr_drift_info:
    source_tags:
      dr: "true"
    source_region: us-east-1
    dest_region: us-west-2
    compare_objects: true
    max_keys: 5000
"""

RETURN = r"""
dr_ready:
  description: True when every bucket checked is DR-ready.
  returned: always
  type: bool
buckets:
  description: One report per bucket.
  returned: always
  type: list
  elements: dict
  contains:
    source_bucket:
      description: The source bucket.
      type: str
    dest_bucket:
      description: The DR bucket.
      type: str
    dr_ready:
      description: No drifted or missing category, replication enabled towards the DR bucket, versioning on both, no missing objects.
      type: bool
    problems:
      description: Why the bucket is not DR-ready, one line each.
      type: list
      elements: str
    categories:
      description: Per category C(status) (in_sync, drifted, missing_on_dr, skipped) with C(fields) or C(reason).
      type: dict
    replication:
      description: C(enabled) and the enabled C(rules) that replicate to the DR bucket.
      type: dict
    versioning:
      description: Versioning status of the C(source) and C(dest) buckets.
      type: dict
    objects:
      description: With O(compare_objects) - counts and samples of keys missing or different on the DR side.
      type: dict
    iac_owner:
      description: Who declares the source bucket in code (a CloudFormation stack, or a tag of O(iac_owner_tags)), or null.
      type: str
    iac_advice:
      description: For an IaC-owned bucket, where its DR intent belongs.
      type: str
    error:
      description: Why the bucket could not be checked at all.
      type: str
  sample:
    - source_bucket: app-data
      dest_bucket: app-data-dr
      dr_ready: false
      problems: ["lifecycle drifted"]
      categories:
        lifecycle:
          status: drifted
          fields: ["[0].Expiration.Days"]
summary:
  description: One line per bucket, for people.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.clone import clone_spec_problems, drift_report
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.discovery import Discovery
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.fleet import run_fleet
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.specs import clone_spec
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.errors import invalid_input_message
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import (
    BUCKET_SELECTION_RULES,
    BUCKET_SELECTION_SPEC,
    CLONE_OPTIONS_SPEC,
    module_clients,
    selected_buckets,
)

ARGUMENT_SPEC = dict(
    **BUCKET_SELECTION_SPEC,
    **CLONE_OPTIONS_SPEC,
    compare_objects=dict(type="bool", default=False),
    max_keys=dict(type="int", default=1000, no_log=False),
    dest_account_role_arn=dict(type="str"),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **BUCKET_SELECTION_RULES)
    clients, discovery = module_clients(module), Discovery()  # one identity, and one assumed role, per run
    selection = selected_buckets(module, clients, discovery)

    specs = {bucket: clone_spec(module.params, source_bucket=bucket, dest_bucket=dest) for bucket, dest in selection.items()}
    # Bad input is the caller's mistake, not a DR finding: fail instead of reporting the bucket as not ready.
    invalid = {bucket: clone_spec_problems(spec) for bucket, spec in specs.items() if clone_spec_problems(spec)}
    if invalid:
        module.fail_json(msg=invalid_input_message([f"bucket {bucket}: {'; '.join(problems)}"
                                                    for bucket, problems in invalid.items()], "checked"),
                         failed_buckets=sorted(invalid))

    def report(bucket):
        return drift_report(clients, specs[bucket], module.params["compare_objects"], module.params["max_keys"],
                            discovery=discovery)

    reports = [outcome.result if outcome.result is not None else
               {"source_bucket": outcome.bucket, "dest_bucket": specs[outcome.bucket].resolved_dest_bucket, "dr_ready": False,
                "problems": [outcome.error], "error": outcome.error}
               for outcome in run_fleet(selection, report, module.params["concurrency"])]
    summary = [f"{item['source_bucket']} -> {item['dest_bucket']}: "
               + ("DR-ready" if item["dr_ready"] else "NOT DR-ready: " + "; ".join(item["problems"]))
               + (f" ({item['iac_advice']})" if item.get("iac_advice") else "") for item in reports]
    module.exit_json(changed=False, dr_ready=all(item["dr_ready"] for item in reports), buckets=reports, summary=summary)


if __name__ == "__main__":
    main()
