#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_bucket_config_clone
short_description: Copy every bucket-level S3 setting to the DR bucket, rewritten for the DR Region
version_added: 0.1.0
description:
  - Replication copies objects, never bucket settings. This module makes the DR bucket's settings
    equal to the source bucket's, category by category - accelerate, acl, analytics, cors,
    encryption, intelligent-tiering, inventory, lifecycle, logging, metrics, notification,
    ownership-controls, policy, public-access-block, request-payment, tagging, versioning, website,
    object-lock, access-points. Replication itself is M(resilience.s3_dr.s3_crr_enable)'s business.
  - Values that name the source bucket or its Region are rewritten - bucket ARNs in the policy,
    KMS keys (O(kms_key_map)), notification targets (O(notification_target_map)), logging /
    inventory / analytics destinations (O(bucket_map)), Region-bound policy conditions
    (O(policy_value_map)). A value that needs a mapping and has none is skipped with the reason
    (or fails the bucket with O(on_unmapped=fail)) - never guessed, never dropped silently.
  - The trigger tag (O(trigger_tag_key)) is never copied. MFA delete is reported as not automatable.
    ACLs are skipped when the DR bucket has object ownership C(BucketOwnerEnforced).
  - Settings the DR bucket has and the source does not are removed (O(purge=true)), except the
    secure baseline (O(secure_baseline)).
  - Creates the DR bucket when it is missing, with the same secure defaults as
    M(resilience.s3_dr.s3_crr_enable).
  - Supports check mode and diff mode (before and after per category).
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  purge:
    description:
      - Remove settings the DR bucket has and the source does not. With V(false) the clone only adds
        and updates.
    type: bool
    default: true
  create_dest_bucket:
    description:
      - Create the DR bucket when it does not exist. When V(false), a missing DR bucket is an error.
    type: bool
    default: true
  dest_kms_key_id:
    description:
      - KMS key (in O(dest_region)) for the default encryption of a DR bucket this module creates
        (or hardens, O(harden_dest)). A key ARN of another Region is an error before anything is written.
    type: str
  harden_dest:
    description:
      - Apply the secure baseline to a DR bucket that already existed, for the pieces the selected
        categories do not lay themselves (with O(secure_baseline=true) and every category selected,
        the clone already does) - all four public access block settings on, object ownership
        C(BucketOwnerEnforced), default encryption, a TLS-only statement added to its bucket policy.
      - With V(false), each such gap is named in a warning and nothing is changed for it.
      - Cannot be combined with O(secure_baseline=false).
      - Check mode and diff mode show the gaps (C(dest_baseline_gaps)) and the writes.
    type: bool
    default: false
  dest_account_role_arn:
    description:
      - For a DR bucket in another account (a DR or vault account) - a role of that account to assume for
        everything done to the DR bucket (reading, creating and writing it). The source bucket is read with the
        module's own credentials, so neither account needs the other's bucket settings opened to it.
      - The role's trust policy must let the module's credentials call C(sts:AssumeRole); its permissions are
        those of the notes below, on the DR bucket only.
      - The DR bucket's policy statements that let the source account's replication role in
        (M(resilience.s3_dr.s3_crr_dest_access)) are kept when the clone carries the source's policy.
      - Access points are made in the DR account; values naming them are rewritten to that account.
    type: str
  iac_owned:
    description:
      - What to do with a source bucket declared by infrastructure as code (a CloudFormation stack tag,
        or a tag key of O(iac_owner_tags)).
      - V(report) plans the clone and writes nothing - not even the DR bucket - so that the code stays the
        one source of truth; the planned writes are in RV(planned_actions) and a warning names the owner.
      - V(clone) clones it like any other bucket.
    type: str
    choices: [report, clone]
    default: report
notes:
  - "Permissions: the C(s3:Get*Configuration) / C(s3:Put*Configuration) permissions of each category on
    both buckets (for example C(s3:GetLifecycleConfiguration), C(s3:PutLifecycleConfiguration),
    C(s3:GetBucketPolicy), C(s3:PutBucketPolicy), C(s3:DeleteBucketPolicy)), C(s3:GetBucketLocation),
    C(sts:GetCallerIdentity), and C(s3:CreateBucket) with the permissions of the secure defaults when the
    DR bucket is created."
  - Logging into a bucket requires that bucket to allow the logging service; a category that S3
    refuses (or that cannot be read) is reported for that bucket while the other categories are
    cloned, and the task fails at the end naming it (RV(failed_categories)).
  - Default encryption - every bucket has at least SSE-S3. When the source has SSE-S3, the DR bucket
    keeps its own default, which may be stronger (SSE-KMS from O(dest_kms_key_id)); a source KMS
    default is carried with its key mapped through O(kms_key_map).
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
- name: Copy every setting of app-data to its DR bucket app-data-dr in eu-central-1
  resilience.s3_dr.s3_bucket_config_clone:
    source_bucket: app-data
    dest_region: eu-central-1

- name: Clone with Region-specific values mapped
  resilience.s3_dr.s3_bucket_config_clone:
    source_bucket: payments
    dest_region: us-west-2
    kms_key_map:
      arn:aws:kms:us-east-1:111122223333:key/aaaa: arn:aws:kms:us-west-2:111122223333:key/bbbb
    notification_target_map:
      arn:aws:sqs:us-east-1:111122223333:payments-events: arn:aws:sqs:us-west-2:111122223333:payments-events
    bucket_map:
      access-logs-us-east-1: access-logs-us-west-2
    on_unmapped: fail

- name: Only lifecycle and tags, never removing what the DR bucket has of its own
  resilience.s3_dr.s3_bucket_config_clone:
    source_bucket: app-data
    dest_region: eu-central-1
    categories: [lifecycle, tagging]
    purge: false

- name: Clone into a DR bucket of the vault account 210987654321, as a role of that account
  resilience.s3_dr.s3_bucket_config_clone:
    source_bucket: app-data
    dest_region: eu-central-1
    dest_account_role_arn: arn:aws:iam::210987654321:role/s3dr-vault-admin
    kms_key_map:
      arn:aws:kms:eu-west-1:111122223333:key/aaaa: arn:aws:kms:eu-central-1:210987654321:key/bbbb

- name: Every bucket tagged dr=true in us-east-1
  resilience.s3_dr.s3_bucket_config_clone:
    source_tags:
      dr: "true"
    source_region: us-east-1
    dest_region: us-west-2
"""

RETURN = r"""
source_bucket:
  description: The source bucket.
  returned: when O(source_bucket) is given
  type: str
dest_bucket:
  description: The DR bucket.
  returned: when O(source_bucket) is given
  type: str
categories:
  description:
    - Per category, C(status) (unchanged, created, updated, deleted, skipped, failed) and, for
      skipped or failed ones, C(reason); C(skipped_parts) lists parts of a category that could not
      be carried (for example one notification without a target mapping). C(replication) is always
      skipped - M(resilience.s3_dr.s3_crr_enable) manages it.
  returned: when O(source_bucket) is given
  type: dict
  sample:
    lifecycle:
      status: created
    acl:
      status: skipped
      reason: ACLs are disabled on the DR bucket (object ownership BucketOwnerEnforced); access is granted by policy
failed_categories:
  description:
    - The categories that could not be cloned, each with C(status=failed), C(reason) and C(error_code) in
      RV(categories). The other categories were cloned; the task fails naming these.
  returned: when O(source_bucket) is given
  type: list
  elements: str
  sample: [policy]
iac_owner:
  description: Who declares the source bucket in code (C(CloudFormation stack app)), or null.
  returned: when O(source_bucket) is given
  type: str
planned_actions:
  description: For an IaC-owned bucket with O(iac_owned=report), the writes the clone would make; none were made.
  returned: when the source bucket is IaC-owned and O(iac_owned=report)
  type: list
  elements: str
actions:
  description: The writes made (in check mode, that would be made), in order.
  returned: when O(source_bucket) is given
  type: list
  elements: str
results:
  description: One entry per bucket of a fleet, with the keys above plus C(failed) and C(msg).
  returned: when O(sources) or O(source_tags) is given
  type: list
  elements: dict
failed_buckets:
  description: The buckets of a fleet that failed.
  returned: when O(sources) or O(source_tags) is given
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.clone import clone_configuration
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.discovery import Discovery
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.specs import clone_spec
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import (
    BUCKET_SELECTION_RULES,
    BUCKET_SELECTION_SPEC,
    CLONE_OPTIONS_SPEC,
    exit_single_or_fleet,
    module_clients,
    selected_buckets,
)

ARGUMENT_SPEC = dict(
    **BUCKET_SELECTION_SPEC,
    **CLONE_OPTIONS_SPEC,
    purge=dict(type="bool", default=True),
    create_dest_bucket=dict(type="bool", default=True),
    dest_kms_key_id=dict(type="str"),
    harden_dest=dict(type="bool", default=False),
    iac_owned=dict(type="str", choices=["report", "clone"], default="report"),
    dest_account_role_arn=dict(type="str"),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **BUCKET_SELECTION_RULES)
    clients, discovery = module_clients(module), Discovery()  # one identity, and one assumed role, per run
    selection = selected_buckets(module, clients, discovery)

    def clone(bucket):
        return clone_configuration(clients, clone_spec(module.params, source_bucket=bucket, dest_bucket=selection[bucket]),
                                   check_mode=module.check_mode, discovery=discovery)

    exit_single_or_fleet(module, selection, clone)


if __name__ == "__main__":
    main()
