#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_replication_boundary
short_description: Ensure the permissions boundary that caps every S3 replication role of this collection
version_added: 0.1.0
description:
  - Creates the IAM managed policy C(/resilience-s3dr/s3dr-replication-role-boundary), or brings its default
    version in line. It is the permissions boundary of every replication role that M(resilience.s3_dr.s3_crr_enable)
    and the C(resilience.s3_dr.dr_pipeline) functions create.
  - The boundary allows S3 replication actions only; reading from this account's buckets only; writing replicas
    only into buckets of this account or of O(dest_accounts); and KMS only through S3 with keys of those accounts.
    A role under it can never do more than replication, whatever its inline policy says.
  - With O(dest_accounts), the policy is named after them (C(s3dr-replication-role-boundary-<account>...)), so the
    same-account boundary is never widened.
  - The C(resilience.s3_dr.dr_pipeline) role calls this module, then lets its function create replication roles
    only with this boundary attached.
  - Supports check mode and diff mode.
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  dest_accounts:
    description:
      - Other accounts (12 digits) whose buckets may receive replicas, for cross-account DR.
    type: list
    elements: str
    default: []
notes:
  - "Permissions: C(sts:GetCallerIdentity), C(iam:GetPolicy), C(iam:GetPolicyVersion), C(iam:CreatePolicy),
    C(iam:ListPolicyVersions), C(iam:CreatePolicyVersion), C(iam:DeletePolicyVersion)."
  - The policy is never deleted by this collection, because roles still use it as their boundary.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the boundary of replication roles
  resilience.s3_dr.s3_replication_boundary:
  register: boundary

- name: A boundary that also allows replicas into a DR (vault) account
  resilience.s3_dr.s3_replication_boundary:
    dest_accounts: ["210987654321"]
"""

RETURN = r"""
policy_arn:
  description: ARN of the boundary policy.
  returned: always
  type: str
  sample: arn:aws:iam::111122223333:policy/resilience-s3dr/s3dr-replication-role-boundary
policy:
  description: The policy document the boundary holds after this run.
  returned: always
  type: dict
actions:
  description: The writes made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.errors import DRError
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.iam import ensure_replication_boundary
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.policies import arn_partition
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.result import Result
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.validation import account_problem
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import fail_with, module_clients

# IAM is global; its endpoint is reached through any Region of the partition (the module's, if given).
DEFAULT_REGION = "us-east-1"


def main():
    module = AnsibleAWSModule(argument_spec=dict(dest_accounts=dict(type="list", elements="str", default=[])),
                              supports_check_mode=True)
    problems = [account_problem(account, "dest_accounts") for account in module.params["dest_accounts"]]
    if any(problems):
        module.fail_json(msg="; ".join(problem for problem in problems if problem) + "; nothing was changed.")
    clients = module_clients(module)
    region = module.region or DEFAULT_REGION
    try:
        identity = clients("sts", region).get_caller_identity()
    except Exception as error:  # pylint: disable=broad-exception-caught
        module.fail_json_aws(error, msg="Cannot tell which account these credentials belong to")
    account_id, partition = identity["Account"], arn_partition(identity["Arn"])
    result = Result()
    try:
        arn, before, document = ensure_replication_boundary(clients("iam", region), partition, account_id,
                                                            module.params["dest_accounts"], result, module.check_mode)
    except DRError as error:
        fail_with(module, error)
    except Exception as error:  # pylint: disable=broad-exception-caught
        module.fail_json_aws(error, msg="Cannot ensure the permissions boundary of replication roles")
    module.exit_json(changed=result.changed, policy_arn=arn, policy=document, actions=result.actions,
                     diff={"before": before or {}, "after": document})


if __name__ == "__main__":
    main()
