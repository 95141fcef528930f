# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: lambda_environment_problem
short_description: Why Lambda would refuse a function's environment variables (its 4 KB limit)
version_added: 0.1.0
author: resilience.s3_dr maintainers (@resilience)
description:
  - Lambda caps all environment variables of a function together at 4 KB, measured as the variables in
    compact JSON. The P(resilience.s3_dr.dr_pipeline#role) role checks every function's environment with
    this filter before anything is deployed.
  - Returns an empty string when the environment fits; else one sentence with its size and the settings
    that take the most room (for the CLONE_SPEC, CRR_SPEC and BACKFILL_SPEC settings, the role variables
    of their largest options) and what to do.
options:
  _input:
    description: The function's environment variables (name -> string value).
    type: dict
    required: true
  function:
    description: The function's name, for the message.
    type: str
    required: true
  spec_variables:
    description: Spec name -> option -> role variable (C(dr_pipeline_spec_variables)), to name the role variables.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Refuse an environment Lambda would refuse, before anything is deployed
  ansible.builtin.assert:
    that: problem | length == 0
    fail_msg: "{{ problem }}"
  vars:
    problem: "{{ {'BIG': 'x' * 5000} | resilience.s3_dr.lambda_environment_problem('my-function') }}"
"""

RETURN = r"""
_value:
  description: Empty when the environment fits; else what is too large and what to do.
  type: str
"""

from ansible_collections.resilience.s3_dr.plugins.module_utils.core.specs import environment_problem


def lambda_environment_problem(variables, function, spec_variables=None):
    return environment_problem(function, variables, spec_variables or {})


class FilterModule:
    def filters(self):
        return {"lambda_environment_problem": lambda_environment_problem}
