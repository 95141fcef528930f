# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The suboptions of a replication rule (the argument spec is RULE_OPTIONS in module_utils/s3dr.py), for modules
    # whose O(rules) is a list of them. ansible-core merges a fragment's option into the module's one level deep
    # (plugin_docs.merge_fragment: the module's keys win), so the module gives only the description of O(rules),
    # never its suboptions (they would replace these). Only options every such module has may be referenced here.
    DOCUMENTATION = r"""
options:
  rules:
    type: list
    elements: dict
    suboptions:
      id:
        description: Rule ID, unique in the bucket's configuration.
        type: str
        required: true
      priority:
        description:
          - Rule priority (higher wins when rules overlap). Default keeps the rule's current
            priority, or takes the lowest number no other rule uses.
        type: int
      status:
        description: Whether the rule is active.
        type: str
        choices: [enabled, disabled]
        default: enabled
      prefix:
        description: Replicate only keys with this prefix.
        type: str
      tags:
        description:
          - Replicate only objects with all of these tags. With O(rules[].prefix), both must match.
          - S3 cannot replicate delete markers for rules with tags.
        type: dict
      delete_marker_replication:
        description:
          - Replicate delete markers. Default is V(true) for rules without tags, V(false) with tags.
        type: bool
      storage_class:
        description: Storage class of the replicas. Default is the source object's class.
        type: str
        choices: [STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER,
                  DEEP_ARCHIVE, OUTPOSTS, GLACIER_IR, SNOW, EXPRESS_ONEZONE, FSX_OPENZFS]
      sse_kms_encrypted_objects:
        description: Also replicate objects encrypted with SSE-KMS. Requires O(rules[].replica_kms_key_id).
        type: bool
        default: false
      replica_kms_key_id:
        description:
          - The KMS key in the DR bucket's Region that encrypts the replicas of SSE-KMS objects.
          - A key ARN of another Region is an error before anything is written.
          - An alias or key id is stored in the replication rule as the key ARN (looked up with DescribeKey in
            the DR bucket's Region), because replication fails with an alias. For a DR bucket of another account
            (O(rules[].dest_account)) give the key ARN; an alias or key id is an error, since it would name a key of
            this account.
          - The replication role may use it with C(kms:Encrypt), C(kms:GenerateDataKey) and C(kms:Decrypt) through S3
            in the DR bucket's Region, for the DR bucket's objects and, with S3 Bucket Keys, the DR bucket itself.
        type: str
      replica_modifications:
        description: Replicate metadata changes made to replicas back (for two-way replication).
        type: bool
        default: false
      replication_time:
        description: S3 Replication Time Control (15-minute SLA). Requires O(rules[].metrics).
        type: bool
        default: false
      metrics:
        description: Replication metrics and events (15-minute threshold).
        type: bool
        default: false
      dest_account:
        description:
          - The account that owns the DR bucket, for this rule's C(Destination.Account).
          - Every rule replicates to the one DR bucket, so rules that name different accounts are an error.
        type: str
      owner_override:
        description:
          - Make the DR bucket's account the owner of this rule's replicas (C(AccessControlTranslation)).
          - Requires a DR bucket account (O(rules[].dest_account)).
        type: bool
"""
