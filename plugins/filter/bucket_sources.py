# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: bucket_sources
short_description: Bucket names, as a list or as a survey's one string, in the shape of the modules' sources option
version_added: 0.1.0
author: resilience.s3_dr maintainers (@resilience)
description:
  - Turns bucket names into the O(resilience.s3_dr.s3_crr_enable#module:sources) list of the collection's
    modules, one C(source_bucket) entry per name.
  - Takes a list of names, or one string - a single name or a comma-separated list, what an AWX survey
    text field answers. Blanks around names and empty items are dropped; an entry that already is a dict is kept.
options:
  _input:
    description: Bucket names (a list, or a string of comma-separated names).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check the buckets a survey named
  resilience.s3_dr.s3_dr_drift_info:
    sources: "{{ dr_buckets | resilience.s3_dr.bucket_sources or omit }}"
    dest_region: us-west-2
"""

RETURN = r"""
_value:
  description: One C(source_bucket) entry per name, in the order given.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError


def bucket_sources(names):
    if names is None:
        return []
    if isinstance(names, str):
        names = names.split(",")
    if not isinstance(names, (list, tuple)):
        raise AnsibleFilterError(f"bucket_sources takes a list of bucket names or a comma-separated string, "
                                 f"not {type(names).__name__}")
    sources = []
    for name in names:
        if isinstance(name, dict):
            sources.append(name)
        elif str(name).strip():
            sources.append({"source_bucket": str(name).strip()})
    return sources


class FilterModule:
    def filters(self):
        return {"bucket_sources": bucket_sources}
