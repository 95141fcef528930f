#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_dr_drill
short_description: Rehearse S3 disaster recovery - canary object, observed RPO, replica and drift checks
version_added: 0.1.0
description:
  - For one source bucket and its DR bucket, or a fleet, writes a canary object to the source bucket
    (with user metadata, tags, and the server-side encryption the bucket uses by default) under a key
    the replication rule towards the DR bucket selects, and measures the time until that same object
    version is readable in the DR bucket - the observed recovery point objective (RPO), bounded by
    O(rpo_bound).
  - Then checks the replica (content, metadata, content type, tags, encryption, C(REPLICA) status),
    runs the configuration drift check of M(resilience.s3_dr.s3_dr_drift_info), compares object
    listings (at most O(max_keys) source keys), and deletes every version of its canaries on both
    sides by version ID, so the drill leaves no object, version or delete marker behind.
  - When the source bucket has an enabled S3 Inventory configuration, the drill also reads the newest
    delivered CSV report of each side (the DR bucket's configuration of the same Id), counts the current
    objects of the whole bucket, and fails the pair when the source report lists objects whose
    C(ReplicationStatus) is C(FAILED), or when a DR report at least as new lists fewer objects. Reading
    the reports needs C(s3:ListBucket) and C(s3:GetObject) on the buckets that receive them.
  - Each pair gets a C(verdict) - C(PASS), or C(FAIL) with the C(reasons) and what to fix. A pair
    that cannot replicate (DR bucket missing, replication off, versioning off, SSE-KMS objects not
    selected) fails with the reason before any canary is written.
  - The module itself fails only for invalid input; a playbook decides what a C(FAIL) does (see
    C(playbooks/dr_drill.yml), which writes JSON, JUnit XML and HTML reports and fails at the end).
  - In check mode nothing is written; the reads run and each pair is C(PLANNED) (or C(FAIL) when the
    reads already show why it would fail), with the C(plan) of the writes.
  - Canaries live under O(canary_prefix) (after the rule's own prefix); every version there is
    removed at the end of the drill, including leftovers of an earlier interrupted drill.
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  rpo_bound:
    description:
      - Seconds to wait for the canary to become readable in the DR bucket. Longer is a C(FAIL).
      - S3 Replication Time Control replicates 99.99% of objects within 900 seconds.
    type: float
    default: 900
  poll_interval:
    description:
      - Seconds between two reads of the DR bucket while waiting; the RPO is measured to this precision.
    type: float
    default: 1
  canary_prefix:
    description:
      - Key prefix of the canary objects, after the prefix of the replication rule they go through.
    type: str
    default: dr-drill/
  max_keys:
    description:
      - Compare at most this many source keys with the DR bucket's listing.
    type: int
    default: 1000
  fail_on_drift:
    description:
      - A drifted or missing configuration category makes the verdict C(FAIL). With V(false) it is
        only reported.
    type: bool
    default: true
notes:
  - "Permissions: on the source bucket C(s3:PutObject), C(s3:PutObjectTagging), C(s3:GetObjectVersion),
    C(s3:ListBucketVersions), C(s3:DeleteObjectVersion); on the DR bucket C(s3:GetObjectVersion),
    C(s3:GetObjectVersionTagging), C(s3:ListBucketVersions), C(s3:DeleteObjectVersion); C(kms:GenerateDataKey)
    and C(kms:Decrypt) for SSE-KMS buckets; plus what M(resilience.s3_dr.s3_dr_drift_info) reads."
  - The result is C(changed=false) when every canary version was removed (the buckets are as before the drill).
attributes:
  diff_mode:
    support: N/A
    details: A drill writes canary objects and removes them; it changes no setting, so there is nothing to diff.
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
- name: Drill one DR pair, RPO bound 5 minutes
  resilience.s3_dr.s3_dr_drill:
    source_bucket: app-data
    dest_region: eu-central-1
    rpo_bound: 300
  register: drill

- name: Show the observed RPO
  ansible.builtin.debug:
    msg: "{{ drill.pairs[0].verdict }} - RPO {{ drill.pairs[0].rpo_seconds }} s"

- name: Drill every tagged bucket, configuration drift reported but not failing
  resilience.s3_dr.s3_dr_drill:
    source_tags:
      dr: "true"
    source_region: us-east-1
    dest_region: us-west-2
    fail_on_drift: false
"""

RETURN = r"""
passed:
  description: True when no pair's verdict is C(FAIL).
  returned: always
  type: bool
failed_pairs:
  description: The source buckets whose verdict is C(FAIL).
  returned: always
  type: list
  elements: str
pairs:
  description: One drill report per pair.
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
    verdict:
      description: C(PASS), C(FAIL) or, in check mode, C(PLANNED).
      type: str
    reasons:
      description: Why the verdict is C(FAIL), one line each.
      type: list
      elements: str
    fixes:
      description: What to do about the reasons, one line per kind of finding.
      type: list
      elements: str
    rpo_seconds:
      description: Seconds from the canary's write until it was readable in the DR bucket; null when it was not.
      type: float
    rpo_bound_seconds:
      description: The bound O(rpo_bound).
      type: float
    canary:
      description: The canary's C(key), C(version_id), the C(rule) it went through, its C(tags), C(encryption), and C(replica_checks).
      type: dict
    drift:
      description: The drift check - per category C(categories), C(replication) and C(versioning).
      type: dict
    objects:
      description: Object listing comparison - C(compared), C(missing_on_dr), C(different), samples, C(truncated).
      type: dict
    inventory:
      description:
        - From the newest S3 Inventory reports (null when the source bucket has no enabled inventory
          configuration) - C(source) and C(dest), each with the configuration C(id), C(delivered_at), the
          current C(objects) counted, their count per C(replication_status), the C(report) read, or an C(error)
          (ORC and Parquet reports are not counted); C(comparable), C(missing_on_dr), or the C(reason) they
          cannot be compared.
      type: dict
    cleanup:
      description: C(removed_versions) and the canary versions C(left) behind (none when the drill cleaned up).
      type: dict
    plan:
      description: The writes the drill makes (in check mode, would make).
      type: list
      elements: str
  sample:
    - source_bucket: app-data
      dest_bucket: app-data-dr
      verdict: PASS
      rpo_seconds: 1.204
      reasons: []
      fixes: []
summary:
  description: One line per pair, for people.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.clone import clone_spec_problems
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.drill import (
    FAIL,
    DrillSpec,
    drill_spec_problems,
    run_drill,
)
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
    rpo_bound=dict(type="float", default=900),
    poll_interval=dict(type="float", default=1),
    canary_prefix=dict(type="str", default="dr-drill/"),
    max_keys=dict(type="int", default=1000, no_log=False),
    fail_on_drift=dict(type="bool", default=True),
)


def summary_line(report: dict) -> str:
    line = f"{report['source_bucket']} -> {report['dest_bucket']}: {report['verdict']}"
    if report.get("rpo_seconds") is not None:
        line += f", RPO {report['rpo_seconds']:.3f}s (bound {report['rpo_bound_seconds']:g}s)"
    return line + (" - " + "; ".join(report["reasons"]) if report["reasons"] else "")


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **BUCKET_SELECTION_RULES)
    clients = module_clients(module)
    params = module.params
    selection = selected_buckets(module, clients)
    drills = {bucket: DrillSpec(clone=clone_spec(params, source_bucket=bucket, dest_bucket=dest),
                                rpo_bound_seconds=params["rpo_bound"], poll_interval_seconds=params["poll_interval"],
                                canary_prefix=params["canary_prefix"], max_keys=params["max_keys"],
                                fail_on_drift=params["fail_on_drift"])
              for bucket, dest in selection.items()}
    invalid = {bucket: clone_spec_problems(spec.clone) + drill_spec_problems(spec) for bucket, spec in drills.items()}
    invalid = {bucket: problems for bucket, problems in invalid.items() if problems}
    if invalid:
        module.fail_json(msg=invalid_input_message([f"bucket {bucket}: {'; '.join(problems)}"
                                                    for bucket, problems in invalid.items()], "drilled"),
                         failed_buckets=sorted(invalid))

    outcomes = run_fleet(selection, lambda bucket: run_drill(clients, drills[bucket], module.check_mode),
                         params["concurrency"])
    reports = [outcome.result if outcome.result is not None else
               {"source_bucket": outcome.bucket, "dest_bucket": drills[outcome.bucket].clone.resolved_dest_bucket,
                "verdict": FAIL, "reasons": [outcome.error], "fixes": [], "rpo_seconds": None,
                "rpo_bound_seconds": params["rpo_bound"]}
               for outcome in outcomes]
    failed = [report["source_bucket"] for report in reports if report["verdict"] == FAIL]
    left_behind = any((report.get("cleanup") or {}).get("left") for report in reports)
    module.exit_json(changed=left_behind, passed=not failed, failed_pairs=failed, pairs=reports,
                     summary=[summary_line(report) for report in reports])


if __name__ == "__main__":
    main()
