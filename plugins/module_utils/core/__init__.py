# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure-boto3 core of resilience.s3_dr.

No Ansible imports and relative imports only: the same package is bundled into the pipeline's
Lambda zips. Modules, Lambda handlers and fleet runs all call in here.
"""
