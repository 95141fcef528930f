"""The deployed pipeline, end to end on the local endpoint: a real event flows through real resources."""
from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import WAIT_SECONDS, client_for, other_account_client, playbook_runner, wait_for

SOURCE_REGION, DR_REGION = "ca-central-1", "eu-north-1"


def wait_until_quiet(localaws, quiet_seconds: float = 5, timeout: float = WAIT_SECONDS) -> None:
    """Until the endpoint has recorded no new call for ``quiet_seconds`` (an asynchronous chain has finished)."""
    deadline = time.monotonic() + timeout
    seen, quiet_since = len(localaws.recorded_calls()), time.monotonic()
    while time.monotonic() - quiet_since < quiet_seconds:
        if time.monotonic() > deadline:
            raise AssertionError(f"the endpoint was still busy after {timeout}s")
        time.sleep(0.5)
        now = len(localaws.recorded_calls())
        if now != seen:
            seen, quiet_since = now, time.monotonic()


def replication_rules(aws_client, bucket):
    return aws_client("s3", SOURCE_REGION).get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]


@pytest.fixture(scope="module")
def pipeline_vars(localaws, tmp_path_factory):
    """The pipeline, deployed once for the tests of this module, so that each of them also runs alone
    (``pytest tests/integration/test_dr_pipeline.py::test_x``): its variables."""
    variables = {"dr_pipeline_source_region": SOURCE_REGION, "dr_pipeline_dest_region": DR_REGION,
                 "dr_pipeline_name_prefix": f"e2e{uuid.uuid4().hex[:6]}"}
    run_playbook = playbook_runner(localaws, tmp_path_factory.mktemp("dr-pipeline"))
    first = run_playbook("playbooks/dr_setup.yml", extra_vars=variables)
    assert first.rc == 0, first
    return variables


def make_dr_pair(aws_client, prefix: str) -> str:
    """A source bucket tagged dr=true, once the deployed pipeline has made its DR bucket and replication."""
    bucket = f"{prefix}-{uuid.uuid4().hex[:8]}"
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})
    wait_for(lambda: replication_rules(aws_client, bucket), f"replication on {bucket}")
    return bucket


@pytest.mark.core_matrix
def test_pipeline_deploys_idempotently_and_tagging_makes_a_dr_pair(localaws, run_playbook, aws_client, pipeline_vars):
    again = run_playbook("playbooks/dr_setup.yml", extra_vars=pipeline_vars)
    assert again.rc == 0 and again.recap["localhost"]["changed"] == 0, again
    prefix = pipeline_vars["dr_pipeline_name_prefix"]
    for region, topic in ((DR_REGION, f"{prefix}-{SOURCE_REGION}-to-dr"), (SOURCE_REGION, f"{prefix}-{SOURCE_REGION}-to-source")):
        topic_arn = f"arn:aws:sns:{region}:123456789012:{topic}"
        attributes = aws_client("sns", region).get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        assert attributes["KmsMasterKeyId"] == "alias/aws/sns", (topic, attributes)

    s3, dr = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    untagged, tagged = f"e2e-plain-{uuid.uuid4().hex[:8]}", f"e2e-app-{uuid.uuid4().hex[:8]}"
    for bucket in (untagged, tagged):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]})
    s3.put_object(Bucket=tagged, Key="before/replication.txt", Body=b"written before the bucket was tagged",
                  Metadata={"owner": "team-y"})
    s3.put_bucket_tagging(Bucket=untagged, Tagging={"TagSet": [{"Key": "team", "Value": "x"}]})
    s3.put_bucket_tagging(Bucket=tagged, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}, {"Key": "team", "Value": "y"}]})

    rules = wait_for(lambda: replication_rules(aws_client, tagged), f"replication on {tagged}")
    assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{tagged}-dr"
    replication_role = aws_client("iam").get_role(RoleName=f"s3-crr-{tagged}")["Role"]
    assert replication_role["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(
        ":policy/resilience-s3dr/s3dr-replication-role-boundary")
    assert dr.get_bucket_location(Bucket=f"{tagged}-dr")["LocationConstraint"] == DR_REGION
    assert dr.get_bucket_versioning(Bucket=f"{tagged}-dr")["Status"] == "Enabled"
    assert s3.get_bucket_versioning(Bucket=tagged)["Status"] == "Enabled"
    assert dr.get_bucket_cors(Bucket=f"{tagged}-dr")["CORSRules"] == [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
    assert dr.get_bucket_tagging(Bucket=f"{tagged}-dr")["TagSet"] == [{"Key": "team", "Value": "y"}]  # never the trigger tag
    # Replication never copies objects that existed before it; the pipeline's backfill does.
    copied = wait_for(lambda: dr.head_object(Bucket=f"{tagged}-dr", Key="before/replication.txt"), "the backfill")
    assert copied["Metadata"] == {"owner": "team-y"}

    with pytest.raises(ClientError):
        dr.head_bucket(Bucket=f"{untagged}-dr")
    with pytest.raises(ClientError):
        replication_rules(aws_client, untagged)

    # Self-heal: replication deleted from a still-tagged bucket comes back.
    s3.delete_bucket_replication(Bucket=tagged)
    restored = wait_for(lambda: replication_rules(aws_client, tagged), f"replication restored on {tagged}")
    assert restored[0]["ID"] == "dr"

    # Untagging keeps the DR pair (dr_pipeline_on_untag: keep, the default): once source_bucket_check has read the
    # untagged bucket's tags (so has decided), the rule is still there.
    localaws.start_recording()
    s3.delete_bucket_tagging(Bucket=tagged)
    wait_for(lambda: any(call.service == "s3" and call.method == "GET" and call.operation.startswith(f"GET /{tagged}?")
                         and "tagging" in call.operation for call in localaws.recorded_calls()),
             f"source_bucket_check to read the tags of {tagged} after the untagging")
    wait_until_quiet(localaws)
    assert replication_rules(aws_client, tagged)[0]["ID"] == "dr"


def test_the_deployed_pipeline_has_a_trail_and_tag_on_create_and_tag_resource_make_dr_pairs(
        localaws, aws_client, pipeline_vars):
    """Default dr_pipeline_cloudtrail: the role made the trail events need; both other ways of tagging trigger."""
    prefix = pipeline_vars["dr_pipeline_name_prefix"]
    trail = aws_client("cloudtrail", SOURCE_REGION).get_trail_status(Name=f"{prefix}-{SOURCE_REGION}-trail")
    assert trail["IsLogging"] is True
    s3, dr = aws_client("s3", SOURCE_REGION), aws_client("s3", DR_REGION)
    created, tagged_later = f"e2e-born-{uuid.uuid4().hex[:8]}", f"e2e-ctl-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=created, CreateBucketConfiguration={
        "LocationConstraint": SOURCE_REGION, "Tags": [{"Key": "dr", "Value": "true"}, {"Key": "team", "Value": "z"}]})
    s3.create_bucket(Bucket=tagged_later, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    client_for(localaws, "s3control", SOURCE_REGION).tag_resource(
        AccountId="123456789012", ResourceArn=f"arn:aws:s3:::{tagged_later}", Tags=[{"Key": "dr", "Value": "true"}])
    for bucket in (created, tagged_later):
        rules = wait_for(lambda bucket=bucket: replication_rules(aws_client, bucket), f"replication on {bucket}")
        assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-dr"
        assert dr.get_bucket_versioning(Bucket=f"{bucket}-dr")["Status"] == "Enabled"
    assert dr.get_bucket_tagging(Bucket=f"{created}-dr")["TagSet"] == [{"Key": "team", "Value": "z"}]


FUNCTIONS = ("source-bucket-check", "destination-bucket-check", "enable-replication")


def test_function_policies_name_no_s3_wildcard_outside_the_account(aws_client, pipeline_vars):
    """Deployed after the first test: no s3:*, and every wildcard bucket ARN is limited to this account."""
    iam, account = aws_client("iam"), aws_client("sts").get_caller_identity()["Account"]
    for function in FUNCTIONS:
        role = f"{pipeline_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}-{function}"
        document = iam.get_role_policy(RoleName=role, PolicyName="s3dr-pipeline")["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        for statement in document["Statement"]:
            actions = [action for action in statement["Action"] if action.startswith("s3:")]
            if not actions:
                continue
            assert "s3:*" not in actions and "*" not in statement["Resource"], (role, statement)
            if actions == ["s3:ListAllMyBuckets"]:  # has no resource to scope
                continue
            if any("*" in resource for resource in statement["Resource"]):
                assert statement["Condition"] == {"StringEquals": {"aws:ResourceAccount": account}}, (role, statement)


def test_deployed_function_refuses_an_untagged_bucket_and_a_malformed_message(localaws, aws_client, pipeline_vars):
    """Through the real deployed enable_replication: logged as rejected, no error, no write at all."""
    untagged = f"e2e-untagged-{uuid.uuid4().hex[:8]}"
    aws_client("s3", SOURCE_REGION).create_bucket(Bucket=untagged,
                                                  CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    function = f"{pipeline_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}-enable-replication"
    lambda_client = aws_client("lambda", SOURCE_REGION)
    cases = {"is not tagged dr=true": json.dumps({"action": "enable", "source_bucket": untagged,
                                                  "source_region": SOURCE_REGION}),
             "the SNS message is not JSON": "enable " + untagged}
    localaws.start_recording()
    for reason, message in cases.items():
        event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message}}]}
        response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event), LogType="Tail")
        assert "FunctionError" not in response, response["Payload"].read()
        log = base64.b64decode(response["LogResult"]).decode()
        rejected = [json.loads(line) for line in log.splitlines() if '"action": "rejected"' in line]
        assert len(rejected) == 1 and reason in rejected[0]["reason"], log
    invokes = [call for call in localaws.recorded_calls() if call.service == "lambda"]
    assert len(invokes) == len(cases), invokes
    assert [call for call in localaws.recorded_calls() if call.is_write and call.service != "lambda"] == []


def test_same_event_twice_writes_nothing_more(localaws, aws_client, pipeline_vars):
    bucket = make_dr_pair(aws_client, "e2e-twice")
    localaws.start_recording()
    wait_until_quiet(localaws)  # let the duplicates the tagging itself caused finish

    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
             "account": "123456789012", "region": SOURCE_REGION, "time": "2026-11-22T00:00:00Z", "resources": [],
             "detail": {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketTagging", "awsRegion": SOURCE_REGION,
                        "requestParameters": {"bucketName": bucket}}}
    function = f"{pipeline_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}-source-bucket-check"
    lambda_client = aws_client("lambda", SOURCE_REGION)
    localaws.start_recording()
    for attempt in range(2):
        response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event))
        assert "FunctionError" not in response, response["Payload"].read()
    # The chain goes on asynchronously: wait until enable_replication has run twice more.
    wait_for(lambda: sum(call.service == "s3" and "replication" in call.operation and call.method == "GET"
                         for call in localaws.recorded_calls()) >= 2, "the chain to finish twice")
    wait_until_quiet(localaws)
    s3_writes = [call for call in localaws.recorded_calls() if call.service in ("s3", "iam") and call.is_write]
    assert s3_writes == []


def test_a_function_policy_missing_one_action_fails_the_pipeline_with_access_denied(aws_client, pipeline_vars):
    """The endpoint evaluates each function's own role: without s3:PutReplicationConfiguration,
    enable_replication is refused, says so in its log, and the event ends in the dead-letter queue."""
    prefix = f"{pipeline_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}"
    role, iam = f"{prefix}-enable-replication", aws_client("iam")
    deployed = iam.get_role_policy(RoleName=role, PolicyName="s3dr-pipeline")["PolicyDocument"]
    deployed = json.loads(deployed) if isinstance(deployed, str) else deployed
    crippled = {**deployed, "Statement": [
        {**statement, "Action": [action for action in statement["Action"] if action != "s3:PutReplicationConfiguration"]}
        for statement in deployed["Statement"]]}
    assert crippled != deployed, "the deployed policy allows s3:PutReplicationConfiguration"
    s3, bucket = aws_client("s3", SOURCE_REGION), f"e2e-denied-{uuid.uuid4().hex[:8]}"
    iam.put_role_policy(RoleName=role, PolicyName="s3dr-pipeline", PolicyDocument=json.dumps(crippled))
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})
        logs = aws_client("logs", SOURCE_REGION)

        def refusal_logged():
            return [event["message"] for event in logs.filter_log_events(
                logGroupName=f"/aws/lambda/{role}", filterPattern=f'"{bucket}"')["events"]
                if "AccessDenied" in event["message"] and "s3:PutReplicationConfiguration" in event["message"]]

        # AccessDenied is not waited out as IAM propagation delay: the refusal surfaces at once.
        assert wait_for(refusal_logged, "enable_replication's AccessDenied in its log")
        sqs = aws_client("sqs", SOURCE_REGION)
        queue_url = sqs.get_queue_url(QueueName=f"{prefix}-dlq")["QueueUrl"]

        def dead_letter():
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                           MessageAttributeNames=["All"]).get("Messages", [])
            return [message for message in messages if bucket in message["Body"]]

        letter = wait_for(dead_letter, "the refused event in the dead-letter queue")[0]
        assert "AccessDenied" in letter["MessageAttributes"]["ErrorMessage"]["StringValue"]
        with pytest.raises(ClientError) as raised:
            replication_rules(aws_client, bucket)
        assert raised.value.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"
    finally:
        iam.put_role_policy(RoleName=role, PolicyName="s3dr-pipeline", PolicyDocument=json.dumps(deployed))
        s3.delete_bucket_tagging(Bucket=bucket)


def test_failure_ends_in_the_dead_letter_queue_naming_the_bucket(localaws, aws_client, pipeline_vars):
    """A real AWS failure (the DR bucket name is another account's) is raised into the DLQ; bad input never is."""
    prefix = f"{pipeline_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}"
    bucket = f"e2e-taken-{uuid.uuid4().hex[:8]}"
    other_account_client(localaws, "s3", DR_REGION).create_bucket(
        Bucket=f"{bucket}-dr", CreateBucketConfiguration={"LocationConstraint": DR_REGION})
    s3 = aws_client("s3", SOURCE_REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SOURCE_REGION})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "dr", "Value": "true"}]})
    sqs = aws_client("sqs", DR_REGION)
    queue_url = sqs.get_queue_url(QueueName=f"{prefix}-dlq")["QueueUrl"]

    def dead_letter():
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        return [message for message in messages if bucket in message["Body"]]

    letters = wait_for(dead_letter, "a dead letter")
    error = letters[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]
    assert f"{bucket}-dr" in error and "not owned by account" in error, error


@pytest.mark.core_matrix
def test_teardown_removes_the_pipeline_and_keeps_dr_buckets(run_playbook, aws_client, pipeline_vars):
    prefix = f"{pipeline_vars['dr_pipeline_name_prefix']}-{SOURCE_REGION}"
    kept = make_dr_pair(aws_client, "e2e-kept")
    gone = run_playbook("playbooks/dr_teardown.yml", extra_vars=pipeline_vars)
    assert gone.rc == 0 and gone.recap["localhost"]["changed"] > 0, gone
    functions = [f["FunctionName"] for f in aws_client("lambda", SOURCE_REGION).list_functions()["Functions"]]
    functions += [f["FunctionName"] for f in aws_client("lambda", DR_REGION).list_functions()["Functions"]]
    assert not [name for name in functions if name.startswith(prefix)]
    topics = [t["TopicArn"] for region in (SOURCE_REGION, DR_REGION) for t in aws_client("sns", region).list_topics()["Topics"]]
    assert not [arn for arn in topics if prefix in arn]
    assert not [r for r in aws_client("events", SOURCE_REGION).list_rules()["Rules"] if r["Name"].startswith(prefix)]
    assert not [r for r in aws_client("iam").list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    aws_client("s3", DR_REGION).head_bucket(Bucket=f"{kept}-dr")  # DR buckets are kept
    assert replication_rules(aws_client, kept)[0]["ID"] == "dr"  # and so is their replication
    assert aws_client("iam").get_role(RoleName=f"s3-crr-{kept}")["Role"]
    again = run_playbook("playbooks/dr_teardown.yml", extra_vars=pipeline_vars)
    assert again.rc == 0 and again.recap["localhost"]["changed"] == 0, again
