#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_dr_mrap
short_description: Put an S3 Multi-Region Access Point with failover controls in front of a DR bucket pair
version_added: 0.1.0
description:
  - Creates an S3 Multi-Region Access Point (MRAP) over a source bucket and its DR bucket, so that
    applications use one global name (the access point's ARN) and a failover is a route change, not a
    change of bucket name in every application.
  - Sets the routes active/passive (failover controls) - the O(active) bucket at 100, the other at 0.
    A new access point is active-active until then, for the seconds between its creation and the route change.
  - Adds the two-way replication a failover needs (AWS recommends it for failover controls) - the pair's
    own rules (source to DR, O(rules)) and one reverse rule (DR to source, O(reverse_rule_id)), both with
    replica modification sync, through the same code as M(resilience.s3_dr.s3_crr_enable), with least-privilege
    replication roles. Objects written to the DR bucket during a failover thus flow back to the source.
  - Both buckets must exist (set the pair up with M(resilience.s3_dr.s3_crr_enable) first). The access point's
    buckets cannot be changed once it exists; an access point of the same name over other buckets is an
    error, never replaced.
  - Creating and deleting an access point is asynchronous in AWS (minutes); the module waits for the
    operation, up to O(wait_timeout) seconds, and a later run picks up an access point still being created.
  - Management calls go to US West (Oregon), as AWS requires. Route calls go to one of the five Regions that
    serve failover controls (us-east-1, us-west-2, ap-southeast-2, ap-northeast-1, eu-west-1), see O(control_region).
  - O(state=absent) deletes the access point and the reverse rule. The pair's own rules, the buckets and their
    data stay.
  - To fail over or back later, change O(active), or use C(playbooks/dr_failover.yml) and C(playbooks/dr_failback.yml).
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  source_bucket:
    description: The source bucket of the pair. Its Region is discovered.
    type: str
    required: true
  dest_bucket:
    description:
      - The DR bucket. Default is O(source_bucket) followed by O(dest_suffix), as M(resilience.s3_dr.s3_crr_enable) names it.
      - Its Region is discovered.
    type: str
  dest_suffix:
    description: Suffix that derives the DR bucket name when O(dest_bucket) is not given.
    type: str
    default: -dr
  name:
    description:
      - The access point's name (3 to 50 lowercase letters, digits and hyphens), unique in the account.
      - Default is O(source_bucket) with dots as hyphens (cut, with a hash, beyond 50 characters).
    type: str
  active:
    description:
      - Which bucket's route is active (100); the other is passive (0).
      - V(dest) is a failover; V(source) again is the failback of the routes.
    type: str
    choices: [source, dest]
    default: source
  two_way_replication:
    description:
      - Manage the replication rules of both directions with replica modification sync.
      - With V(false) only the access point and its routes are managed.
    type: bool
    default: true
  rules:
    description:
      - The pair's source-to-DR replication rules, as given to M(resilience.s3_dr.s3_crr_enable) (its O(rules)); each
        gets replica modification sync (O(rules[].replica_modifications) is always set). Give the same rules, or the
        pair's rules are rewritten as given here.
      - Default is that module's default, one rule V(dr) for the whole bucket.
    # type and suboptions: doc fragment resilience.s3_dr.replication_rules
  reverse_rule_id:
    description: ID of the DR-to-source rule on the DR bucket.
    type: str
    default: dr-failback
  role_arn:
    description:
      - A replication role you manage for the source-to-DR rules. Default is the managed role
        M(resilience.s3_dr.s3_crr_enable) uses (C(s3-crr-<source bucket>)).
    type: str
  reverse_role_arn:
    description:
      - A replication role you manage for the reverse rule. Default is a managed, least-privilege role
        C(s3-crr-<DR bucket>) allowed to replicate from the DR bucket to the source bucket only.
    type: str
  control_region:
    description:
      - The Region whose failover controls change the routes - one of us-east-1, us-west-2, ap-southeast-2,
        ap-northeast-1, eu-west-1.
      - Default is the active bucket's Region when it is one of those, else the first of them that holds
        neither bucket, so that a route change does not depend on the Region traffic moves away from.
    type: str
  wait_timeout:
    description: Seconds to wait for the access point's creation or deletion (AWS takes minutes).
    type: int
    default: 1800
  state:
    description: V(present) creates or updates the access point; V(absent) deletes it and the reverse rule.
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Permissions: C(s3:CreateMultiRegionAccessPoint), C(s3:GetMultiRegionAccessPoint), C(s3:ListMultiRegionAccessPoints),
    C(s3:DescribeMultiRegionAccessPointOperation), C(s3:DeleteMultiRegionAccessPoint),
    C(s3:GetMultiRegionAccessPointRoutes), C(s3:SubmitMultiRegionAccessPointRoutes), C(sts:GetCallerIdentity), plus
    what M(resilience.s3_dr.s3_crr_enable) needs for the replication rules and roles."
  - Applications send requests through the access point with its ARN as the bucket name; the AWS SDKs sign those
    with SigV4A, which for boto3 needs C(botocore[crt]). The module itself needs no more than boto3.
  - The access point's public access block is the strictest one (all four settings on); AWS does not allow changing it later.
attributes:
  check_mode:
    support: full
    details: Reads only; returns the writes that would be made. A new access point's alias and ARN are not known.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
  - resilience.s3_dr.replication_rules
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One global name for app-data and its DR bucket, app-data-dr active-passive
  resilience.s3_dr.s3_dr_mrap:
    source_bucket: app-data
  register: mrap

- name: Applications use the access point's ARN as their bucket name
  ansible.builtin.debug:
    msg: "s3://{{ mrap.arn }}/"

- name: Fail over - the DR bucket takes the traffic (route change from Ireland's failover controls)
  resilience.s3_dr.s3_dr_mrap:
    source_bucket: app-data
    active: dest
    control_region: eu-west-1

- name: The pair replicates only reports/, to STANDARD_IA
  resilience.s3_dr.s3_dr_mrap:
    source_bucket: app-data
    dest_bucket: app-data-vault
    rules:
      - id: reports
        prefix: reports/
        storage_class: STANDARD_IA

- name: Remove the access point and the reverse rule (buckets, the pair's rules and data stay)
  resilience.s3_dr.s3_dr_mrap:
    source_bucket: app-data
    state: absent
"""

RETURN = r"""
name:
  description: The access point's name.
  returned: always
  type: str
  sample: app-data
alias:
  description: The access point's alias (unknown in check mode before it exists).
  returned: when O(state=present)
  type: str
  sample: mfzwi23gnjvgw.mrap
arn:
  description: The access point's ARN, which applications use as the bucket name.
  returned: when O(state=present)
  type: str
  sample: arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap
active_bucket:
  description: The bucket whose route is active.
  returned: when O(state=present)
  type: str
  sample: app-data
routes:
  description: The routes after the run, in the access point's order.
  returned: when O(state=present)
  type: list
  elements: dict
  contains:
    bucket:
      description: The bucket.
      type: str
    region:
      description: Its Region.
      type: str
    traffic_dial_percentage:
      description: 100 active, 0 passive.
      type: int
  sample: [{"bucket": "app-data", "region": "eu-west-1", "traffic_dial_percentage": 100},
           {"bucket": "app-data-dr", "region": "eu-central-1", "traffic_dial_percentage": 0}]
source_bucket:
  description: The source bucket.
  returned: always
  type: str
source_region:
  description: The source bucket's Region.
  returned: when O(state=present)
  type: str
dest_bucket:
  description: The DR bucket.
  returned: always
  type: str
dest_region:
  description: The DR bucket's Region.
  returned: when O(state=present)
  type: str
replication:
  description:
    - C(forward) and C(reverse) - the source bucket's and the DR bucket's replication configuration after the
      run, as the S3 API shapes it (none when O(two_way_replication=false)).
  returned: always
  type: dict
actions:
  description: The writes made (in check mode, the writes that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["create Multi-Region Access Point app-data over app-data (eu-west-1) and app-data-dr (eu-central-1)"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.mrap import MrapSpec, apply_mrap
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.specs import build_spec
from ansible_collections.resilience.s3_dr.plugins.module_utils.s3dr import RULE_OPTIONS, exit_single_or_fleet, module_clients

ARGUMENT_SPEC = dict(
    source_bucket=dict(type="str", required=True),
    dest_bucket=dict(type="str"),
    dest_suffix=dict(type="str", default="-dr"),
    name=dict(type="str"),
    active=dict(type="str", choices=["source", "dest"], default="source"),
    two_way_replication=dict(type="bool", default=True),
    rules=dict(type="list", elements="dict", options=RULE_OPTIONS),
    reverse_rule_id=dict(type="str", default="dr-failback"),
    role_arn=dict(type="str"),
    reverse_role_arn=dict(type="str"),
    control_region=dict(type="str"),
    wait_timeout=dict(type="int", default=1800),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    clients = module_clients(module)
    spec = build_spec(MrapSpec, module.params)
    exit_single_or_fleet(module, {spec.source_bucket: spec.dest_bucket},
                         lambda _bucket: apply_mrap(clients, spec, check_mode=module.check_mode))


if __name__ == "__main__":
    main()
