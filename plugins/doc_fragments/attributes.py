# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # What the modules of this collection support (check mode and diff mode are a project standard); a module
    # that differs says so in its own attributes, which take precedence. Use with ansible.builtin.action_common_attributes.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
    details: Runs where boto3 runs, usually the control node.
"""
