"""s3control_job_permissions: a role session's Batch Operations requests need the IAM actions AWS documents, with
their request keys, and CreateJob needs iam:PassRole of the job's role to Batch Operations; the job's role is
evaluated with the global keys of its session (aws:ResourceAccount), as s3control_batch_replication runs it."""
from __future__ import annotations

import json
import uuid

from test_batch_replication import ACCOUNT, REGION, batch_role, finished, job_request, make_bucket
from test_iam_enforcement import Session, _denied, _statement

from conftest import client_for

OWN_ACCOUNT = {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}


def control_of(session: Session):
    return session.session.client("s3control", region_name=REGION,
                                  endpoint_url=session.server.env["AWS_ENDPOINT_URL_S3_CONTROL"])


def job_creator(server, role_arn: str, pass_to: str | None = "batchoperations.s3.amazonaws.com",
                operation: str = "S3ReplicateObject") -> Session:
    """A session allowed s3:CreateJob for ``operation`` only and s3:ListJobs, in this account (the pipeline's
    enable_replication statements), and iam:PassRole of ``role_arn`` to ``pass_to``."""
    statements = [
        _statement(["s3:CreateJob"], ["*"], condition={"StringEquals": {"aws:ResourceAccount": ACCOUNT,
                                                                        "s3:RequestJobOperation": operation}}),
        _statement(["s3:ListJobs"], ["*"], condition=OWN_ACCOUNT)]
    if pass_to:
        statements.append(_statement(["iam:PassRole"], [role_arn], condition={
            "StringEquals": {"iam:PassedToService": pass_to}}))
    return Session(server, statements)


def pair(server):
    s3 = client_for(server, "s3", REGION)
    source, reports = make_bucket(s3, "perm-src", REGION), make_bucket(s3, "perm-reports", REGION, versioned=False)
    return source, reports, batch_role(client_for(server, "iam"), source, reports)


def test_create_job_needs_its_operation_allowed_and_the_role_passed_to_batch_operations(localaws):
    source, reports, role = pair(localaws)
    request = job_request(source, reports, role)
    for refused in (job_creator(localaws, role, pass_to=None), job_creator(localaws, role, pass_to="s3.amazonaws.com"),
                    job_creator(localaws, role, operation="S3PutObjectCopy")):
        assert _denied(control_of(refused).create_job, **request, ClientRequestToken=uuid.uuid4().hex)[
            "Error"]["Code"] == "AccessDenied"
    allowed = control_of(job_creator(localaws, role))
    job_id = allowed.create_job(**request, ClientRequestToken=uuid.uuid4().hex)["JobId"]
    assert job_id in [job["JobId"] for job in allowed.list_jobs(AccountId=ACCOUNT)["Jobs"]]
    # DescribeJob is an action of its own, on the job: not allowed to this session.
    assert _denied(allowed.describe_job, AccountId=ACCOUNT, JobId=job_id)["Error"]["Code"] == "AccessDenied"


def test_without_the_patch_a_policy_scoped_as_aws_documents_never_allows(localaws_without):
    server = localaws_without("s3control_job_permissions")
    source, reports, role = pair(server)
    allowed_on_aws = control_of(job_creator(server, role))
    assert _denied(allowed_on_aws.create_job, **job_request(source, reports, role),
                   ClientRequestToken=uuid.uuid4().hex)["Error"]["Code"] == "AccessDenied"
    assert _denied(allowed_on_aws.list_jobs, AccountId=ACCOUNT)["Error"]["Code"] == "AccessDenied"


def test_the_job_role_is_evaluated_with_the_bucket_owner_as_resource_account(localaws):
    """A batch role scoped to its own account's buckets by aws:ResourceAccount replicates; one scoped to another
    account's fails the job (the conditions are evaluated, not skipped)."""
    s3, dr_s3 = client_for(localaws, "s3", REGION), client_for(localaws, "s3", "eu-central-1")
    iam, control = client_for(localaws, "iam"), client_for(localaws, "s3control", REGION)
    source, reports = make_bucket(s3, "perm-src", REGION), make_bucket(s3, "perm-reports", REGION, versioned=False)
    dest = make_bucket(dr_s3, "perm-dst", "eu-central-1")
    s3.put_object(Bucket=source, Key="before.txt", Body=b"before")
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
        "Rules": [{"ID": "all", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
                   "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})

    def role_for(account: str) -> str:
        name = f"batch-{uuid.uuid4().hex[:8]}"
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "batchoperations.s3.amazonaws.com"},
             "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        condition = {"StringEquals": {"aws:ResourceAccount": account}}
        iam.put_role_policy(RoleName=name, PolicyName="batch", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            _statement(["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"], ["arn:aws:s3:::*"], condition=condition),
            _statement(["s3:InitiateReplication"], ["arn:aws:s3:::*/*"], condition=condition),
            _statement(["s3:PutObject", "s3:GetObject"], [f"arn:aws:s3:::{reports}/*"], condition=condition)]}))
        return arn

    other = finished(control, control.create_job(**job_request(source, reports, role_for("210987654321")),
                                                 ClientRequestToken=uuid.uuid4().hex)["JobId"])
    assert other["Status"] == "Failed", other
    own = finished(control, control.create_job(**job_request(source, reports, role_for(ACCOUNT)),
                                               ClientRequestToken=uuid.uuid4().hex)["JobId"])
    assert own["Status"] == "Complete" and own["ProgressSummary"]["NumberOfTasksSucceeded"] == 1, own
    assert dr_s3.get_object(Bucket=dest, Key="before.txt")["ReplicationStatus"] == "REPLICA"
