#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_event_trail_info
short_description: Find the CloudTrail trails that deliver a Region's S3 bucket calls to EventBridge
version_added: 0.1.0
description:
  - EventBridge receives C(AWS API Call via CloudTrail) events, such as C(PutBucketTagging), only through a
    CloudTrail trail with logging on that records them. This module lists the trails covering O(region) (a
    trail of that Region or a multi-Region trail of any Region) and tells, for each, whether it records the
    write management events of S3 - logging started, and its event selectors (basic or advanced) include
    them - and if not, why.
  - A multi-Region trail is read in its home Region.
  - Reads only; supports check mode.
author:
  - resilience.s3_dr maintainers (@resilience)
notes:
  - "Permissions: C(cloudtrail:DescribeTrails), C(cloudtrail:GetTrailStatus), C(cloudtrail:GetEventSelectors)."
  - >-
    AWS documentation: U(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html)
    and U(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html).
attributes:
  diff_mode:
    support: N/A
    details: Reads only.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check that S3 bucket calls in eu-west-1 reach EventBridge
  resilience.s3_dr.s3_event_trail_info:
    region: eu-west-1
  register: trails

- name: Stop when no trail records them
  ansible.builtin.assert:
    that: trails.recording | length > 0
    fail_msg: "No CloudTrail trail records the management events of eu-west-1: {{ trails.trails }}"
"""

RETURN = r"""
recording:
  description: Names of the trails that record the Region's S3 write management events.
  returned: always
  type: list
  elements: str
  sample: [org-trail]
trails:
  description: Every trail covering the Region.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The trail's name.
      type: str
    arn:
      description: The trail's ARN.
      type: str
    home_region:
      description: The Region the trail was created in.
      type: str
    multi_region:
      description: Whether the trail covers every Region.
      type: bool
    records:
      description: Whether the trail records the Region's S3 write management events.
      type: bool
    reason:
      description: Why it does not (empty when it does).
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.trails import trails_covering
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import module_clients


def main():
    module = AnsibleAWSModule(argument_spec={}, supports_check_mode=True)
    if not module.region:
        module.fail_json(msg="region is required: the Region whose S3 bucket calls must reach EventBridge")
    try:
        trails = trails_covering(module_clients(module), module.region)
    except Exception as error:  # pylint: disable=broad-exception-caught
        module.fail_json_aws(error, msg=f"Cannot read the CloudTrail trails covering {module.region}")
    module.exit_json(changed=False, trails=trails, recording=[trail["name"] for trail in trails if trail["records"]])


if __name__ == "__main__":
    main()
