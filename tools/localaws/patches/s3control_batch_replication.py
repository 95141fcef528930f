"""S3 Batch Operations runs Batch Replication jobs: CreateJob, DescribeJob, ListJobs, UpdateJobStatus.

Upstream gap (moto 5.2.5, ``moto/s3control``): no Batch Operations API at all; ``CreateJob`` answers 404,
so nothing replicates the objects a bucket held before its replication rules existed.

This patch follows the S3 User Guide (https://docs.aws.amazon.com/AmazonS3/latest/userguide/) and the
S3 Control API reference:
- s3-batch-replication-batch.html: a job with the ``S3ReplicateObject`` operation and an
  ``S3JobManifestGenerator`` lists the source bucket's versions that the replication configuration
  covers (``Filter.EligibleForReplication``; ``ObjectReplicationStatuses`` NONE / FAILED / COMPLETED /
  REPLICA; ``CreatedAfter`` / ``CreatedBefore``; ``KeyNameConstraint``; ``MatchAnyStorageClass``; object
  size bounds) and replicates each one per the rules, the same way live replication does (this patch calls
  ``s3_object_replication.version_rules`` and ``replicate_object``; delete markers ``replicate_delete_marker``).
  The source needs versioning and a replication configuration; the generated manifest must be written in
  the source bucket's Region. Objects in GLACIER / DEEP_ARCHIVE are not replicated (task failed).
- s3-batch-replication-policies.html: the job runs as its ``RoleArn``, which must trust
  ``batchoperations.s3.amazonaws.com`` and be allowed ``s3:GetReplicationConfiguration`` and
  ``s3:PutInventoryConfiguration`` on the source bucket (else the job fails while preparing),
  ``s3:PutObject`` on the manifest bucket (manifest output) and the report bucket (else the job fails),
  and ``s3:InitiateReplication`` on each source object (else that task fails, 403 AccessDenied).
  The role's inline and attached policies are evaluated as ``iam_policy_statements`` /
  ``iam_policy_conditions`` evaluate them (through ``s3_sse_kms_permissions.allows``), with the global keys
  of the role's session (``aws:PrincipalArn``, ``aws:ResourceAccount``: the bucket owner, ...).
- batch-ops-job-status.html: a job goes New -> Preparing -> Active -> Completing -> Complete (Failed
  when it cannot run; Suspended while ``ConfirmationRequired`` waits for UpdateJobStatus Ready;
  Cancelled); DescribeJob's ``ProgressSummary`` counts tasks, succeeded and failed; ``FailureReasons``
  says why a job failed. ``ClientRequestToken``: the same token (per account and Region) answers the job
  it created first, whatever its state, and creates no second job.
- batch-ops-examples-reports.html: the completion report (``Report_CSV_20180820``) is written under
  ``<Prefix>/job-<id>/``: ``manifest.json`` (Format, ReportCreationDate, Results: one entry per
  TaskExecutionStatus with Bucket, Key and MD5Checksum, ReportSchema) and
  ``results/<sha1>.csv``, one CSV line per task (``ReportScope`` AllTasks, or FailedTasksOnly): bucket,
  key, version id, task status, HTTP status code, error code, result message, in the column order of
  the documented examples. The generated manifest (``S3InventoryReport_CSV_20211130``, when
  ``EnableManifestOutput``) is written under ``<ManifestPrefix>/job-<id>/manifest-generator/``:
  ``manifest.json`` (sourceBucket, fileFormat, fileSchema, files) and one CSV data file; DescribeJob's
  ``GeneratedManifestDescriptor`` names it.

Jobs run in the endpoint, one at a time, their tasks on live replication's worker (in order with it);
the steps are ``LOCALAWS_BATCH_STEP_MS`` (default 100) ms apart, so the states can be observed.
Not modelled: user-supplied manifests (``Manifest``: 400 here), operations
other than ``S3ReplicateObject``, job tags, priorities between jobs, ``iam:PassRole`` of the caller,
SSE-KMS manifest encryption, the job role's permissions boundary, the replication role's own permissions
(as for live replication).
"""
from __future__ import annotations

import copy
import csv
import datetime
import hashlib
import io
import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

from . import _iam

NAME = "s3control_batch_replication"

DEFAULT_STEP_MS = 100
BATCH_PRINCIPAL = "batchoperations.s3.amazonaws.com"
ACTIVE_STATES = ("New", "Preparing", "Suspended", "Ready", "Active", "Pausing", "Paused", "Completing",
                 "Cancelling", "Failing")
ARCHIVED_CLASSES = ("GLACIER", "DEEP_ARCHIVE")
REPORT_SCHEMA = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
MANIFEST_SCHEMA = "Bucket, Key, VersionId"
JOB_PATHS = {
    r"{0}/v20180820/jobs$": "dispatch",
    r"{0}/v20180820/jobs/(?P<id>[^/]+)$": "dispatch",
    r"{0}/v20180820/jobs/(?P<id>[^/]+)/status$": "dispatch",
    "/v20180820/jobs": "dispatch",
    "/v20180820/jobs/<id>": "dispatch",
    "/v20180820/jobs/<id>/status": "dispatch",
}

# (account, partition, Region) -> job id -> job; jobs belong to the Region the request is signed for.
_jobs: dict[tuple[str, str, str], dict[str, dict]] = {}
_tokens: dict[tuple[str, str, str, str], str] = {}
_lock = threading.RLock()
_runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localaws-batch")


def step_seconds() -> float:
    return int(os.environ.get("LOCALAWS_BATCH_STEP_MS", DEFAULT_STEP_MS)) / 1000


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _bucket_name(arn: str) -> str:
    return arn.split(":::", 1)[-1]


class JobError(Exception):
    """Why a job failed (its FailureReasons entry)."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


# ---- the job's role -------------------------------------------------------------------------------

def role_policies(account_id: str, partition: str, role_arn: str) -> tuple[dict, list[dict]] | None:
    """(trust policy, identity policies) of the job's role, or None when the role does not exist."""
    from moto.iam.access_control import IAMPolicy
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account_id][partition].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto raises its IAM NotFound error type
        return None

    def document(value) -> dict:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return json.loads(unquote(value))  # stored URL-encoded, as the query protocol sent it

    policies = [document(text) for text in role.policies.values()]
    policies += [IAMPolicy(policy)._policy_json for policy in role.managed_policies.values()]
    return document(role.assume_role_policy_document) or {}, policies


def trusts_batch_operations(trust: dict) -> bool:
    statements = trust.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        services = (statement.get("Principal") or {}).get("Service", []) if isinstance(
            statement.get("Principal"), dict) else []
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and BATCH_PRINCIPAL in services and \
                any(action in ("sts:AssumeRole", "sts:*", "*") for action in actions):
            return True
    return False


def role_allows(policies: list[dict], action: str, resource: str, role_arn: str = "", account: str = "") -> bool:
    """Whether the job role's policies allow ``action`` on ``resource``, with the global keys IAM gives the role's
    session: aws:PrincipalArn, aws:PrincipalAccount and aws:ResourceAccount / s3:ResourceAccount (the bucket owner)."""
    from .iam_policy_conditions import role_session_keys
    from .s3_sse_kms_permissions import allows

    authorization = _iam.Authorization(action, resource)
    return allows(policies, authorization, role_session_keys(role_arn, account, authorization))


# ---- the manifest -----------------------------------------------------------------------------------

def _status_of(version) -> str:
    return getattr(version, "replication_status", None) or "NONE"


def _selected(version, job_filter: dict, eligible_rules: list[dict]) -> bool:
    is_marker = hasattr(version, "key")
    if job_filter.get("EligibleForReplication") and not eligible_rules:
        return False
    statuses = job_filter.get("ObjectReplicationStatuses")
    if statuses and _status_of(version) not in statuses:
        return False
    created = version.last_modified
    for name, later in (("CreatedAfter", True), ("CreatedBefore", False)):
        bound = job_filter.get(name)
        if bound is not None:
            bound = bound if isinstance(bound, datetime.datetime) else datetime.datetime.fromisoformat(str(bound))
            bound = bound if bound.tzinfo else bound.replace(tzinfo=datetime.timezone.utc)
            moment = created if created.tzinfo else created.replace(tzinfo=datetime.timezone.utc)
            if (moment <= bound) if later else (moment >= bound):
                return False
    constraint = job_filter.get("KeyNameConstraint") or {}
    for name, test in (("MatchAnyPrefix", str.startswith), ("MatchAnySuffix", str.endswith),
                       ("MatchAnySubstring", lambda key, part: part in key)):
        values = constraint.get(name)
        if values and not any(test(version.name, value) for value in values):
            return False
    if is_marker:
        return not (job_filter.get("MatchAnyStorageClass") or "ObjectSizeGreaterThanBytes" in job_filter
                    or "ObjectSizeLessThanBytes" in job_filter)
    if job_filter.get("MatchAnyStorageClass") and version.storage_class not in job_filter["MatchAnyStorageClass"]:
        return False
    if "ObjectSizeGreaterThanBytes" in job_filter and not version.size > int(job_filter["ObjectSizeGreaterThanBytes"]):
        return False
    if "ObjectSizeLessThanBytes" in job_filter and not version.size < int(job_filter["ObjectSizeLessThanBytes"]):
        return False
    return True


def generate_manifest(backend, bucket, job_filter: dict) -> list[tuple[object, list[dict]]]:
    """(version, the rules that replicate it) of every version and delete marker the filter selects, in key order."""
    from .s3_object_replication import version_rules

    selected = []
    for _name, versions in sorted(bucket.keys.iterlists(), key=lambda item: item[0]):
        for version in versions:
            if getattr(version, "replication_status", None) == "REPLICA" and \
                    "REPLICA" not in (job_filter.get("ObjectReplicationStatuses") or []):
                continue
            rules = version_rules(backend, bucket, version)
            if rules and _selected(version, job_filter, rules):
                selected.append((version, rules))
    return selected


# ---- writing into S3 -------------------------------------------------------------------------------

def _put(bucket_arn: str, key: str, body: bytes, expected_region: str | None = None):
    """Write one object as the job does; the stored FakeKey."""
    from .s3_object_replication import _backend_of

    name = _bucket_name(bucket_arn)
    backend = _backend_of(name)
    if backend is None:
        raise JobError("NoSuchBucket", f"The bucket {name} does not exist.")
    if expected_region and backend.buckets[name].region_name != expected_region:
        raise JobError("InvalidManifestLocation", f"The manifest bucket {name} is in {backend.buckets[name].region_name}; "
                       f"a generated manifest must be written in the source bucket's Region ({expected_region}).")
    return backend.put_object(name, key, body)


def _csv(rows: list[list[str]]) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerows(rows)
    return stream.getvalue().encode()


def _join(prefix: str | None, *parts: str) -> str:
    return "/".join(part.strip("/") for part in (prefix or "", *parts) if part and part.strip("/"))


def write_generated_manifest(job: dict, source: str, selected: list) -> None:
    location = job["ManifestGenerator"]["S3JobManifestGenerator"].get("ManifestOutputLocation") or {}
    folder = _join(location.get("ManifestPrefix"), f"job-{job['JobId']}", "manifest-generator")
    data = _csv([[source, version.name, str(version.version_id)] for version, _rules in selected])
    data_key = f"{folder}/{hashlib.sha1(data).hexdigest()}.csv"
    _put(location["Bucket"], data_key, data, job["_region"])
    manifest = {"sourceBucket": source, "destinationBucket": location["Bucket"], "version": "2021-11-30",
                "creationTimestamp": str(int(time.time() * 1000)), "fileFormat": "CSV", "fileSchema": MANIFEST_SCHEMA,
                "files": [{"key": data_key, "size": len(data), "MD5checksum": hashlib.md5(data).hexdigest()}]}
    stored = _put(location["Bucket"], f"{folder}/manifest.json", json.dumps(manifest).encode(), job["_region"])
    job["GeneratedManifestDescriptor"] = {"Format": location.get("ManifestFormat", "S3InventoryReport_CSV_20211130"),
                                          "Location": {"ObjectArn": f"{location['Bucket']}/{folder}/manifest.json",
                                                       "ETag": stored.etag.strip('"')}}


def write_report(job: dict, results: list[list[str]]) -> None:
    """The completion report: results/<sha1>.csv per task status written, and manifest.json naming them."""
    report = job["Report"]
    folder = _join(report.get("Prefix"), f"job-{job['JobId']}")
    scope = report.get("ReportScope", "AllTasks")
    entries = []
    for status in ("succeeded", "failed"):
        rows = [row for row in results if row[3] == status]
        if not rows or (scope == "FailedTasksOnly" and status != "failed"):
            continue
        data = _csv(rows)
        key = f"{folder}/results/{hashlib.sha1(data).hexdigest()}.csv"
        _put(report["Bucket"], key, data)
        entries.append({"TaskExecutionStatus": status, "Bucket": _bucket_name(report["Bucket"]),
                        "MD5Checksum": hashlib.md5(data).hexdigest(), "Key": key})
    document = {"Format": report.get("Format", "Report_CSV_20180820"),
                "ReportCreationDate": _now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "Results": entries, "ReportSchema": REPORT_SCHEMA}
    _put(report["Bucket"], f"{folder}/manifest.json", json.dumps(document, indent=4).encode())


# ---- running a job ----------------------------------------------------------------------------------

def _set(job: dict, status: str, reason: str | None = None) -> None:
    with _lock:
        job["Status"] = status
        if reason:
            job["StatusUpdateReason"] = reason
        if status in ("Complete", "Failed", "Cancelled"):
            job["TerminationDate"] = _now()


def run_job(job: dict) -> None:
    try:
        _run(job)
    except JobError as error:
        with _lock:
            job.setdefault("FailureReasons", []).append({"FailureCode": error.code, "FailureReason": error.reason})
        _set(job, "Failed", "Job failed")
    except Exception as error:  # noqa: BLE001 - the endpoint's own fault: the job fails, the worker goes on
        import traceback

        traceback.print_exc()
        with _lock:
            job.setdefault("FailureReasons", []).append({"FailureCode": "InternalError", "FailureReason": str(error)})
        _set(job, "Failed", "Job failed")


def _run(job: dict) -> None:
    from .s3_object_replication import _backend_of, in_order, replicate_delete_marker, replicate_object

    pause = step_seconds()
    if job["Status"] == "Cancelled":
        return
    _set(job, "Preparing")
    time.sleep(pause)
    generator = job["ManifestGenerator"]["S3JobManifestGenerator"]
    source = _bucket_name(generator["SourceBucket"])
    role = role_policies(job["_account"], job["_partition"], job["RoleArn"])
    if role is None or not trusts_batch_operations(role[0]):
        raise JobError("AccessDenied", f"Unable to assume role {job['RoleArn']}: it does not exist or does not trust "
                       f"{BATCH_PRINCIPAL}.")
    policies = role[1]
    source_arn = f"arn:{job['_partition']}:s3:::{source}"
    for action in ("s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"):
        if not role_allows(policies, action, source_arn, job["RoleArn"], job["_account"]):
            raise JobError("AccessDenied", f"Reading the replication configuration of {source} is forbidden: "
                           f"the role {job['RoleArn']} is not allowed {action} on {source_arn}.")
    backend = _backend_of(source)
    if backend is None:
        raise JobError("NoSuchBucket", f"The source bucket {source} does not exist.")
    bucket = backend.buckets[source]
    if bucket.region_name != job["_region"]:
        raise JobError("InvalidManifestLocation", f"The source bucket {source} is in {bucket.region_name}, not in the "
                       f"job's Region {job['_region']}.")
    if not bucket.is_versioned or not getattr(bucket, "replication", None):
        raise JobError("InvalidManifestContent", f"The source bucket {source} has no replication configuration (or "
                       "versioning is not enabled); Batch Replication replicates per the bucket's rules.")
    selected = generate_manifest(backend, bucket, generator.get("Filter") or {})
    if generator.get("EnableManifestOutput"):
        location = generator.get("ManifestOutputLocation") or {}
        resource = f"{location.get('Bucket', '')}/{_join(location.get('ManifestPrefix'), 'x')}"
        if not role_allows(policies, "s3:PutObject", resource, job["RoleArn"], job["_account"]):
            raise JobError("AccessDenied", f"Writing the manifest to {location.get('Bucket')} is forbidden: the role "
                           f"{job['RoleArn']} is not allowed s3:PutObject there.")
        write_generated_manifest(job, source, selected)
    with _lock:
        job["ProgressSummary"]["TotalNumberOfTasks"] = len(selected)
    if job["Status"] == "Cancelled":
        return
    _set(job, "Active")
    started = time.monotonic()
    results = []
    for version, rules in selected:
        if job["Status"] in ("Cancelling", "Cancelled"):
            break
        row = [source, version.name, str(version.version_id)]
        object_arn = f"{source_arn}/{version.name}"
        if not role_allows(policies, "s3:InitiateReplication", object_arn, job["RoleArn"], job["_account"]):
            row += ["failed", "403", "AccessDenied", f"Access Denied: the role is not allowed s3:InitiateReplication "
                                                     f"on {object_arn}"]
        elif not hasattr(version, "key") and version.storage_class in ARCHIVED_CLASSES:
            row += ["failed", "400", "InvalidObjectState", f"Objects in {version.storage_class} are not replicated "
                                                           "by Batch Replication"]
        else:
            status = in_order(replicate_delete_marker, version, rules) if hasattr(version, "key") else \
                in_order(replicate_object, backend, version, rules)
            if status == "COMPLETED":
                if hasattr(version, "key"):
                    version.replication_status = "COMPLETED"  # a rerun over NONE/FAILED leaves it out
                row += ["succeeded", "200", "", "Successful"]
            else:
                row += ["failed", "200", "ReplicationFailed",
                        "The destination bucket does not exist or does not have versioning enabled" if status
                        else "The object version no longer exists"]
        results.append(row)
        with _lock:
            summary = job["ProgressSummary"]
            key = "NumberOfTasksSucceeded" if row[3] == "succeeded" else "NumberOfTasksFailed"
            summary[key] += 1
            summary["Timers"] = {"ElapsedTimeInActiveSeconds": int(time.monotonic() - started)}
    if job["Status"] in ("Cancelling", "Cancelled"):
        _set(job, "Cancelled")
        return
    _set(job, "Completing")
    time.sleep(pause)
    report = job.get("Report") or {}
    if report.get("Enabled"):
        resource = f"{report.get('Bucket', '')}/{_join(report.get('Prefix'), 'job-' + job['JobId'], 'x')}"
        if not role_allows(policies, "s3:PutObject", resource, job["RoleArn"], job["_account"]):
            raise JobError("AccessDenied", f"Writing the completion report to {report.get('Bucket')} is forbidden: the "
                           f"role {job['RoleArn']} is not allowed s3:PutObject there.")
        write_report(job, results)
    _set(job, "Complete")


# ---- the API ----------------------------------------------------------------------------------------

def _public(job: dict) -> dict:
    """The job as DescribeJob answers it (the endpoint's own bookkeeping left out)."""
    return copy.deepcopy({name: value for name, value in job.items() if not name.startswith("_")})


def apply() -> None:
    from moto.s3control import urls
    from moto.s3control.exceptions import S3ControlError
    from moto.s3control.responses import S3ControlResponse
    from moto.core.responses import ActionResult

    class InvalidRequest(S3ControlError):
        code = "InvalidRequest"

        def __init__(self, message: str):
            super().__init__(message)

    class NoSuchJob(S3ControlError):
        code = "NotFoundException"

        def __init__(self, job_id: str):
            super().__init__(f"Job {job_id} does not exist.")

    for path in JOB_PATHS:
        urls.url_paths[path] = S3ControlResponse.dispatch

    def jobs_here(response) -> dict[str, dict]:
        with _lock:
            return _jobs.setdefault((response.current_account, response.partition, response.region), {})

    def create_job(self):
        operation = self._get_param("Operation") or {}
        if list(operation) != ["S3ReplicateObject"]:
            raise InvalidRequest(f"This endpoint runs S3ReplicateObject jobs only, not {', '.join(operation) or 'none'}.")
        generator = (self._get_param("ManifestGenerator") or {}).get("S3JobManifestGenerator")
        if self._get_param("Manifest") or not generator:
            raise InvalidRequest("This endpoint runs jobs with a ManifestGenerator (S3JobManifestGenerator) only.")
        for name in ("RoleArn", "Report", "Priority"):
            if self._get_param(name) is None:
                raise InvalidRequest(f"{name} is required.")
        token = self._get_param("ClientRequestToken") or str(uuid.uuid4())
        account = self._get_param("AccountId") or self.current_account
        token_key = (account, self.partition, self.region, token)
        jobs = jobs_here(self)
        with _lock:
            if token_key in _tokens:
                return ActionResult({"JobId": _tokens[token_key]})
            job_id = str(uuid.uuid4())
            _tokens[token_key] = job_id
            confirm = bool(self._get_param("ConfirmationRequired"))
            job = {"JobId": job_id, "ConfirmationRequired": confirm, "Description": self._get_param("Description") or "",
                   "JobArn": f"arn:{self.partition}:s3:{self.region}:{account}:job/{job_id}",
                   "Status": "Suspended" if confirm else "New", "Operation": operation,
                   "Priority": int(self._get_param("Priority")),
                   "ProgressSummary": {"TotalNumberOfTasks": 0, "NumberOfTasksSucceeded": 0, "NumberOfTasksFailed": 0,
                                       "Timers": {"ElapsedTimeInActiveSeconds": 0}},
                   "Report": self._get_param("Report"), "CreationTime": _now(), "RoleArn": self._get_param("RoleArn"),
                   "ManifestGenerator": {"S3JobManifestGenerator": generator},
                   "_account": account, "_partition": self.partition, "_region": self.region}
            if confirm:
                job["SuspendedDate"], job["SuspendedCause"] = _now(), "AwaitingConfirmation"
            jobs[job_id] = job
        if not confirm:
            _runner.submit(run_job, job)
        return ActionResult({"JobId": job_id})

    def job_of(response) -> dict:
        job_id = response._get_param("JobId")
        job = jobs_here(response).get(job_id)
        if job is None:
            raise NoSuchJob(job_id)
        return job

    def describe_job(self):
        job = job_of(self)
        with _lock:
            return ActionResult({"Job": _public(job)})

    def list_jobs(self):
        statuses = self._get_param("JobStatuses") or []
        limit = int(self._get_param("MaxResults") or 1000)
        start = int(self._get_param("NextToken") or 0)
        with _lock:
            listed = sorted(jobs_here(self).values(), key=lambda job: job["CreationTime"], reverse=True)
            listed = [job for job in listed if not statuses or job["Status"] in statuses]
            page = [{name: job[name] for name in ("JobId", "Description", "Priority", "Status", "CreationTime",
                                                  "TerminationDate", "ProgressSummary") if name in job}
                    | {"Operation": next(iter(job["Operation"]))} for job in listed[start:start + limit]]
        result = {"Jobs": page}
        if start + limit < len(listed):
            result["NextToken"] = str(start + limit)
        return ActionResult(result)

    def update_job_status(self):
        job = job_of(self)
        requested = self._get_param("RequestedJobStatus")
        with _lock:
            status = job["Status"]
            if requested == "Ready" and status == "Suspended":
                job["Status"] = "Ready"
            elif requested == "Cancelled" and status not in ("Complete", "Failed", "Cancelled"):
                job["Status"] = "Cancelled" if status in ("Suspended", "New", "Ready") else "Cancelling"
                if job["Status"] == "Cancelled":
                    job["TerminationDate"] = _now()
            else:
                raise InvalidRequest(f"Job {job['JobId']} is {status}; it cannot become {requested}.")
            if self._get_param("StatusUpdateReason"):
                job["StatusUpdateReason"] = self._get_param("StatusUpdateReason")
        if job["Status"] == "Ready":
            _runner.submit(run_job, job)
        return ActionResult({"JobId": job["JobId"], "Status": job["Status"],
                             "StatusUpdateReason": job.get("StatusUpdateReason", "")})

    S3ControlResponse.create_job = create_job
    S3ControlResponse.describe_job = describe_job
    S3ControlResponse.list_jobs = list_jobs
    S3ControlResponse.update_job_status = update_job_status
