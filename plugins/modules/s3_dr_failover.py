#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_dr_failover
short_description: Fail S3 DR pairs over to the DR Region while the source Region is down, and back
version_added: 0.1.0
description:
  - With O(state=failed_over), moves one pair, a list, or a fleet to its DR bucket using the DR Region's
    API only - it works while the source Region is unreachable. For each pair it
    (1) checks DR readiness from DR-side facts (DR bucket exists and is versioned, holds replicas - the
    newest C(REPLICA) object is the last replication evidence - and, with O(drill_report), the last
    drill's verdict and drift), and refuses a pair that is not ready, with the reasons, unless O(force);
    (2) records the failover on the DR bucket's tags C(s3dr:failover-state=failed-over), C(s3dr:failover-at),
    C(s3dr:failover-by), C(s3dr:failover-reason) - the same tag pauses the pipeline's self-heal for the pair
    (its DR-Region function skips a failed-over pair, so it never re-clones the source's settings or
    re-enables source-to-DR replication behind the failover);
    (3) applies the held-back settings (see O(held_back_key));
    (4) routes the pair's Multi-Region Access Point, if it has one, to the DR bucket.
  - With O(state=failed_back) (both Regions up), for each failed-over pair it enables replication from the
    DR bucket to the source bucket (rule C(dr-failback), replica modification sync on), copies back every
    object the DR bucket received since the failover time (the copy engine of
    M(resilience.s3_dr.s3_crr_backfill)), verifies that each of them is the same in the source bucket, routes
    the Multi-Region Access Point back to the source bucket, re-clones the held-back categories from the
    source, resumes the pipeline (removes C(s3dr:failover-state), adds C(s3dr:failback-at); the failover record
    stays), and removes the reverse rule unless O(two_way) or the pair is behind a Multi-Region Access Point
    (M(resilience.s3_dr.s3_dr_mrap) keeps two-way replication then). A pair whose verification fails stays failed over.
  - Both are idempotent (a second run changes nothing) and support check mode (nothing written; the
    C(actions) say what would be done) and diff mode.
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  state:
    description:
      - V(failed_over) fails the pairs over to their DR buckets; V(failed_back) brings failed-over pairs back.
    type: str
    choices: [failed_over, failed_back]
    default: failed_over
  dest_tags:
    description:
      - Select the pairs by the tags of their DR buckets in O(dest_region) (the source bucket's tags are
        cloned to its DR bucket, the trigger tag excepted). Read in the DR Region only, so this is how a
        tagged fleet is selected while the source Region is down. The source bucket of a selected DR bucket
        is its name without O(dest_suffix); DR buckets whose name does not end with O(dest_suffix) are left out.
      - Mutually exclusive with O(source_bucket), O(sources) and O(source_tags). O(source_tags) reads the source
        Region and only works with O(state=failed_back).
    type: dict
  reason:
    description:
      - Why the pairs fail over; recorded on each DR bucket (tag C(s3dr:failover-reason), at most 256 characters,
        characters S3 does not allow in a tag value replaced by C(_)).
    type: str
    default: ""
  operator:
    description:
      - Who fails over, recorded on each DR bucket (tag C(s3dr:failover-by)). Default is the ARN of the
        caller (STS C(GetCallerIdentity) in O(dest_region)).
    type: str
  force:
    description:
      - Fail over a pair whose DR bucket is not ready (the reasons are returned as warnings).
    type: bool
    default: false
  held_back_key:
    description:
      - Key of the held-back settings document in each DR bucket. It holds the application-facing settings the
        DR bucket must not have while passive and gets on failover - a JSON object with an entry per category
        among C(policy), C(cors), C(website) and C(public-access-block), each value as S3 answers it (the
        policy document; the list of CORS rules; the website configuration; the public access block
        configuration), or C(null) to remove that setting on failover.
      - Write it with any S3 tool (for example M(amazon.aws.s3_object)). Objects under its prefix are never
        taken for application data (no replication evidence, not copied back on failback).
      - On failback the categories it names are cloned from the source bucket again.
    type: str
    default: _s3dr/held-back.json
  max_keys:
    description:
      - How many DR objects are listed to find the newest replica (the replication evidence).
    type: int
    default: 1000
  max_replica_age:
    description:
      - When set, a pair whose newest replica is older than this many seconds is not ready.
    type: float
  drill_report:
    description:
      - Path of the JSON report of the last C(playbooks/dr_drill.yml) run (on the control node). The pair's
        verdict is evidence of readiness (a C(PASS) stands in for a missing replica, a C(FAIL) makes the pair
        not ready) and its drift per category is returned - drift itself needs the source Region.
    type: path
  two_way:
    description:
      - With O(state=failed_back), keep the DR-to-source replication rule C(dr-failback) (two-way replication,
        Default is to remove it once the pair is back, except for a pair behind a Multi-Region Access Point
        made by M(resilience.s3_dr.s3_dr_mrap), which keeps its two-way replication.
    type: bool
    default: false
notes:
  - "A failover calls only the DR Region: C(s3:GetBucketTagging), C(s3:PutBucketTagging), C(s3:GetBucketVersioning),
    C(s3:ListBucket), C(s3:GetObject) and C(s3:GetObjectVersion) on the DR bucket, the read and write permissions
    of the held-back categories, C(sts:GetCallerIdentity), and the Multi-Region Access Point route permissions."
  - A failback also needs what M(resilience.s3_dr.s3_crr_enable) needs for the reverse rule (with the DR bucket as
    its source), and C(s3:GetObject), C(s3:GetObjectTagging) on the DR bucket and C(s3:PutObject),
    C(s3:PutObjectTagging) on the source bucket for the copies.
  - Objects deleted in the DR bucket during the failover are not deleted in the source bucket; the reverse rule
    replicates delete markers from the moment it exists.
  - Cloning the tagging category onto a DR bucket (M(resilience.s3_dr.s3_bucket_config_clone)) replaces its tags,
    the failover record included; the pipeline does not clone a failed-over pair.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - resilience.s3_dr.bucket_selection
  - resilience.s3_dr.clone_options
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Fail a pair over to us-west-2 (us-east-1 is down)
  resilience.s3_dr.s3_dr_failover:
    source_bucket: app-data
    dest_region: us-west-2
    reason: "INC-1234 us-east-1 S3 outage"

- name: Fail over every pair whose DR bucket is tagged app=payments, with the last drill as evidence
  resilience.s3_dr.s3_dr_failover:
    dest_tags:
      app: payments
    dest_region: us-west-2
    drill_report: /var/lib/awx/dr-drill-reports/dr-drill-20261201T020000Z.json
    reason: "region outage"

- name: Store the bucket policy that only a failover applies (the application's DR role may write)
  amazon.aws.s3_object:
    bucket: app-data-dr
    object: _s3dr/held-back.json
    mode: put
    content: "{{ {'policy': app_dr_policy} | to_json }}"
    region: us-west-2

- name: Fail back once us-east-1 is back
  resilience.s3_dr.s3_dr_failover:
    state: failed_back
    source_bucket: app-data
    source_region: us-east-1
    dest_region: us-west-2
"""

RETURN = r"""
results:
  description: One result per pair (also for a single O(source_bucket)).
  returned: when a fleet was given (O(sources), O(dest_tags), O(source_tags))
  type: list
  elements: dict
  contains:
    source_bucket:
      description: The source bucket.
      type: str
    dest_bucket:
      description: The DR bucket.
      type: str
    failed:
      description: Whether this pair failed or was refused (the reason is in C(msg)).
      type: bool
    msg:
      description: Why the pair was refused or failed.
      type: str
    actions:
      description: The writes made (in check mode, that would be made), in order.
      type: list
      elements: str
source_bucket:
  description: The source bucket (single O(source_bucket)).
  returned: when O(source_bucket) was given and the pair was not refused
  type: str
dest_bucket:
  description: The DR bucket.
  returned: when O(source_bucket) was given and the pair was not refused
  type: str
ready:
  description: Whether the DR bucket passed the readiness checks (O(state=failed_over)).
  returned: with O(state=failed_over)
  type: bool
reasons:
  description: Why the DR bucket is not ready, one line each.
  returned: with O(state=failed_over)
  type: list
  elements: str
readiness:
  description: The DR-side facts the readiness was decided on - C(versioning), C(last_replica_key),
    C(last_replica_at), C(objects_listed), C(held_back) (categories), C(drill), C(drift) (drifted categories
    of the last drill, null without O(drill_report)).
  returned: with O(state=failed_over)
  type: dict
failover:
  description: The failover record on the DR bucket - C(state), C(at), C(by), C(reason).
  returned: always
  type: dict
  sample: {"state": "failed-over", "at": "2026-12-02T11:00:00Z", "by": "arn:aws:iam::123456789012:user/sre",
           "reason": "INC-1234"}
held_back:
  description: Per held-back category, C(applied) or C(in_place).
  returned: with O(state=failed_over)
  type: dict
mrap:
  description: The Multi-Region Access Point of the pair - C(mrap) (its name, or null) and C(changed)
    (whether its routes were flipped to the active bucket).
  returned: always
  type: dict
copied_back:
  description: With O(state=failed_back), C(written_in_dr) (objects the DR bucket received since the failover),
    C(objects_copied), C(objects_failed), C(failures).
  returned: with O(state=failed_back)
  type: dict
verified:
  description: C(objects_checked) and the keys C(missing_or_different) in the source bucket after the copy back
    (any makes the failback fail, the pair staying failed over); C(both_sides) compares the two listings by key
    (C(only_in_dr), C(only_in_source) - reported as a warning, C(in_both), C(truncated) at O(max_keys)).
  returned: with O(state=failed_back), not in check mode
  type: dict
actions:
  description: The writes made (in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.failover import (
    FailoverSpec,
    failback,
    failover,
    spec_problems,
)
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.fleet import buckets_with_tags
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.validation import tag_filter_problem
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import (
    BUCKET_SELECTION_SPEC,
    CLONE_OPTIONS_SPEC,
    exit_single_or_fleet,
    module_clients,
    selected_buckets,
)

SELECTIONS = ("source_bucket", "sources", "source_tags", "dest_tags")
ARGUMENT_SPEC = dict(
    **BUCKET_SELECTION_SPEC,
    **CLONE_OPTIONS_SPEC,
    state=dict(type="str", choices=["failed_over", "failed_back"], default="failed_over"),
    dest_tags=dict(type="dict"),
    reason=dict(type="str", default=""),
    operator=dict(type="str"),
    force=dict(type="bool", default=False),
    held_back_key=dict(type="str", default="_s3dr/held-back.json", no_log=False),
    max_keys=dict(type="int", default=1000, no_log=False),
    max_replica_age=dict(type="float"),
    drill_report=dict(type="path"),
    two_way=dict(type="bool", default=False),
)


def drill_entries(module, path):
    """source bucket -> its entry of the dr_drill JSON report."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as report:
            pairs = json.load(report).get("pairs", [])
    except (OSError, ValueError, AttributeError) as error:
        module.fail_json(msg=f"Nothing was changed: cannot read the drill report {path}: {error}. Give the JSON report "
                             "playbooks/dr_drill.yml wrote (dr-drill-<time>.json).")
    return {pair.get("source_bucket"): pair for pair in pairs if isinstance(pair, dict)}


def dr_side_selection(module, clients):
    """Source bucket -> DR bucket of the DR buckets in dest_region tagged dest_tags (DR Region calls only)."""
    params = module.params
    problem = tag_filter_problem(params["dest_tags"])
    if problem:
        module.fail_json(msg=f"Nothing was changed because the input is invalid: dest_tags: {problem}.")
    suffix = params["dest_suffix"]
    try:
        names = buckets_with_tags(clients, params["dest_region"], params["dest_tags"], params["concurrency"])
    except Exception as error:  # pylint: disable=broad-exception-caught
        module.fail_json_aws(error, msg=f"Cannot list the buckets of {params['dest_region']} tagged {params['dest_tags']}")
    return {name[:-len(suffix)]: name for name in names if suffix and name.endswith(suffix) and len(name) > len(suffix)}


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                              mutually_exclusive=[SELECTIONS], required_one_of=[SELECTIONS],
                              required_by={"source_tags": "source_region", "dest_bucket": "source_bucket"})
    params = module.params
    failing_over = params["state"] == "failed_over"
    if failing_over and params["source_tags"]:
        module.fail_json(msg="Nothing was changed: source_tags selects buckets by reading the source Region, which a "
                             "failover must not depend on. Select the pairs with dest_tags (the DR buckets' tags, read "
                             "in the DR Region), sources or source_bucket.")
    clients = module_clients(module)
    if params["dest_tags"]:
        if params["concurrency"] < 1:
            module.fail_json(msg="concurrency must be 1 or more")
        selection = dr_side_selection(module, clients)
    else:
        selection = selected_buckets(module, clients)
    drills = drill_entries(module, params["drill_report"])
    clone_options = {name: params[name] for name in CLONE_OPTIONS_SPEC}
    clone_options.pop("categories", None)  # failback clones exactly the held-back categories
    clone_options.pop("exclude_categories", None)
    specs = {bucket: FailoverSpec(
        source_bucket=bucket, dest_bucket=dest, dest_region=params["dest_region"], dest_suffix=params["dest_suffix"],
        source_region=params["source_region"], reason=params["reason"], operator=params["operator"],
        force=params["force"], held_back_key=params["held_back_key"], max_keys=params["max_keys"],
        max_replica_age_seconds=params["max_replica_age"], drill_report=drills.get(bucket),
        two_way=params["two_way"], clone_options=clone_options)
        for bucket, dest in selection.items()}
    invalid = {bucket: problems for bucket, problems in ((b, spec_problems(s)) for b, s in specs.items()) if problems}
    if invalid:
        module.fail_json(msg="Nothing was changed because the input is invalid: " + "; ".join(
            f"bucket {bucket}: {'; '.join(problems)}" for bucket, problems in invalid.items()) + ".",
            failed_buckets=sorted(invalid))
    work = failover if failing_over else failback
    exit_single_or_fleet(module, selection, lambda bucket: work(clients, specs[bucket], module.check_mode))


if __name__ == "__main__":
    main()
