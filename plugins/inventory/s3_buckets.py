# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: s3_buckets
short_description: Amazon S3 buckets as hosts, with their Region, tags and DR state
version_added: 0.1.0
description:
  - Lists the account's S3 buckets as hosts, so that a playbook can run once per bucket
    (C(hosts=all), C(connection=local)) and AWX can slice a fleet over execution nodes and show
    a status per bucket (see C(playbooks/dr_bucket_per_host.yml)).
  - Each host has the bucket's name (V(bucket)), Region (V(bucket_region)), tags (V(bucket_tags)),
    versioning state (V(bucket_versioning), one of C(Enabled), C(Suspended) or C(Disabled)),
    replication state (V(bucket_replication) - C(configured),
    C(enabled), C(role), and C(rules) with each rule's C(id), C(status), C(priority), C(dest_bucket),
    C(dest_account)), its DR pair (V(dr_bucket), V(dr_region), V(dr_pair_source)), its DR state
    (V(dr_state)) and the buckets it is the replica of (V(dr_replica_of)).
  - The DR pair is the destination of the bucket's first enabled replication rule
    (V(dr_pair_source=replication)); without one it is the name derived with O(dest_suffix) in
    O(dest_region) (V(dr_pair_source=derived)), as M(resilience.s3_dr.s3_crr_enable) would make it.
  - V(dr_state) is C(ready) (versioning enabled and an enabled replication rule), C(partial)
    (a replication configuration without an enabled rule, or versioning not enabled), C(missing)
    (no replication configuration), C(replica) (the destination of another listed bucket's
    replication, that is a DR bucket) or C(unknown) (the bucket could not be read).
  - Hosts are grouped by DR state (C(dr_ready), C(dr_partial), C(dr_missing), C(dr_replica),
    C(dr_unknown)), by Region (C(region_us_east_1)) and by tag (C(tag_team_payments)), and all are in
    C(s3_buckets). O(keyed_groups), O(groups) and O(compose) add more, as for M(ansible.builtin.constructed).
  - A bucket that cannot be read (AccessDenied on one of its settings, deleted meanwhile) is still a host,
    with V(bucket_read_error) saying which read failed, in the C(dr_unknown) group; it never fails the inventory.
  - Buckets are read O(concurrency) at a time. Only failing to list the buckets fails the inventory.
  - The inventory file is a YAML configuration file whose name ends with C(s3_buckets.yml) or
    C(s3_buckets.yaml), for example C(dr_fleet.s3_buckets.yml).
  - Read only. It needs C(s3:ListAllMyBuckets), and on each bucket C(s3:GetBucketLocation),
    C(s3:GetBucketTagging), C(s3:GetBucketVersioning) and C(s3:GetReplicationConfiguration).
author:
  - resilience.s3_dr maintainers (@resilience)
options:
  plugin:
    description: The name of this plugin. Always V(resilience.s3_dr.s3_buckets).
    type: str
    required: true
    choices: [resilience.s3_dr.s3_buckets]
  filters:
    description:
      - Only buckets matching every filter become hosts. Each value is a string or a list of strings
        (any one matching is enough); shell-style wildcards (V(app-*)) are allowed.
      - V(region) - the bucket's Region.
      - V(name) - the bucket's name.
      - V(tag:<key>) - the value of the bucket's tag C(<key>).
      - V(tag-key) - a tag key the bucket carries.
      - A bucket's tags are read only when its name and Region match, and its versioning and
        replication only when its tags match too.
    type: dict
    default: {}
  dest_suffix:
    description:
      - The suffix of the derived DR bucket name (C(<bucket><suffix>), shortened with a hash beyond
        63 characters), for buckets that do not replicate yet.
    type: str
    default: "-dr"
  dest_region:
    description:
      - The DR Region of buckets that do not replicate yet (V(dr_region) when V(dr_pair_source=derived)).
      - Use O(compose) for a DR Region per source Region (see the examples).
    type: str
  concurrency:
    description: How many buckets are read at the same time.
    type: int
    default: 16
notes:
  - The Region given by O(region) (default C(us-east-1)) is where the buckets are listed from;
    each bucket is then read in its own Region.
  - The endpoint is AWS's unless O(endpoint_url) or the standard C(AWS_ENDPOINT_URL) environment
    variable names another one.
  - With O(cache=true) the buckets' facts are cached; O(keyed_groups), O(groups) and O(compose) are
    applied again to the cached facts, so changing them needs no new reads.
extends_documentation_fragment:
  - inventory_cache
  - constructed
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - amazon.aws.assume_role.plugins
"""

EXAMPLES = r"""
# dr_fleet.s3_buckets.yml - the buckets tagged dr=true in two Regions, cached for an hour
plugin: resilience.s3_dr.s3_buckets
filters:
  region: [us-east-1, eu-west-1]
  "tag:dr": "true"
dest_region: us-west-2
compose:
  # A DR Region per source Region, for the buckets that do not replicate yet
  dr_region: "dr_region or {'us-east-1': 'us-west-2', 'eu-west-1': 'eu-central-1'}[bucket_region]"
keyed_groups:
  - key: bucket_tags.team | default('none')
    prefix: team
groups:
  unversioned: bucket_versioning != 'Enabled'
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/s3_buckets_inventory
cache_timeout: 3600

---
# Every bucket whose name starts with app-, listed through a profile
plugin: resilience.s3_dr.s3_buckets
profile: dr-admin
filters:
  name: app-*
"""

from ansible.errors import AnsibleError
from ansible.inventory.group import to_safe_group_name
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin

from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.bucket_facts import DR_STATES, filter_problems, fleet_facts
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.buckets import DISCOVERY_REGION
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.clients import ClientFactory, retry_config
from ansible_collections.resilience.s3_dr.plugins.module_utils.core.errors import DRError, describe_error

ALL_BUCKETS_GROUP = "s3_buckets"


def _group_name(*parts: str) -> str:
    return to_safe_group_name("_".join(parts), force=True, silent=True)


class InventoryModule(AWSInventoryBase):
    NAME = "resilience.s3_dr.s3_buckets"
    INVENTORY_FILE_SUFFIXES = ("s3_buckets.yml", "s3_buckets.yaml")

    def get_option(self, option, hostvars=None):
        if option != "filters":
            return super().get_option(option, hostvars)
        # Filter values may be templates. Templated here because amazon.aws's templating passes
        # disable_lookups to dict values, which ansible-core 2.19 deprecates (a warning on every run).
        filters = BaseInventoryPlugin.get_option(self, option, hostvars) or {}
        return {key: self.templar.template(value) if self.templar else value for key, value in filters.items()}

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        problems = filter_problems(self.get_option("filters"))
        if self.get_option("concurrency") < 1:
            problems.append("concurrency must be 1 or more")
        if problems:
            raise AnsibleError(f"{path}: nothing was read because the configuration is invalid: "
                               + "; ".join(problems) + ".")
        cached, buckets = self.get_cached_result(path, cache)
        if not cached:
            buckets = self._read_buckets()
            self.update_cached_result(path, cache, buckets)
        self._populate(buckets)

    def _read_buckets(self) -> list[dict]:
        clients = ClientFactory(lambda service, region: self.client(service, region=region, config=retry_config()))
        listing_region = self.region or DISCOVERY_REGION
        try:
            return fleet_facts(clients, listing_region, self.get_option("filters"), self.get_option("dest_suffix"),
                               self.get_option("dest_region"), self.get_option("concurrency"))
        except DRError as error:
            raise AnsibleError(str(error)) from None
        except Exception as error:  # pylint: disable=broad-exception-caught
            raise AnsibleError(f"Cannot list the account's S3 buckets (ListBuckets from {listing_region}): "
                               f"{to_native(describe_error(error))}. Check the credentials and that they allow "
                               "s3:ListAllMyBuckets.") from None

    def _populate(self, buckets: list[dict]) -> None:
        self.inventory.add_group(ALL_BUCKETS_GROUP)
        for state in DR_STATES:
            self.inventory.add_group(_group_name("dr", state))
        strict = self.get_option("strict")
        for facts in buckets:
            host = facts["bucket"]
            self.inventory.add_host(host, group=ALL_BUCKETS_GROUP)
            for key, value in facts.items():
                self.inventory.set_variable(host, key, value)
            self.inventory.add_host(host, group=_group_name("dr", facts["dr_state"]))
            builtin_groups = [_group_name("region", facts["bucket_region"])] if facts.get("bucket_region") else []
            builtin_groups += [_group_name("tag", key, value) for key, value in (facts.get("bucket_tags") or {}).items()]
            for group in builtin_groups:
                self.inventory.add_group(group)
                self.inventory.add_host(host, group=group)
            self._set_composite_vars(self.get_option("compose"), self.inventory.get_host(host).get_vars(), host,
                                     strict=strict)
            host_vars = self.inventory.get_host(host).get_vars()
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, host, strict=strict)
