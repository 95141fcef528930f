# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Choosing the source buckets (one, a list, or by tags) and their DR buckets.
    DOCUMENTATION = r"""
options:
  source_bucket:
    description:
      - The source bucket. Its Region is discovered.
      - Exactly one of O(source_bucket), O(sources) and O(source_tags) is required.
    type: str
  dest_bucket:
    description:
      - The DR bucket of O(source_bucket).
      - Default is O(source_bucket) followed by O(dest_suffix). When that is longer than 63
        characters, the source part is shortened and an 8-character hash of the full name is put
        before the suffix (C(<source cut>-<sha256[:8]><suffix>)), so the name stays unique and the
        same on every run.
    type: str
  sources:
    description:
      - A fleet of source buckets, each with an optional DR bucket name of its own.
    type: list
    elements: dict
    aliases: [pairs]
    suboptions:
      source_bucket:
        description: The source bucket.
        type: str
        required: true
      dest_bucket:
        description: Its DR bucket. Default is the source name followed by O(dest_suffix).
        type: str
  source_tags:
    description:
      - Select the fleet by tags - every bucket of O(source_region) that carries all of these tags.
    type: dict
  source_region:
    description:
      - The Region whose buckets O(source_tags) selects. Required with O(source_tags).
    type: str
  dest_region:
    description:
      - The DR Region, where the DR buckets live.
    type: str
    required: true
  dest_suffix:
    description:
      - Suffix appended to a source bucket name to derive its DR bucket name.
    type: str
    default: "-dr"
  concurrency:
    description:
      - How many buckets of a fleet are worked on at once. One bucket's failure does not stop the
        others; the task fails at the end, naming each failed bucket and why.
    type: int
    default: 16
  allow_unknown_region:
    description:
      - Accept a O(dest_region) or O(source_region) that this botocore does not list for S3.
      - By default an unknown Region is an error before anything is written, so that a typo such as
        C(eu-west-l) never becomes a DR bucket request. Set V(true) only for a Region newer than the
        installed botocore (upgrading botocore is the better fix).
    type: bool
    default: false
"""
