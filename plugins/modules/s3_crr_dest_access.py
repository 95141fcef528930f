#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_crr_dest_access
short_description: Let another account's replication role replicate into a DR bucket of this account
version_added: 0.1.0
description:
  - The DR (vault) account's side of cross-account replication. Run it with the DR account's credentials, after
    M(resilience.s3_dr.s3_crr_enable) ran in the source account with O(resilience.s3_dr.s3_crr_enable#module:dest_account)
    (its RV(resilience.s3_dr.s3_crr_enable#module:role_arn) is this module's O(role_arn)).
  - Creates the DR bucket when it is missing, locked down as M(resilience.s3_dr.s3_crr_enable) creates its own
    (public access blocked, ACLs off, default encryption, TLS-only policy, versioning on); on an existing bucket,
    turns versioning on (never off).
  - Adds to the DR bucket policy the statements that let O(role_arn) replicate into it
    (C(s3:ReplicateObject), C(s3:ReplicateDelete), C(s3:ReplicateTags), and C(s3:ObjectOwnerOverrideToBucketOwner)
    with O(owner_override); C(s3:GetBucketVersioning), C(s3:ListBucket) on the bucket). Without them S3 marks every
    replicated version C(FAILED).
  - With O(kms_key_arn), adds to that key's policy a statement letting O(role_arn) encrypt replicas through S3 only
    (C(kms:ViaService) C(s3.<dest_region>.amazonaws.com)).
  - Each statement has a Sid naming the role (C(S3DrReplicas<part><account><role name>)); every other statement of
    the bucket and key policies is kept, and several source accounts can share one DR bucket.
  - In check mode nothing is written and RV(problems) says what the DR side lacks, which is the check to run when
    replication from the other account is C(FAILED).
  - Supports check mode and diff mode.
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  dest_bucket:
    description:
      - The DR bucket, in this account.
    type: str
    required: true
  dest_region:
    description:
      - The Region of O(dest_bucket).
    type: str
    required: true
  role_arn:
    description:
      - The replication role of the source account (an IAM role ARN of another account).
    type: str
    required: true
  owner_override:
    description:
      - Also allow C(s3:ObjectOwnerOverrideToBucketOwner), which rules with
        O(resilience.s3_dr.s3_crr_enable#module:owner_override) need to make this account the owner of the replicas.
    type: bool
    default: false
  kms_key_arn:
    description:
      - ARN of a KMS key of this account in O(dest_region) that encrypts the replicas (the source side's
        O(resilience.s3_dr.s3_crr_enable#module:rules[].replica_kms_key_id) or
        O(resilience.s3_dr.s3_crr_enable#module:dest_kms_key_id)). Its key policy gets the role's statement.
      - A new DR bucket uses it as its default encryption key.
    type: str
  create_dest_bucket:
    description:
      - Create O(dest_bucket) when it does not exist. When false, a missing bucket is an error.
    type: bool
    default: true
  state:
    description:
      - V(present) adds the role's statements; V(absent) removes them (and deletes a bucket policy left empty). The
        bucket is never deleted.
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Permissions (DR account): C(sts:GetCallerIdentity), C(s3:ListBucket) (HeadBucket), C(s3:GetBucketVersioning),
    C(s3:PutBucketVersioning), C(s3:GetBucketPolicy), C(s3:PutBucketPolicy), C(s3:DeleteBucketPolicy); to create the
    bucket C(s3:CreateBucket), C(s3:PutBucketPublicAccessBlock), C(s3:PutEncryptionConfiguration),
    C(s3:PutBucketOwnershipControls); with O(kms_key_arn) C(kms:GetKeyPolicy), C(kms:PutKeyPolicy)."
  - The source account cannot run this for the DR account, by design. Use two plays, the second with the DR account's
    credentials (a profile, or C(amazon.aws.sts_assume_role) into a role of the DR account); see the example playbook
    C(playbooks/cross_account_dr.yml).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: In the DR account, let the source account's replication role in (replicas owned by the DR account)
  resilience.s3_dr.s3_crr_dest_access:
    profile: dr-vault
    dest_bucket: app-data-dr
    dest_region: eu-central-1
    role_arn: arn:aws:iam::111122223333:role/s3dr-replication-app-data
    owner_override: true
    kms_key_arn: arn:aws:kms:eu-central-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab

- name: Check only (nothing written) what the DR account lacks
  resilience.s3_dr.s3_crr_dest_access:
    profile: dr-vault
    dest_bucket: app-data-dr
    dest_region: eu-central-1
    role_arn: arn:aws:iam::111122223333:role/s3dr-replication-app-data
    owner_override: true
  check_mode: true
  register: dr_side

- name: Take the role's statements out again (the bucket stays)
  resilience.s3_dr.s3_crr_dest_access:
    profile: dr-vault
    dest_bucket: app-data-dr
    dest_region: eu-central-1
    role_arn: arn:aws:iam::111122223333:role/s3dr-replication-app-data
    state: absent
"""

RETURN = r"""
dest_bucket:
  description: The DR bucket.
  returned: always
  type: str
dest_region:
  description: Its Region.
  returned: always
  type: str
account_id:
  description: The account these credentials belong to, which owns the DR bucket.
  returned: always
  type: str
role_arn:
  description: The role granted (or, with O(state=absent), no longer granted).
  returned: always
  type: str
bucket_policy:
  description: The DR bucket policy after this run (what it would be, in check mode).
  returned: always
  type: dict
problems:
  description:
    - What the DR side lacked before this run, each naming what to fix (empty when it already let the role in).
    - In check mode, what is still to fix.
  returned: always
  type: list
  elements: str
  sample: ["the bucket policy of app-data-dr does not allow role arn:aws:iam::111122223333:role/r s3:ReplicateObject, ..."]
actions:
  description: The writes made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.dest_access import DestAccessSpec, grant_dest_access
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.errors import DRError
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import fail_with, module_clients

ARGUMENT_SPEC = dict(
    dest_bucket=dict(type="str", required=True),
    dest_region=dict(type="str", required=True),
    role_arn=dict(type="str", required=True),
    owner_override=dict(type="bool", default=False),
    kms_key_arn=dict(type="str", no_log=False),
    create_dest_bucket=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    spec = DestAccessSpec(**{name: params[name] for name in ARGUMENT_SPEC})
    try:
        result = grant_dest_access(module_clients(module), spec, module.check_mode)
    except DRError as error:
        fail_with(module, error)
    module.exit_json(changed=result.changed, actions=result.actions, diff={"before": result.before, "after": result.after},
                     **result.data)


if __name__ == "__main__":
    main()
