#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_crr_enable
short_description: Enable S3 cross-Region replication to a DR bucket, for one bucket or a fleet
version_added: 0.1.0
description:
  - Makes an S3 bucket replicate to a disaster-recovery (DR) bucket in another Region.
  - Creates the DR bucket when it is missing, locked down by default (public access blocked,
    object ownership C(BucketOwnerEnforced), default encryption, a TLS-only bucket policy,
    Object Lock when the source uses it).
  - Enables versioning on both buckets (never suspends it).
  - Manages a least-privilege replication role scoped to the exact source and DR bucket ARNs
    and KMS keys, unless O(role_arn) names one you manage.
  - Merges its rules into the bucket's replication configuration and keeps rules it does not
    name (O(purge_rules=false)), so it never wipes replication that others set up.
  - Works on one bucket (O(source_bucket)), a list (O(sources)) or every bucket of a Region
    carrying some tags (O(source_tags)), with bounded concurrency. One bucket's failure does not
    stop the others; the task fails at the end, naming each failed bucket and why.
  - Replication copies only objects written after it is enabled. Existing objects need a backfill.
  - Every option is checked before the first write (Regions, ARNs, KMS key Regions, account ids,
    the role's existence, a DR Region different from the source bucket's), so bad input leaves
    nothing half-done.
  - A DR bucket that already exists and is weaker than the secure baseline gets a warning naming
    each gap, or the baseline with O(harden_dest=true).
  - Supports check mode (nothing is written) and diff mode (replication configuration,
    versioning, DR bucket existence and its baseline gaps, before and after).
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  create_dest_bucket:
    description:
      - Create the DR bucket when it does not exist. When V(false), a missing DR bucket is an error.
    type: bool
    default: true
  dest_kms_key_id:
    description:
      - KMS key (in O(dest_region)) for the default encryption of a DR bucket this module creates
        (or hardens, O(harden_dest)). Default is SSE-S3.
      - A key ARN of another Region is an error before anything is written.
    type: str
  harden_dest:
    description:
      - Apply the secure baseline to a DR bucket that already existed (one this module did not create) -
        all four public access block settings on, object ownership C(BucketOwnerEnforced), default
        encryption (SSE-S3, or SSE-KMS with O(dest_kms_key_id)) and a TLS-only statement added to its
        bucket policy (the statements it has are kept).
      - With V(false), each gap of such a bucket is named in a warning and nothing is changed.
      - Only the missing pieces are written; check mode and diff mode show them (C(dest_baseline_gaps)).
    type: bool
    default: false
  dest_account:
    description:
      - The account that owns the DR bucket, when it is not this account. The DR bucket is then not
        created, inspected or versioned by this module; that account must do it and allow this
        account's replication role in its bucket policy - with its own credentials, by
        M(resilience.s3_dr.s3_crr_dest_access) (see C(playbooks/cross_account_dr.yml)). When the
        replication configuration is written, a warning says so.
      - The default of O(rules[].dest_account) for every rule.
      - A 12-digit account id.
    type: str
  owner_override:
    description:
      - Make O(dest_account) the owner of the replicas (C(AccessControlTranslation)).
      - Requires O(dest_account).
      - The default of O(rules[].owner_override) for every rule.
    type: bool
    default: false
  role_arn:
    description:
      - A replication role you manage. Mutually exclusive with O(role_name).
      - Checked before anything is written - an IAM role ARN of the source bucket's account and
        partition, naming a role that exists (C(iam:GetRole); when that is not allowed, existence is
        left to S3).
    type: str
  role_name:
    description:
      - The name of the replication role this module manages. Default is C(s3-crr-<source bucket>)
        (shortened with a hash when longer than 64 characters).
      - Not allowed with O(sources) or O(source_tags), where each bucket gets its own role.
      - The module creates the role with the tag C(managed-by=resilience.s3_dr) and keeps its trust and
        inline policy in line. An existing role without that tag is an error, never rewritten; give such
        a role as O(role_arn) to use it unchanged.
      - A role created by this run may not be usable by S3 at once; the module retries, bounded by
        O(role_propagation_timeout), and reports each retry as a warning.
    type: str
  permissions_boundary:
    description:
      - ARN of an IAM managed policy to set as the permissions boundary of the replication role this module
        manages, for organisations that mandate their own boundary. It must allow what the role's policy grants.
      - Default is the collection's boundary C(s3dr-replication-role-boundary) (path C(/resilience-s3dr/)), created
        or brought in line by this module. It allows S3 replication actions only, reading from this account's buckets, writing
        replicas only into this account or the accounts named by O(dest_account) / O(rules[].dest_account) (one
        boundary per set of accounts, named after them), and KMS only through S3. So the role can never do more
        than replication, whatever its inline policy says.
      - The boundary is set before the role's inline policy is written; a managed role that lost its boundary gets
        it back.
      - Ignored with O(role_arn) (a role you manage).
    type: str
  role_propagation_timeout:
    description:
      - Seconds to keep retrying when S3 does not yet accept a role created by this run.
      - 0 to 3600.
    type: int
    default: 120
  source_kms_key_ids:
    description:
      - KMS keys that encrypt the source objects, for rules with O(rules[].sse_kms_encrypted_objects).
        Default is the source bucket's default encryption key.
      - The replication role may decrypt with them only through S3 in the source Region.
      - Key ARNs must be keys of the source bucket's Region.
    type: list
    elements: str
    default: []
  rules:
    description:
      - The replication rules this task manages, by O(rules[].id).
      - Default is one rule V(dr) for the whole bucket that replicates delete markers.
      - O(dest_account) and O(owner_override) are the defaults of each rule's O(rules[].dest_account) and
        O(rules[].owner_override).
      - Invalid combinations are errors before anything is written.
    # type and suboptions: doc fragment resilience.s3_dr.replication_rules
  purge_rules:
    description:
      - Remove rules this task does not name. By default they are kept.
    type: bool
    default: false
  allow_role_change:
    description:
      - Allow a different role on a configuration that holds rules this task does not manage.
        S3 has one role per bucket configuration, so this changes how those rules replicate.
    type: bool
    default: false
  state:
    description:
      - V(present) enables replication. V(absent) removes the rules named in O(rules) (default
        V(dr)), and the whole configuration only when no other rule is left. V(absent) never
        deletes a bucket, versioning, the role or data.
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Permissions (present): C(sts:GetCallerIdentity); on the source bucket C(s3:GetBucketLocation),
    C(s3:GetBucketVersioning), C(s3:PutBucketVersioning), C(s3:GetReplicationConfiguration),
    C(s3:PutReplicationConfiguration), C(s3:GetBucketObjectLockConfiguration),
    C(s3:GetEncryptionConfiguration); on the DR bucket C(s3:ListBucket) (HeadBucket), C(s3:CreateBucket),
    C(s3:PutBucketPublicAccessBlock), C(s3:PutEncryptionConfiguration), C(s3:PutBucketPolicy),
    C(s3:PutBucketOwnershipControls), C(s3:GetBucketVersioning), C(s3:PutBucketVersioning),
    C(s3:GetBucketObjectLockConfiguration); for the managed role C(iam:GetRole), C(iam:CreateRole),
    C(iam:TagRole), C(iam:UpdateAssumeRolePolicy), C(iam:GetRolePolicy), C(iam:PutRolePolicy),
    C(iam:PutRolePermissionsBoundary), C(iam:PassRole); for the collection's boundary (no O(permissions_boundary))
    C(iam:GetPolicy), C(iam:GetPolicyVersion), C(iam:CreatePolicy), C(iam:ListPolicyVersions),
    C(iam:CreatePolicyVersion), C(iam:DeletePolicyVersion); C(kms:DescribeKey) for keys given as aliases; C(s3:ListAllMyBuckets) and
    C(s3:GetBucketTagging) for O(source_tags)."
  - The managed role's trust policy lets only C(s3.amazonaws.com) assume it, and only for this
    account's source bucket (C(aws:SourceAccount), C(aws:SourceArn)).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - resilience.s3_dr.bucket_selection
  - resilience.s3_dr.replication_rules
  - amazon.aws.common.modules
  - resilience.s3_dr.bucket_regions
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Replicate one bucket to its DR copy in eu-central-1 (bucket app-data-dr is created)
  resilience.s3_dr.s3_crr_enable:
    source_bucket: app-data
    dest_region: eu-central-1

- name: Replicate SSE-KMS objects, encrypting the DR bucket and the replicas with DR-Region keys
  resilience.s3_dr.s3_crr_enable:
    source_bucket: payments-ledger
    dest_region: us-west-2
    dest_kms_key_id: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    rules:
      - id: dr
        sse_kms_encrypted_objects: true
        replica_kms_key_id: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
        replication_time: true
        metrics: true

- name: Only the reports/ prefix and objects tagged tier=gold, to STANDARD_IA replicas
  resilience.s3_dr.s3_crr_enable:
    source_bucket: analytics
    dest_region: eu-west-1
    rules:
      - id: gold-reports
        prefix: reports/
        tags:
          tier: gold
        storage_class: STANDARD_IA

- name: Replicate to a DR bucket another account owns; that account owns the replicas of invoices/ only
  resilience.s3_dr.s3_crr_enable:
    source_bucket: billing
    dest_bucket: billing-dr-vault
    dest_region: us-west-2
    dest_account: "210987654321"
    rules:
      - id: invoices
        prefix: invoices/
        owner_override: true
      - id: everything-else
        priority: 0

- name: Every bucket of us-east-1 tagged dr=true, 32 at a time
  resilience.s3_dr.s3_crr_enable:
    source_tags:
      dr: "true"
    source_region: us-east-1
    dest_region: us-west-2
    concurrency: 32
  register: fleet

- name: Show what happened to each bucket
  ansible.builtin.debug:
    msg: "{{ fleet.results | map(attribute='source_bucket') | list }}"

- name: Stop replicating (removes the rule dr; buckets, versioning and data stay)
  resilience.s3_dr.s3_crr_enable:
    source_bucket: app-data
    dest_region: eu-central-1
    state: absent
"""

RETURN = r"""
source_bucket:
  description: The source bucket (single-bucket runs).
  returned: when O(source_bucket) is given
  type: str
  sample: app-data
source_region:
  description: The Region of the source bucket.
  returned: when O(source_bucket) is given
  type: str
  sample: us-east-1
dest_bucket:
  description: The DR bucket.
  returned: when O(source_bucket) is given and O(state=present)
  type: str
  sample: app-data-dr
dest_region:
  description: The DR Region.
  returned: when O(source_bucket) is given and O(state=present)
  type: str
  sample: eu-central-1
role_arn:
  description: The replication role.
  returned: when O(source_bucket) is given
  type: str
  sample: arn:aws:iam::111122223333:role/service-role/s3-crr-app-data
replication_configuration:
  description: The bucket's replication configuration after the run (in check mode, what it would be), as the S3 API shapes it.
  returned: when O(source_bucket) is given
  type: dict
  sample:
    Role: arn:aws:iam::111122223333:role/service-role/s3-crr-app-data
    Rules:
      - ID: dr
        Priority: 0
        Status: Enabled
        Filter: {}
        DeleteMarkerReplication:
          Status: Enabled
        Destination:
          Bucket: arn:aws:s3:::app-data-dr
actions:
  description: The writes made (in check mode, the writes that would be made), in order.
  returned: when O(source_bucket) is given
  type: list
  elements: str
  sample: ["create DR bucket app-data-dr in eu-central-1", "enable versioning on app-data"]
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
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.crr import apply_crr
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.specs import crr_spec
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import (
    BUCKET_SELECTION_RULES,
    BUCKET_SELECTION_SPEC,
    RULE_OPTIONS,
    exit_single_or_fleet,
    module_clients,
    selected_buckets,
)

ARGUMENT_SPEC = dict(
    **BUCKET_SELECTION_SPEC,
    create_dest_bucket=dict(type="bool", default=True),
    dest_kms_key_id=dict(type="str"),
    dest_account=dict(type="str"),
    owner_override=dict(type="bool", default=False),
    role_arn=dict(type="str"),
    role_name=dict(type="str"),
    role_propagation_timeout=dict(type="int", default=120),
    permissions_boundary=dict(type="str"),
    source_kms_key_ids=dict(type="list", elements="str", default=[], no_log=False),
    rules=dict(type="list", elements="dict", options=RULE_OPTIONS),
    purge_rules=dict(type="bool", default=False),
    allow_role_change=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    harden_dest=dict(type="bool", default=False),
)


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=BUCKET_SELECTION_RULES["mutually_exclusive"] + [("role_arn", "role_name")],
        required_one_of=BUCKET_SELECTION_RULES["required_one_of"],
        required_by={**BUCKET_SELECTION_RULES["required_by"], "role_name": "source_bucket"},
    )
    clients = module_clients(module)
    selection = selected_buckets(module, clients)

    def crr(bucket):
        return apply_crr(clients, crr_spec(module.params, source_bucket=bucket, dest_bucket=selection[bucket]),
                         check_mode=module.check_mode)

    exit_single_or_fleet(module, selection, crr)


if __name__ == "__main__":
    main()
