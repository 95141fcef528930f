"""Resource-based policies whose Principal names an IAM role or user that does not exist are refused.

Upstream gap (moto 5.2.5, ``S3Backend.put_bucket_policy``, ``KmsBackend.create_key`` / ``put_key_policy``,
``IAMBackend.create_role`` / ``update_assume_role_policy``, ``S3ControlBackend.put_access_point_policy``): a
policy is stored as sent, so a bucket policy, key policy, role trust policy or access point policy naming
``arn:aws:iam::<account>:role/<name>`` is accepted whether the role exists or not. A test, fixture or playbook that
writes such a grant before it creates the role (or names a role that is never created) passes here and fails on AWS.

On AWS the principals of a resource-based policy are resolved when it is saved:

- "AWS JSON policy elements: Principal", IAM User Guide
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html, "IAM role
  principals" / "IAM user principals"): an ARN naming a specific role or user "transforms to the role unique
  principal ID when you save the policy"; and "You cannot use a wildcard to match part of a principal name or ARN".
  A role or user that does not exist has no unique ID to transform into. The same page: "The IAM resource-based
  policy type is a role trust policy".
- S3: PutBucketPolicy answers 400 ``MalformedPolicy`` "Invalid principal in policy" ("Why do I get the error
  'Invalid principal in policy' when I try to update my Amazon S3 bucket policy?",
  https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error: "If the Principal is an IAM user or
  role, then confirm that the user or role wasn't deleted").
- KMS: CreateKey and PutKeyPolicy, ``Policy`` parameter (KMS API reference, API_CreateKey.html /
  API_PutKeyPolicy.html): "Each statement in the key policy must contain one or more principals. The principals
  in the key policy must exist and be visible to AWS KMS"; else ``MalformedPolicyDocumentException`` "Policy
  contains a statement with one or more invalid principals."
  (https://repost.aws/knowledge-center/kms-policy-error-invalid-principals).
- IAM: CreateRole (``AssumeRolePolicyDocument``) and UpdateAssumeRolePolicy answer 400 ``MalformedPolicyDocument``
  ``Invalid principal in policy: "AWS":"<arn>"``, naming the principal ("How do I resolve the IAM trust policy
  error 'Failed to update trust policy. Invalid principal in policy'?",
  https://repost.aws/knowledge-center/iam-trust-policy-error: "If the IAM role trust policy uses IAM users or
  roles as principals, then confirm that the user or role wasn't deleted"). The exact wording as AWS returns it:
  CreateRole in https://github.com/opstrace/opstrace/issues/88 (``MalformedPolicyDocument: Invalid principal in
  policy: "AWS":"arn:aws:iam::959325414060:role/bk-1588-092-a-eks-nodes"``), UpdateAssumeRolePolicy in
  https://github.com/databrickslabs/ucx/issues/2269 (a role trusting itself before it exists,
  https://github.com/aws-samples/aws-secure-environment-accelerator/issues/1136, fails the same way).
- S3 access points: "Amazon S3 access points support AWS Identity and Access Management (IAM) resource policies"
  (S3 User Guide, "Configuring IAM policies for using access points",
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html), so the IAM rule above applies
  to them. PutAccessPointPolicy is answered as PutBucketPolicy is, 400 ``MalformedPolicy`` "Invalid principal in
  policy": no public record of PutAccessPointPolicy's own wording was found, so the bucket policy's is used.

Checked: every value of ``Principal`` / ``NotPrincipal`` ``{"AWS": ...}`` (a string or a list) that is an IAM role
ARN (``arn:<partition>:iam::<account>:role/<path/>name``) or user ARN (``...:user/<path/>name``) must be the ARN
of a role or user of that account in moto's IAM backend (``iam_backends[account][partition]``): same name, same
path. Valid as they are: ``"*"``, account ids, account root ARNs, STS session ARNs (``arn:...:sts::...:assumed-
role/...``, ``federated-user/...``), unique principal ids, ``Service``, ``Federated`` and ``CanonicalUser``
principals. The check is exactly AWS's rule, with no exception for accounts the tests only act as (through a role
that does not exist, ``conftest.other_account_client``): a policy must name such an account by its root ARN or
id, as a policy must on AWS before the role is made. A role's trust policy is checked before the role exists, so
a role cannot trust itself at CreateRole (AWS refuses that too); UpdateAssumeRolePolicy may name it.

Not modelled: SNS/SQS/Lambda and Multi-Region Access Point policies, the existence of the accounts named (AWS
refuses ``arn:aws:iam::000000000000:root`` too), IAM's eventual consistency (a role made a moment ago is visible
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
IAM_MESSAGE = 'Invalid principal in policy: "AWS":"{arn}"'


def apply() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.iam.models import IAMBackend
    from moto.kms.models import KmsBackend
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import S3Backend
    from moto.s3control.exceptions import S3ControlError
    from moto.s3control.models import S3ControlBackend

    class MalformedPolicy(S3ClientError):
        def __init__(self) -> None:
            super().__init__("MalformedPolicy", S3_MESSAGE)

    class MalformedAccessPointPolicy(S3ControlError):
        code = "MalformedPolicy"
        message = S3_MESSAGE

    put_bucket_policy = S3Backend.put_bucket_policy
    create_key = KmsBackend.create_key
    put_key_policy = KmsBackend.put_key_policy
    create_role = IAMBackend.create_role
    update_assume_role_policy = IAMBackend.update_assume_role_policy
    put_access_point_policy = S3ControlBackend.put_access_point_policy

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

    def refuse_trust_policy(policy) -> None:
        missing = missing_principals(policy)
        if missing:  # AWS names the first principal it cannot resolve
            raise MalformedPolicyDocument(IAM_MESSAGE.format(arn=missing[0]))

    def create_role_trusting_existing_principals(self, role_name, assume_role_policy_document, *args, **kwargs):
        refuse_trust_policy(assume_role_policy_document)
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    def update_assume_role_policy_of_existing_principals(self, role_name, policy_document):
        self.get_role(role_name)  # NoSuchEntity comes first
        refuse_trust_policy(policy_document)
        return update_assume_role_policy(self, role_name, policy_document)

    def put_access_point_policy_of_existing_principals(self, account_id, name, policy):
        self.get_access_point(account_id, name)  # NoSuchAccessPoint comes first
        if missing_principals(policy):
            raise MalformedAccessPointPolicy()
        return put_access_point_policy(self, account_id, name, policy)

    S3Backend.put_bucket_policy = put_bucket_policy_of_existing_principals
    KmsBackend.create_key = create_key_with_existing_principals
    KmsBackend.put_key_policy = put_key_policy_of_existing_principals
    IAMBackend.create_role = create_role_trusting_existing_principals
    IAMBackend.update_assume_role_policy = update_assume_role_policy_of_existing_principals
    # s3control_regional_access_points' per-Region backends inherit it from S3ControlBackend.
    S3ControlBackend.put_access_point_policy = put_access_point_policy_of_existing_principals


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
