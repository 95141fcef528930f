#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sns_topic_encryption
short_description: Encrypt an SNS topic at rest with a KMS key (server-side encryption)
version_added: 0.1.0
description:
  - Sets the C(KmsMasterKeyId) attribute of an existing SNS topic, which M(community.aws.sns_topic) does not
    manage. Messages are then stored encrypted.
  - Publishers need C(kms:GenerateDataKey) and C(kms:Decrypt) on the key (the C(resilience.s3_dr.dr_pipeline)
    functions get them, through SNS only).
  - Supports check mode and diff mode.
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  topic_arn:
    description: ARN of the topic.
    type: str
    required: true
  kms_master_key_id:
    description:
      - The KMS key, as an ID, ARN or alias. V(alias/aws/sns) is the AWS managed key for SNS.
    type: str
    default: alias/aws/sns
  state:
    description: V(present) encrypts the topic with O(kms_master_key_id); V(absent) turns encryption off.
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Permissions: C(sns:GetTopicAttributes), C(sns:SetTopicAttributes)."
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Encrypt a topic with the AWS managed key for SNS
  resilience.s3_dr.sns_topic_encryption:
    topic_arn: arn:aws:sns:us-east-1:111122223333:s3dr-us-east-1-to-source
    region: us-east-1
"""

RETURN = r"""
kms_master_key_id:
  description: The topic's key after this run (empty when not encrypted).
  returned: always
  type: str
  sample: alias/aws/sns
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


def main():
    module = AnsibleAWSModule(argument_spec=dict(
        topic_arn=dict(type="str", required=True),
        kms_master_key_id=dict(type="str", default="alias/aws/sns", no_log=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ), supports_check_mode=True)
    topic_arn = module.params["topic_arn"]
    sns = module.client("sns", region=module.region or topic_arn.split(":")[3])
    try:
        current = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"].get("KmsMasterKeyId", "")
    except Exception as error:  # pylint: disable=broad-exception-caught
        module.fail_json_aws(error, msg=f"Cannot read the attributes of SNS topic {topic_arn}")
    desired = module.params["kms_master_key_id"] if module.params["state"] == "present" else ""
    changed = current != desired
    if changed and not module.check_mode:
        try:
            sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="KmsMasterKeyId", AttributeValue=desired)
        except Exception as error:  # pylint: disable=broad-exception-caught
            module.fail_json_aws(error, msg=f"Cannot set the KMS key of SNS topic {topic_arn} to {desired!r}")
    module.exit_json(changed=changed, kms_master_key_id=desired,
                     diff={"before": {"kms_master_key_id": current}, "after": {"kms_master_key_id": desired}})


if __name__ == "__main__":
    main()
