# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # What the region option does in a module that works on source buckets and their DR buckets: nothing.
    # Listed before amazon.aws.region.modules, so that this description is the one shown.
    DOCUMENTATION = r"""
options:
  region:
    description:
      - Not used to choose where anything is read or written, and may be left out. Each source bucket is read
        and written in its own Region (found with HeadBucket), its DR bucket in O(dest_region), and the calls
        that have no Region of their own (STS, IAM) are made in those Regions.
      - Accepted because every AWS module takes it (as O(profile) and the credentials).
    aliases: [aws_region]
    type: str
"""
