"""Bucket and key policies whose Principal names an IAM role or user that does not exist are refused.

Upstream gap (moto 5.2.5, ``S3Backend.put_bucket_policy``, ``KmsBackend.create_key`` / ``put_key_policy``): a
policy is stored as sent, so a bucket policy or key policy naming ``arn:aws:iam::<account>:role/<name>`` is
accepted whether the role exists or not. A test, fixture or playbook that writes such a grant before it creates
the role (or names a role that is never created) passes here and fails on AWS.

On AWS the principals of a resource-based policy are resolved when it is saved:

- "AWS JSON policy elements: Principal", IAM User Guide
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html, "IAM role
  principals" / "IAM user principals"): an ARN naming a specific role or user "transforms to the role unique
  principal ID when you save the policy"; and "You cannot use a wildcard to match part of a principal name or
  ARN". A role or user that does not exist has no unique ID to transform into.
- S3: PutBucketPolicy answers 400 ``MalformedPolicy`` "Invalid principal in policy" ("Why do I get the error
  'Invalid principal in policy' when I try to update my Amazon S3 bucket policy?",
  https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error: "If the Principal is an IAM user or
  role, then confirm that the user or role wasn't deleted").
- KMS: CreateKey and PutKeyPolicy, ``Policy`` parameter (KMS API reference, API_CreateKey.html /
  API_PutKeyPolicy.html): "Each statement in the key policy must contain one or more principals. The principals
  in the key policy must exist and be visible to AWS KMS"; else ``MalformedPolicyDocumentException`` "Policy
  contains a statement with one or more invalid principals."
  (https://repost.aws/knowledge-center/kms-policy-error-invalid-principals).

Checked: every value of ``Principal`` / ``NotPrincipal`` ``{"AWS": ...}`` (a string or a list) that is an IAM role
ARN (``arn:<partition>:iam::<account>:role/<path/>name``) or user ARN (``...:user/<path/>name``) must be the ARN
of a role or user of that account in moto's IAM backend (``iam_backends[account][partition]``): same name, same
path. Valid as they are: ``"*"``, account ids, account root ARNs, STS session ARNs (``arn:...:sts::...:assumed-
role/...``, ``federated-user/...``), unique principal ids, ``Service``, ``Federated`` and ``CanonicalUser``
principals. The check is exactly AWS's rule, with no exception for accounts the tests only act as (through a role
that does not exist, ``conftest.other_account_client``): a policy must name such an account by its root ARN or
id, as a policy must on AWS before the role is made.

Not modelled: IAM's own resource policies (role trust policies: ``MalformedPolicyDocument`` "Invalid principal in
policy" on CreateRole/UpdateAssumeRolePolicy), SNS/SQS/Lambda/S3 access point and Multi-Region Access Point
policies, the existence of the accounts named, IAM's eventual consistency (a role made a moment ago is visible
at once here), and the later breaking of a stored policy when the role it names is deleted.
"""
from __future__ import annotations

import json
import re
from typing import Any

NAME = "policy_principals_exist"

# arn:<partition>:iam::<account>:role/<path/>name or :user/<path/>name
IDENTITY_ARN = re.compile(r"^arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):(?P<kind>role|user)/.+$")
S3_MESSAGE = "Invalid principal in policy"
KMS_MESSAGE = "Policy contains a statement with one or more invalid principals."


def apply() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.kms.models import KmsBackend
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import S3Backend

    class MalformedPolicy(S3ClientError):
        def __init__(self) -> None:
            super().__init__("MalformedPolicy", S3_MESSAGE)

    put_bucket_policy = S3Backend.put_bucket_policy
    create_key = KmsBackend.create_key
    put_key_policy = KmsBackend.put_key_policy

    def put_bucket_policy_of_existing_principals(self, bucket_name, policy):
        self.get_bucket(bucket_name)  # NoSuchBucket comes first
        if missing_principals(policy):
            raise MalformedPolicy()
        return put_bucket_policy(self, bucket_name, policy)

    def refuse_key_policy(policy) -> None:
        if missing_principals(policy):
            raise JsonRESTError("MalformedPolicyDocumentException", KMS_MESSAGE)

    def create_key_with_existing_principals(self, policy, *args, **kwargs):
        refuse_key_policy(policy)
        return create_key(self, policy, *args, **kwargs)

    def put_key_policy_of_existing_principals(self, key_id, policy):
        self.get_key_id(key_id)
        refuse_key_policy(policy)
        return put_key_policy(self, key_id, policy)

    S3Backend.put_bucket_policy = put_bucket_policy_of_existing_principals
    KmsBackend.create_key = create_key_with_existing_principals
    KmsBackend.put_key_policy = put_key_policy_of_existing_principals


def missing_principals(policy: str | bytes | dict | None) -> list[str]:
    """The role and user ARNs that ``policy`` names as principals and IAM does not have (empty for a policy that is
    not JSON: that is the service's own validation to refuse)."""
    if not policy:
        return []
    try:
        document = json.loads(policy) if isinstance(policy, (str, bytes)) else policy
    except ValueError:
        return []
    return [arn for arn in named_identity_arns(document) if not identity_exists(arn)]


def named_identity_arns(document: Any) -> list[str]:
    """Every IAM role or user ARN among the ``AWS`` principals of the document's statements, in order."""
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    arns = []
    for statement in [statements] if isinstance(statements, dict) else statements:
        if not isinstance(statement, dict):
            continue
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element)
            values = principal.get("AWS", []) if isinstance(principal, dict) else []
            for value in [values] if isinstance(values, str) else values:
                if isinstance(value, str) and IDENTITY_ARN.match(value):
                    arns.append(value)
    return arns


def identity_exists(arn: str) -> bool:
    """Whether the IAM role or user ``arn`` names (name and path) exists in its account."""
    from moto.iam.models import iam_backends

    match = IDENTITY_ARN.match(arn)
    if match is None:
        return False
    account, partition = match["account"], match["partition"]
    if account not in iam_backends:  # nothing of this account was ever made in IAM (and reading would create it)
        return False
    try:
        backend = iam_backends[account][partition]
    except KeyError:  # not a partition
        return False
    identities = list(backend.roles.values()) if match["kind"] == "role" else list(backend.users.values())
    return any(identity.arn == arn for identity in identities)
