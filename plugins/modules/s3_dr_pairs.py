#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_dr_pairs
short_description: Make S3 buckets DR-ready in one pass per bucket - settings, replication and backfill
version_added: 0.2.0
description:
  - For each source bucket, in one pass - the DR bucket is created when missing (secure baseline) and
    every bucket setting is cloned to it (as M(resilience.s3_dr.s3_bucket_config_clone) does), cross-Region
    replication is enabled (as M(resilience.s3_dr.s3_crr_enable) does, with its default rule and managed role),
    and the objects that existed before replication are copied (as M(resilience.s3_dr.s3_crr_backfill) does).
  - The steps share what they learn - the caller's identity once per run, each bucket's Region and its DR
    bucket's state once per bucket, every setting read or written once. A DR bucket the run creates is known
    and not read back. So a fleet needs about half the API calls of the three modules run one after the other.
  - Each bucket is on its own. A bucket that fails is reported with its error and the step it failed in
    (C(input), C(clone), C(replication) or C(backfill)); the other buckets finish, and the task fails at the end naming
    every failed bucket. Data first - replication is enabled also when some settings could not be cloned.
  - The task result holds a summary whatever the fleet's size. The detail of each bucket (categories, writes,
    before and after) is written to O(report_path) as JSON Lines, one line per bucket, and returned as the
    task's diff in diff mode.
  - Supports check mode (nothing is written, the report says what would be) and diff mode.
  - Use the separate modules for one step, or for options this module does not offer (replication rules,
    roles you manage, Batch Replication).
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  dest_kms_key_id:
    description:
      - KMS key (in O(dest_region)) for the default encryption of the DR buckets this module creates
        (or hardens, O(harden_dest)). Default is SSE-S3.
    type: str
  harden_dest:
    description:
      - Apply the secure baseline to DR buckets that already existed (see M(resilience.s3_dr.s3_crr_enable)).
    type: bool
    default: false
  permissions_boundary:
    description:
      - ARN of an IAM managed policy to set as the permissions boundary of the replication roles.
        Default is the collection's boundary (see M(resilience.s3_dr.s3_crr_enable)).
    type: str
  role_propagation_timeout:
    description:
      - Seconds to keep retrying when S3 does not yet accept a replication role created by this run.
    type: int
    default: 120
  backfill:
    description:
      - Copy the objects that existed before replication was enabled.
    type: bool
    default: true
  backfill_concurrency:
    description:
      - How many objects are copied at once, for the whole fleet - the buckets being backfilled share
        this budget.
    type: int
    default: 32
  fail_fast:
    description:
      - Start no other bucket once one has failed (the buckets already running finish). The task result
        lists the buckets not started.
    type: bool
    default: false
  retry_mode:
    description:
      - The AWS SDK retry mode of the clients (throttling, 5xx, connection errors). V(adaptive) adds a client-side
        rate limiter when AWS throttles.
      - Default is the environment variable E(AWS_RETRY_MODE), else V(standard).
      - Each pair worker has its own clients, and so its own retry quota, shared by the threads its bucket starts.
      - Retry settings in O(aws_config) take precedence, as in every amazon.aws module.
    type: str
    choices: [standard, adaptive, legacy]
  max_attempts:
    description:
      - Attempts per AWS call, the first one included, before an error is reported for the bucket.
      - Default is the environment variable E(AWS_MAX_ATTEMPTS), else V(11).
    type: int
  dest_account_role_arn:
    description:
      - Cross-account DR - a role of the DR (vault) account to assume for everything done to the DR buckets, which
        are that account's. For each bucket, as that role, the DR bucket is created and cloned and its bucket policy
        (and the key policy of O(dest_kms_key_id), then a key ARN of that account) lets the pair's replication role
        in (as M(resilience.s3_dr.s3_crr_dest_access) does); then the replication rule names that account with owner
        override, so it owns the replicas.
      - The copy backfill cannot write into another account's bucket - set O(backfill=false) and copy existing objects
        with M(resilience.s3_dr.s3_crr_backfill) O(resilience.s3_dr.s3_crr_backfill#module:method=batch_replication).
      - The role's permissions - those of playbooks/dr_account_access.yml (role P(resilience.s3_dr.dr_pipeline#role),
        entry point C(dr_account)), with a trust policy that lets these credentials assume it.
    type: str
  report_path:
    description:
      - A JSON Lines file that gets one line per bucket - C(source_bucket), C(dest_bucket), C(failed),
        C(failed_step), C(msg), C(categories), C(actions), C(before), C(after), C(backfill), and C(fleet_size)
        (how many buckets the run selected).
      - Created with its directory when missing, replaced when it exists. Default is no report.
      - Each line is written as soon as its bucket is done, so the file can be followed while the task runs. With
        a local connection the task shows one progress line per bucket from it (see the notes).
    type: path
notes:
  - "Progress - with a local connection (C(hosts: localhost), C(connection: local), C(delegate_to: localhost)) the
    action plugin shows one line per bucket as soon as the bucket is done, for example
    C([37/200] app-data: changed (replication set up, 3 settings cloned, 12 objects copied)), or the step and the
    error of a failed bucket. Under C(no_log) the lines name no bucket. With another connection (the report is on
    the target), with C(async), with C(become) and no O(report_path), or for one O(source_bucket) there are no
    progress lines; the task result is the same."
  - "Permissions: those of M(resilience.s3_dr.s3_bucket_config_clone), M(resilience.s3_dr.s3_crr_enable)
    and M(resilience.s3_dr.s3_crr_backfill) together."
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
- name: Every bucket of us-east-1 tagged dr=true becomes a DR pair in us-west-2, detail in a report
  resilience.s3_dr.s3_dr_pairs:
    source_tags:
      dr: "true"
    source_region: us-east-1
    dest_region: us-west-2
    report_path: artifacts/dr_pairs.jsonl
  register: dr_pairs

- name: Show the summary
  ansible.builtin.debug:
    var: dr_pairs.summary

- name: Two buckets, settings and replication only, stop at the first failure
  resilience.s3_dr.s3_dr_pairs:
    sources:
      - source_bucket: app-data
      - source_bucket: app-logs
        dest_bucket: app-logs-dr-eu
    dest_region: eu-central-1
    backfill: false
    fail_fast: true

- name: A large fleet while AWS throttles - adaptive retries, more attempts per call
  resilience.s3_dr.s3_dr_pairs:
    source_tags:
      dr: "true"
    source_region: us-east-1
    dest_region: us-west-2
    retry_mode: adaptive
    max_attempts: 15
    report_path: artifacts/dr_pairs.jsonl
"""

RETURN = r"""
summary:
  description: How many buckets were handled, changed and failed, replications set up now, objects copied.
  returned: always
  type: dict
  sample: {"buckets": 200, "changed": 200, "failed": 1, "replication_set_up": 199, "objects_copied": 5000}
failed_buckets:
  description: The source buckets that failed.
  returned: always
  type: list
  elements: str
  sample: [app-logs]
failures:
  description: Per failed bucket, C(source_bucket), the C(step) it failed in (input, clone, replication, backfill) and C(msg).
  returned: always
  type: list
  elements: dict
  sample: [{"source_bucket": "app-logs", "step": "clone", "msg": "Bucket app-logs: policy: Access Denied"}]
changed_buckets:
  description: The source buckets where something was written (in check mode, would be).
  returned: always
  type: list
  elements: str
not_started:
  description: With O(fail_fast), the source buckets not started after a failure.
  returned: always
  type: list
  elements: str
report_path:
  description: The JSON Lines report, when O(report_path) was given.
  returned: when O(report_path) is given
  type: str
"""

import json
import os

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.backfill import client_config
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.clients import RETRY_MODES, retry_settings
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.discovery import Discovery
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.pairs import (
    FleetSummary,
    PairPlan,
    plan_problems,
    run_pairs,
)
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.errors import invalid_input_message
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import (
    BUCKET_SELECTION_RULES,
    BUCKET_SELECTION_SPEC,
    CLONE_OPTIONS_SPEC,
    limit_malloc_arenas,
    selected_buckets,
    session_clients,
)

try:
    from botocore.config import Config
except ImportError:  # AnsibleAWSModule reports missing botocore
    Config = None

ARGUMENT_SPEC = dict(
    **BUCKET_SELECTION_SPEC,
    **CLONE_OPTIONS_SPEC,
    dest_kms_key_id=dict(type="str"),
    harden_dest=dict(type="bool", default=False),
    permissions_boundary=dict(type="str"),
    role_propagation_timeout=dict(type="int", default=120),
    backfill=dict(type="bool", default=True),
    backfill_concurrency=dict(type="int", default=32),
    fail_fast=dict(type="bool", default=False),
    retry_mode=dict(type="str", choices=list(RETRY_MODES)),
    max_attempts=dict(type="int"),
    report_path=dict(type="path"),
    dest_account_role_arn=dict(type="str"),
)
MAX_WARNINGS = 20  # more are in the report


def pair_plan(params: dict) -> PairPlan:
    shared = {name: params[name] for name in ("dest_suffix", "dest_kms_key_id", "harden_dest", "allow_unknown_region")}
    clone = {**shared, **{name: params[name] for name in CLONE_OPTIONS_SPEC}}
    replication = {**shared, "role_propagation_timeout": params["role_propagation_timeout"],
                   "permissions_boundary": params["permissions_boundary"]}
    clone["dest_account_role_arn"] = params["dest_account_role_arn"]  # the rules then name that account
    backfill = {"dest_suffix": params["dest_suffix"], "concurrency": params["backfill_concurrency"],
                "allow_unknown_region": params["allow_unknown_region"]} if params["backfill"] else None
    return PairPlan(params["dest_region"], clone=clone, replication=replication, backfill=backfill)


def main():
    limit_malloc_arenas()  # before any thread: the workers and their read-ahead threads share two arenas
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **BUCKET_SELECTION_RULES)
    params = module.params
    if params["backfill_concurrency"] < 1:
        module.fail_json(msg="backfill_concurrency must be 1 or more")
    try:
        retries = retry_settings(mode=params["retry_mode"], max_attempts=params["max_attempts"])
    except ValueError as error:
        module.fail_json(msg=f"Nothing was changed: {error}.")
    config = client_config(params["concurrency"] + params["backfill_concurrency"]).merge(Config(retries=retries))
    # One session for the run; run_pairs gives each pair worker its own clients (see core.clients.worker_clients).
    clients = session_clients(module, config)
    plan = pair_plan(params)
    discovery = Discovery()
    selection = selected_buckets(module, clients, discovery)
    # What is wrong for every bucket alike (a key of another Region, ...) is refused once, before any write.
    problems = plan_problems(plan, next(iter(selection), "example"), None)
    if problems:
        names = sorted(selection)
        module.fail_json(msg=invalid_input_message(problems, subject=f" for {', '.join(names[:10])}" + (
            f" and {len(names) - 10} more buckets" if len(names) > 10 else "")))

    summary, diff = FleetSummary(), {"before": {}, "after": {}}
    warnings: list[str] = []
    report = None
    if params["report_path"]:
        os.makedirs(os.path.dirname(os.path.abspath(params["report_path"])), exist_ok=True)
        report = open(params["report_path"], "w", encoding="utf-8")  # pylint: disable=consider-using-with

    def done(record):
        summary.add(record)
        warnings.extend(record["warnings"][:MAX_WARNINGS - len(warnings)])
        if module._diff:
            diff["before"][record["source_bucket"]] = record.get("before", {})
            diff["after"][record["source_bucket"]] = record.get("after", {})
        if report:  # flushed per bucket: the action plugin shows each line while the fleet runs
            report.write(json.dumps(dict(record, fleet_size=len(selection)), default=str, sort_keys=True) + "\n")
            report.flush()

    try:
        not_started = run_pairs(clients, plan, selection.items(), discovery, done, params["concurrency"],
                                module.check_mode, params["backfill_concurrency"], params["fail_fast"])
    finally:
        if report:
            report.close()
    for warning in warnings:
        module.warn(warning)
    result = dict(changed=summary.changed > 0, summary=summary.as_dict(), failures=summary.failed,
                  failed_buckets=sorted(item["source_bucket"] for item in summary.failed),
                  changed_buckets=sorted(summary.changed_buckets), not_started=not_started)
    if params["report_path"]:
        result["report_path"] = params["report_path"]
    if module._diff:
        result["diff"] = diff
    if summary.failed or not_started:
        module.fail_json(
            msg=f"{len(summary.failed)} of {summary.buckets + len(not_started)} buckets failed"
                + (f" ({len(not_started)} not started: fail_fast)" if not_started else "") + ": "
                + "; ".join(f"{item['source_bucket']} ({item['step']}): {item['msg']}" for item in summary.failed),
            **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
