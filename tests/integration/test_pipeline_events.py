"""Hostile and malformed events: each pipeline handler logs one 'rejected' line naming the problem,
returns without raising, and writes nothing (the endpoint's request recording shows no write).

The handlers run in this process, laid out as the Lambda zip lays them out (handler modules and
pipeline_common at the top, the core as package ``s3dr_core``), with the function's environment and
boto3 pointed at the session endpoint, so every AWS call they make is recorded.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT, client_for, other_account_client
from plugins.module_utils.core.policies import replication_boundary_policy

SOURCE_REGION, DR_REGION, OTHER_REGION = "ap-southeast-2", "eu-central-1", "sa-east-1"
HANDLERS = ("source_bucket_check", "destination_bucket_check", "enable_replication")
SNS_HANDLERS = ("destination_bucket_check", "enable_replication")


def lambda_zip_layout(target: Path) -> Path:
    """The files of a function's zip, built by the role's own packaging code (plugins/modules/lambda_zip.py)."""
    from plugins.modules import lambda_zip

    handlers = REPO_ROOT / "roles" / "dr_pipeline" / "files" / "handlers"
    entries = lambda_zip.collect([str(handlers / f"{name}.py") for name in (*HANDLERS, "pipeline_common")],
                                 {"s3dr_core": str(REPO_ROOT / "plugins" / "module_utils" / "core")})
    archive = target / "function.zip"
    archive.write_bytes(lambda_zip.build(entries))
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(target / "code")
    return target / "code"


def make_bucket(s3, region: str, prefix: str, tags: dict[str, str] | None = None) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return name


@pytest.fixture(scope="module")
def buckets(localaws):
    s3 = client_for(localaws, "s3", SOURCE_REGION)
    return {
        "tagged": make_bucket(s3, SOURCE_REGION, "ev-tagged", {"dr": "true"}),
        "untagged": make_bucket(s3, SOURCE_REGION, "ev-untagged", {"team": "x"}),
        "wrong_value": make_bucket(s3, SOURCE_REGION, "ev-drfalse", {"dr": "false"}),
        "foreign": make_bucket(other_account_client(localaws, "s3", SOURCE_REGION), SOURCE_REGION, "ev-theirs", {"dr": "true"}),
        "elsewhere": make_bucket(client_for(localaws, "s3", OTHER_REGION), OTHER_REGION, "ev-elsewhere", {"dr": "true"}),
        "missing": f"ev-missing-{uuid.uuid4().hex[:8]}",
    }


@pytest.fixture(scope="module")
def handlers(localaws, tmp_path_factory):
    """The three handler modules, imported from the zip layout with the function's environment set."""
    sns = client_for(localaws, "sns", DR_REGION), client_for(localaws, "sns", SOURCE_REGION)
    # The boundary dr_setup ensures; a policy of its own so that no other test's boundary is touched.
    boundary = client_for(localaws, "iam").create_policy(
        PolicyName=f"ev-boundary-{uuid.uuid4().hex[:6]}",
        PolicyDocument=json.dumps(replication_boundary_policy("aws", "123456789012")))["Policy"]["Arn"]
    environment = {
        "SOURCE_REGION": SOURCE_REGION, "DEST_REGION": DR_REGION,
        "TRIGGER_TAG_KEY": "dr", "TRIGGER_TAG_VALUE": "true", "ON_UNTAG": "keep",
        # Topics without subscribers: a publish is recorded, and reaches no deployed function.
        "DESTINATION_TOPIC_ARN": sns[0].create_topic(Name=f"ev-to-dr-{uuid.uuid4().hex[:6]}")["TopicArn"],
        "REPLICATION_TOPIC_ARN": sns[1].create_topic(Name=f"ev-to-source-{uuid.uuid4().hex[:6]}")["TopicArn"],
        # As the role writes them; no BACKFILL_SPEC: deployed without backfill.
        "CLONE_SPEC": json.dumps({"dest_suffix": "-dr"}),
        "CRR_SPEC": json.dumps({"dest_suffix": "-dr", "role_propagation_timeout": 10, "permissions_boundary": boundary}),
        "AWS_LAMBDA_FUNCTION_NAME": "in-process", "AUDIT_TABLE": "",
    }
    code = lambda_zip_layout(tmp_path_factory.mktemp("handlers"))
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environment.items():
            patch.setenv(key, value)
        patch.syspath_prepend(str(code))
        for name in ("pipeline_common", *HANDLERS):
            sys.modules.pop(name, None)
        yield {name: importlib.import_module(name) for name in HANDLERS}
        for name in ("pipeline_common", *HANDLERS):
            sys.modules.pop(name, None)
        for name in [module for module in sys.modules if module == "s3dr_core" or module.startswith("s3dr_core.")]:
            sys.modules.pop(name)


def cloudtrail_event(bucket, **changes) -> dict:
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
             "account": "123456789012", "region": SOURCE_REGION, "time": "2026-12-01T00:00:00Z", "resources": [],
             "detail": {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketTagging", "awsRegion": SOURCE_REGION,
                        "requestParameters": {"bucketName": bucket}}}
    event.update(changes)
    return event


def tag_resource_event(resource_arn, event_name="TagResource") -> dict:
    """What CloudTrail records for S3 Control TagResource on a bucket: the bucket only as requestParameters.resourceArn."""
    return cloudtrail_event(None, detail={"eventSource": "s3.amazonaws.com", "eventName": event_name,
                                          "awsRegion": SOURCE_REGION,
                                          "requestParameters": {"resourceArn": resource_arn,
                                                                "Tags": [{"Key": "dr", "Value": "true"}]}})


def sns_record(message, **changes) -> dict:
    body = message if isinstance(message, str) else json.dumps(message)
    record = {"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:x",
              "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "Message": body, "Subject": "s3dr"}}
    record.update(changes)
    return record


def sns_event(message, **changes) -> dict:
    return {"Records": [sns_record(message, **changes)]}


def pipeline_message(bucket, action="enable", **changes) -> dict:
    return {"action": action, "source_bucket": bucket, "source_region": SOURCE_REGION, "cause": "test", **changes}


PATH_TRAVERSAL, TOO_LONG = "../../etc/passwd", "a" * 300

# (id, handler(s), event(buckets) -> event, what the log line's reason must say, environment)
SOURCE_CASES = [
    ("event-is-a-list", lambda b: [cloudtrail_event(b["tagged"])], "the event is not a JSON object but list", {}),
    ("detail-is-a-string", lambda b: cloudtrail_event(b["tagged"], detail="PutBucketTagging"),
     "the event's detail is not a JSON object but str", {}),
    ("unknown-detail-type", lambda b: cloudtrail_event(b["tagged"], **{"detail-type": "Object Created"}),
     "detail-type 'Object Created' is neither", {}),
    ("detail-type-missing", lambda b: {"detail": {"requestParameters": {"bucketName": b["tagged"]}}},
     "detail-type None is neither", {}),
    ("not-an-s3-call", lambda b: cloudtrail_event(b["tagged"], detail={
        "eventSource": "ec2.amazonaws.com", "awsRegion": SOURCE_REGION, "requestParameters": {"bucketName": b["tagged"]}}),
     "eventSource is 'ec2.amazonaws.com', not 's3.amazonaws.com'", {}),
    ("request-parameters-a-list", lambda b: cloudtrail_event(b["tagged"], detail={
        "eventSource": "s3.amazonaws.com", "awsRegion": SOURCE_REGION, "requestParameters": [b["tagged"]]}),
     "requestParameters.bucketName is missing or not a string", {}),
    ("bucket-name-path-traversal", lambda b: cloudtrail_event(PATH_TRAVERSAL),
     "'../../etc/passwd' is not a valid bucket name: it may hold only lowercase letters", {}),
    ("bucket-name-300-characters", lambda b: cloudtrail_event(TOO_LONG),
     "(300 characters) is not a valid bucket name: it must be 3 to 63 characters long", {}),
    ("bucket-of-another-account", lambda b: cloudtrail_event(b["foreign"]), "belongs to another account", {}),
    ("bucket-in-another-region", lambda b: cloudtrail_event(b["elsewhere"]),
     f"is in {OTHER_REGION}, not in this pipeline's source Region {SOURCE_REGION}", {}),
    ("tag-resource-without-arn", lambda b: tag_resource_event(None), "resourceArn None is not an S3 bucket ARN", {}),
    ("tag-resource-bucket-name-not-arn", lambda b: tag_resource_event(b["tagged"]), "is not an S3 bucket ARN", {}),
    ("tag-resource-object-arn", lambda b: tag_resource_event(f"arn:aws:s3:::{b['tagged']}/key"),
     "is not an S3 bucket ARN", {}),
    ("tag-resource-access-point-arn",
     lambda b: tag_resource_event(f"arn:aws:s3:{SOURCE_REGION}:123456789012:accesspoint/{b['tagged']}"),
     "is not an S3 bucket ARN", {}),
    ("tag-resource-other-service", lambda b: tag_resource_event(f"arn:aws:sqs:{SOURCE_REGION}:123456789012:{b['tagged']}"),
     "is not an S3 bucket ARN", {}),
    ("tag-resource-other-partition", lambda b: tag_resource_event(f"arn:aws-cn:s3:::{b['tagged']}"),
     f"is not in partition aws of {SOURCE_REGION}", {}),
    ("tag-resource-other-region",
     lambda b: tag_resource_event(f"arn:aws:s3:{OTHER_REGION}:123456789012:bucket/{b['tagged']}"),
     f"names Region {OTHER_REGION}, not {SOURCE_REGION}", {}),
    ("tag-resource-other-account",
     lambda b: tag_resource_event(f"arn:aws:s3:{SOURCE_REGION}:111111111111:bucket/{b['tagged']}"),
     "names account 111111111111, not this account", {}),
    ("tag-resource-path-traversal", lambda b: tag_resource_event("arn:aws:s3:::..%2F..%2Fetc"),
     "is not a valid bucket name", {}),
    ("tag-resource-bucket-of-another-account", lambda b: tag_resource_event(f"arn:aws:s3:::{b['foreign']}"),
     "belongs to another account", {}),
    ("create-bucket-without-bucket-name", lambda b: cloudtrail_event(None, detail={
        "eventSource": "s3.amazonaws.com", "eventName": "CreateBucket", "awsRegion": SOURCE_REGION,
        "requestParameters": {"CreateBucketConfiguration": {"LocationConstraint": SOURCE_REGION}}}),
     "requestParameters.bucketName is missing or not a string", {}),
]
MESSAGE_CASES = [
    ("event-is-a-string", lambda b: "Records", "the event is not a JSON object but str", {}),
    ("no-records", lambda b: {"detail": {}}, "the event has no Records list (Records: None)", {}),
    ("records-not-a-list", lambda b: {"Records": "x"}, "the event has no Records list (Records: 'x')", {}),
    ("record-not-an-object", lambda b: {"Records": ["x"]}, "the record is not a JSON object: 'x'", {}),
    ("record-from-sqs", lambda b: sns_event(pipeline_message(b["tagged"]), EventSource="aws:sqs"),
     "EventSource is 'aws:sqs', not 'aws:sns'", {}),
    ("record-without-sns", lambda b: {"Records": [{"EventSource": "aws:sns"}]}, "has no Sns.Message string", {}),
    ("message-not-json", lambda b: sns_event("enable " + b["tagged"]), "the SNS message is not JSON", {}),
    ("message-a-json-list", lambda b: sns_event([pipeline_message(b["tagged"])]),
     "the SNS message is not a JSON object but list", {}),
    ("message-without-source-bucket", lambda b: sns_event({"action": "enable", "source_region": SOURCE_REGION}),
     "the message's source_bucket is missing or not a string: None", {}),
    ("source-bucket-not-a-string", lambda b: sns_event(pipeline_message({"Name": b["tagged"]})),
     "the message's source_bucket is missing or not a string", {}),
    ("bucket-name-path-traversal", lambda b: sns_event(pipeline_message(PATH_TRAVERSAL)),
     "'../../etc/passwd' is not a valid bucket name", {}),
    ("bucket-name-300-characters", lambda b: sns_event(pipeline_message(TOO_LONG)),
     "(300 characters) is not a valid bucket name: it must be 3 to 63 characters long", {}),
    ("bucket-name-uppercase", lambda b: sns_event(pipeline_message("Bucket_Name")), "is not a valid bucket name", {}),
    ("unknown-action", lambda b: sns_event(pipeline_message(b["tagged"], action="delete")),
     "unknown action 'delete'", {}),
    ("other-source-region", lambda b: sns_event(pipeline_message(b["tagged"], source_region=OTHER_REGION)),
     f"the message is for source Region '{OTHER_REGION}'; this pipeline serves {SOURCE_REGION}", {}),
    ("enable-for-an-untagged-bucket", lambda b: sns_event(pipeline_message(b["untagged"])),
     "an enable message, but bucket ev-untagged-", {}),
    # A refusal is no bucket action: it writes no audit record (else anyone could fill the table).
    ("enable-for-an-untagged-bucket-with-an-audit-table", lambda b: sns_event(pipeline_message(b["untagged"])),
     "is not tagged dr=true", {"AUDIT_TABLE": "ev-audit", "AUDIT_TABLE_REGION": SOURCE_REGION}),
    ("enable-for-a-bucket-tagged-dr-false", lambda b: sns_event(pipeline_message(b["wrong_value"])),
     "is not tagged dr=true", {}),
    ("enable-for-a-missing-bucket", lambda b: sns_event(pipeline_message(b["missing"])), "does not exist", {}),
    ("enable-for-a-bucket-of-another-account", lambda b: sns_event(pipeline_message(b["foreign"])),
     "belongs to another account", {}),
    ("enable-for-a-bucket-in-another-region", lambda b: sns_event(pipeline_message(b["elsewhere"])),
     f"is in {OTHER_REGION}, not in this pipeline's source Region", {}),
    ("disable-when-the-pipeline-keeps-pairs", lambda b: sns_event(pipeline_message(b["untagged"], action="disable")),
     "a disable message, but this pipeline keeps DR pairs", {"ON_UNTAG": "keep"}),
    ("disable-for-a-still-tagged-bucket", lambda b: sns_event(pipeline_message(b["tagged"], action="disable")),
     "a disable message, but bucket ev-tagged-", {"ON_UNTAG": "disable"}),
    ("disable-for-a-bucket-of-another-account",
     lambda b: sns_event(pipeline_message(b["foreign"], action="disable")), "belongs to another account",
     {"ON_UNTAG": "disable"}),
]
CASES = [pytest.param("source_bucket_check", make_event, reason, env, id=f"source_bucket_check:{case_id}")
         for case_id, make_event, reason, env in SOURCE_CASES]
CASES += [pytest.param(handler, make_event, reason, env, id=f"{handler}:{case_id}")
          for case_id, make_event, reason, env in MESSAGE_CASES for handler in SNS_HANDLERS]


def log_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def writes(localaws) -> list:
    return [call for call in localaws.recorded_calls() if call.is_write]


@pytest.mark.parametrize(("handler", "make_event", "reason", "env"), CASES)
def test_bad_event_is_logged_once_with_its_reason_and_writes_nothing(
        localaws, handlers, buckets, capsys, monkeypatch, handler, make_event, reason, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    event = make_event(buckets)
    capsys.readouterr()
    localaws.start_recording()
    outcome = handlers[handler].handler(event, None)  # returns: raising would retry it into the DLQ
    lines = log_lines(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0]["action"] == "rejected", lines
    assert reason in lines[0]["reason"], lines[0]
    assert writes(localaws) == []
    assert not outcome.get("done") and not outcome.get("published"), outcome


def test_a_tagged_bucket_goes_through_all_three_and_a_confirmed_disable_removes_the_rule(
        localaws, handlers, capsys, monkeypatch, aws_client):
    """The positive controls: the same checks let a really tagged bucket of this account through."""
    source = aws_client("s3", SOURCE_REGION)
    bucket = make_bucket(source, SOURCE_REGION, "ev-pair", {"dr": "true"})
    localaws.start_recording()
    assert handlers["source_bucket_check"].handler(cloudtrail_event(bucket), None) == {"published": bucket}
    assert source.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    message = sns_event(pipeline_message(bucket, cause="PutBucketTagging"))
    assert handlers["destination_bucket_check"].handler(message, None) == {"done": [bucket]}
    assert aws_client("s3", DR_REGION).get_bucket_versioning(Bucket=f"{bucket}-dr")["Status"] == "Enabled"
    assert handlers["enable_replication"].handler(message, None) == {"done": [bucket]}
    rules = source.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
    assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-dr"
    assert "rejected" not in [line["action"] for line in log_lines(capsys.readouterr().out)]
    # The recording the bad-event table relies on does see these handlers' writes.
    recorded = writes(localaws)
    assert any(call.service == "s3" and call.operation.endswith("?replication") for call in recorded), recorded
    assert {"CreateRole", "Publish"} <= {call.operation for call in recorded}, recorded
    role = client_for(localaws, "iam").get_role(RoleName=f"s3-crr-{bucket}")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == json.loads(os.environ["CRR_SPEC"])["permissions_boundary"]

    monkeypatch.setenv("ON_UNTAG", "disable")
    source.delete_bucket_tagging(Bucket=bucket)
    disable = sns_event(pipeline_message(bucket, action="disable"))
    assert handlers["enable_replication"].handler(disable, None) == {"done": [bucket]}
    with pytest.raises(source.exceptions.ClientError) as gone:
        source.get_bucket_replication(Bucket=bucket)
    assert gone.value.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"


@pytest.mark.parametrize("event_name", ["CreateBucket", "TagResource", "TagResource-regional-arn"])
def test_tag_on_create_and_tag_resource_events_pass_a_tagged_bucket_on(localaws, handlers, capsys, aws_client, event_name):
    """The real shapes CloudTrail records for tag-on-create and S3 Control TagResource, read back as the real tags."""
    source = aws_client("s3", SOURCE_REGION)
    bucket = f"ev-new-{uuid.uuid4().hex[:8]}"
    source.create_bucket(Bucket=bucket, CreateBucketConfiguration={
        "LocationConstraint": SOURCE_REGION, "Tags": [{"Key": "dr", "Value": "true"}]})
    if event_name == "CreateBucket":
        event = cloudtrail_event(bucket, detail={
            "eventSource": "s3.amazonaws.com", "eventName": "CreateBucket", "awsRegion": SOURCE_REGION,
            "requestParameters": {"bucketName": bucket, "CreateBucketConfiguration": {
                "LocationConstraint": SOURCE_REGION, "Tags": {"Tag": [{"Key": "dr", "Value": "true"}]}}}})
    elif event_name == "TagResource":
        event = tag_resource_event(f"arn:aws:s3:::{bucket}")
    else:
        event = tag_resource_event(f"arn:aws:s3:{SOURCE_REGION}:123456789012:bucket/{bucket}")
    capsys.readouterr()
    assert handlers["source_bucket_check"].handler(event, None) == {"published": bucket}
    assert "rejected" not in [line["action"] for line in log_lines(capsys.readouterr().out)]
    # The event's own tags are never trusted: the same event for an untagged bucket is ignored.
    plain = make_bucket(source, SOURCE_REGION, "ev-plain")
    event_text = json.dumps(event).replace(bucket, plain)
    assert handlers["source_bucket_check"].handler(json.loads(event_text), None) == {"ignored": "not tagged"}


def test_only_the_valid_records_of_a_batch_are_acted_on(localaws, handlers, buckets, capsys):
    """One bad record in a batch is rejected on its own; the good one is still passed on."""
    event = {"Records": [sns_record("not json"), sns_record(pipeline_message(buckets["tagged"]))]}
    capsys.readouterr()
    assert handlers["destination_bucket_check"].handler(event, None) == {"done": [buckets["tagged"]]}
    lines = log_lines(capsys.readouterr().out)
    rejected = [line for line in lines if line["action"] == "rejected"]
    assert len(rejected) == 1 and rejected[0]["record"] == 0 and "not JSON" in rejected[0]["reason"], lines
    assert [line["bucket"] for line in lines if line["action"] == "published"] == [buckets["tagged"]]


def test_passed_on_messages_carry_only_the_validated_fields(localaws, handlers, buckets, aws_client):
    """An extra field in a message is not forwarded: the next function gets only what was checked."""
    queue_url = aws_client("sqs", SOURCE_REGION).create_queue(QueueName=f"ev-tap-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    queue_arn = aws_client("sqs", SOURCE_REGION).get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = handlers["enable_replication"].setting("REPLICATION_TOPIC_ARN")
    aws_client("sns", SOURCE_REGION).subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                                               Attributes={"RawMessageDelivery": "true"})
    message = pipeline_message(buckets["tagged"], role_arn="arn:aws:iam::111111111111:role/attacker")
    handlers["destination_bucket_check"].handler(sns_event(message), None)
    received = aws_client("sqs", SOURCE_REGION).receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"]
    passed_on = {"action": "enable", "source_bucket": buckets["tagged"], "source_region": SOURCE_REGION, "cause": "test"}
    assert json.loads(received[0]["Body"]) == passed_on
