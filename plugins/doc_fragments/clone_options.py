# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Which configuration categories, and how Region- or bucket-specific values are rewritten.
    DOCUMENTATION = r"""
options:
  categories:
    description:
      - The configuration categories to work on. Default is all of them.
    type: list
    elements: str
    choices: [ownership-controls, acl, public-access-block, policy, encryption, versioning, object-lock,
              lifecycle, cors, website, logging, notification, tagging, accelerate, request-payment,
              analytics, metrics, inventory, intelligent-tiering, access-points]
  exclude_categories:
    description:
      - Categories to leave out.
    type: list
    elements: str
    default: []
    choices: [ownership-controls, acl, public-access-block, policy, encryption, versioning, object-lock,
              lifecycle, cors, website, logging, notification, tagging, accelerate, request-payment,
              analytics, metrics, inventory, intelligent-tiering, access-points]
  kms_key_map:
    description:
      - Source KMS key (ARN, ID or alias as the setting names it) -> KMS key ARN in O(dest_region),
        for default encryption and inventory report encryption. Keys already in O(dest_region) are
        carried as they are; any other unmapped key is skipped with the reason.
    type: dict
    default: {}
  notification_target_map:
    description:
      - Source SNS topic / SQS queue / Lambda function ARN -> the ARN to notify in O(dest_region).
        EventBridge delivery needs no mapping and is always carried.
    type: dict
    default: {}
  bucket_map:
    description:
      - Bucket a setting points at (logging target, inventory or analytics report bucket) -> the
        bucket to use on the DR side. The source bucket itself always maps to its DR bucket.
    type: dict
    default: {}
  policy_value_map:
    description:
      - Region-bound values in bucket policies (C(aws:SourceVpce), C(aws:SourceVpc), access point ARNs)
        and metrics access point filters -> their DR-side values. A policy statement with an
        unmapped value is skipped with the reason, never carried as it is.
    type: dict
    default: {}
  trigger_tag_key:
    description:
      - The pipeline's trigger tag. It is never copied to the DR bucket (the DR bucket would be
        replicated in turn).
    type: str
    default: dr
  on_unmapped:
    description:
      - What to do with a value that needs a mapping and has none - V(skip) it (reported per
        category), or V(fail) the bucket.
    type: str
    choices: [skip, fail]
    default: skip
  iac_owner_tags:
    description:
      - Tag keys that mark a source bucket as declared by infrastructure as code (for example
        C(managed-by) or C(terraform)). Buckets with a CloudFormation stack tag
        (C(aws:cloudformation:stack-name)) are always IaC-owned.
      - An IaC-owned bucket's DR intent belongs in its code; see O(resilience.s3_dr.s3_bucket_config_clone#module:iac_owned).
    type: list
    elements: str
    default: []
  secure_baseline:
    description:
      - Keep the DR bucket's secure defaults on top of the source's settings - all public access
        blocked, object ownership C(BucketOwnerEnforced) (ACLs off), default encryption, a
        statement denying non-TLS requests in the bucket policy, versioning on. Differences these
        make are not drift.
    type: bool
    default: true
"""
