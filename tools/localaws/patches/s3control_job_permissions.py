"""S3 Batch Operations requests are authorized as their IAM actions, with their request keys and iam:PassRole.

Upstream gap (moto 5.2.5, ``S3ControlResponse``; and ``iam_request_resources``, which names no S3 Control
resource): a role session's ``CreateJob``/``ListJobs``/``DescribeJob``/``UpdateJobStatus`` request is checked
with moto's guessed action on resource ``*`` and no request keys, so a policy scoped the way AWS documents
it (``s3:RequestJobOperation``, ``aws:ResourceAccount``) never allows the call, and ``CreateJob`` never needs
``iam:PassRole`` of the job's role.

This patch follows "Granting permissions for Batch Operations"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-iam-role-policies.html: "To create an S3
Batch Operations job, the s3:CreateJob user permission is required. The same entity that creates the job
must also have the iam:PassRole permission to pass the IAM role that's specified for the job to Batch
Operations") and the Service Authorization Reference for Amazon S3
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html): ``s3:CreateJob``
and ``s3:ListJobs`` on ``*``; ``s3:DescribeJob`` and ``s3:UpdateJobStatus`` on the job
(``arn:<partition>:s3:<region>:<account>:job/<id>``); request keys ``s3:RequestJobOperation`` (the
operation's name, e.g. ``S3ReplicateObject``) and ``s3:RequestJobPriority`` on CreateJob;
``aws:ResourceAccount``/``s3:ResourceAccount``: the account of the request (``x-amz-account-id``).
CreateJob also needs ``iam:PassRole`` on its ``RoleArn`` with ``iam:PassedToService``
``batchoperations.s3.amazonaws.com``.

Not modelled: ``s3:RequestJobPriority`` on UpdateJobPriority, job tags (``aws:RequestTag``,
``s3:ExistingJobOperation``...), other S3 Control requests (access points, Multi-Region Access Points:
moto's guess, as before).
"""
from __future__ import annotations

import re

from . import _iam

NAME = "s3control_job_permissions"

BATCH_OPERATIONS = "batchoperations.s3.amazonaws.com"
JOBS = re.compile(r"^/v20180820/jobs(?:/(?P<id>[^/]+)(?P<status>/status)?)?/?$")


def apply() -> None:
    previous = _iam.RESOLVERS.get("s3control")

    def resolve(response):
        found = job_authorizations(response)
        return found if found is not None else (previous(response) if previous else None)

    _iam.RESOLVERS["s3control"] = resolve


def job_authorizations(response) -> list[_iam.Authorization] | None:
    """What one Batch Operations request needs; None for other S3 Control requests."""
    from moto.utilities.utils import get_partition

    match = JOBS.match(response.raw_path.split("?", 1)[0])
    if not match:
        return None
    account = response.headers.get("x-amz-account-id") or response.current_account
    partition = get_partition(response.region)
    context = {"aws:ResourceAccount": account, "s3:ResourceAccount": account}
    job_id = match.group("id")
    if job_id is None and response.method == "GET":
        return [_iam.Authorization("s3:ListJobs", "*", context)]
    if job_id is None and response.method == "POST":
        operation = next(iter(response._get_param("Operation") or {}), "")
        priority = response._get_param("Priority")
        create = _iam.Authorization("s3:CreateJob", "*", {
            **context, "s3:RequestJobOperation": operation,
            **({"s3:RequestJobPriority": str(priority)} if priority is not None else {})})
        role_arn = response._get_param("RoleArn")
        if not role_arn:
            return [create]
        return [create, _iam.Authorization("iam:PassRole", role_arn, {"iam:PassedToService": BATCH_OPERATIONS})]
    job_arn = f"arn:{partition}:s3:{response.region}:{account}:job/{job_id}"
    action = "s3:UpdateJobStatus" if match.group("status") else "s3:DescribeJob"
    return [_iam.Authorization(action, job_arn, context)]
