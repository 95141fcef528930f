"""s3_object_replication: the endpoint replicates objects per the stored rules, asynchronously."""
from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import client_for, wait_for

REGION, DR_REGION = "eu-west-1", "eu-central-1"
ROLE = "arn:aws:iam::123456789012:role/replication"
WAIT_SECONDS = 60


def until(check, what: str, timeout: float = WAIT_SECONDS):
    """The first truthy result of ``check()``: replication is quick, so it is polled often."""
    return wait_for(check, what, timeout, interval=0.05, retry_on=())


def make_bucket(s3, prefix: str, region: str, versioned: bool = True) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def rule(destination: str, rule_id: str = "all", priority: int = 1, prefix: str = "", delete_markers: bool = True,
         **extra) -> dict:
    return {"ID": rule_id, "Priority": priority, "Status": "Enabled", "Filter": {"Prefix": prefix},
            "DeleteMarkerReplication": {"Status": "Enabled" if delete_markers else "Disabled"},
            "Destination": {"Bucket": f"arn:aws:s3:::{destination}"}, **extra}


def head(s3, bucket: str, key: str, version_id: str | None = None) -> dict | None:
    try:
        return s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NoSuchVersion", "405"):
            return None
        raise


def versions(s3, bucket: str, key: str) -> tuple[list[str], list[str]]:
    """(object version ids, delete marker version ids) of one key."""
    listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return ([item["VersionId"] for item in listing.get("Versions", []) if item["Key"] == key],
            [item["VersionId"] for item in listing.get("DeleteMarkers", []) if item["Key"] == key])


def status_becomes(s3, bucket: str, key: str, version_id: str, status: str) -> dict:
    return until(lambda: (found := head(s3, bucket, key, version_id)) and found.get("ReplicationStatus") == status
                 and found, f"{bucket}/{key} {version_id} ReplicationStatus {status}")


@pytest.fixture
def pair(aws_client):
    """A versioned source and DR bucket and their clients: (s3, dr_s3, source, dest)."""
    s3, dr_s3 = aws_client("s3", REGION), aws_client("s3", DR_REGION)
    return s3, dr_s3, make_bucket(s3, "repl-src", REGION), make_bucket(dr_s3, "repl-dst", DR_REGION)


def configure(s3, source: str, *rules: dict) -> None:
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": list(rules)})


def test_object_is_replicated_with_metadata_tags_and_version(pair):
    s3, dr_s3, source, dest = pair
    configure(s3, source, rule(dest, Destination={"Bucket": f"arn:aws:s3:::{dest}", "StorageClass": "STANDARD_IA"}))
    put = s3.put_object(Bucket=source, Key="docs/a.txt", Body=b"payload", Metadata={"owner": "sre"},
                        ContentType="text/plain", Tagging="tier=gold&team=dr")
    assert head(s3, source, "docs/a.txt")["ReplicationStatus"] in ("PENDING", "COMPLETED")
    status_becomes(s3, source, "docs/a.txt", put["VersionId"], "COMPLETED")

    replica = dr_s3.get_object(Bucket=dest, Key="docs/a.txt")
    assert replica["Body"].read() == b"payload"
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["VersionId"] == put["VersionId"]
    assert replica["Metadata"] == {"owner": "sre"}
    assert replica["ContentType"] == "text/plain"
    assert replica["StorageClass"] == "STANDARD_IA"
    assert replica["ServerSideEncryption"] == "AES256"
    tags = dr_s3.get_object_tagging(Bucket=dest, Key="docs/a.txt")["TagSet"]
    assert sorted((tag["Key"], tag["Value"]) for tag in tags) == [("team", "dr"), ("tier", "gold")]


def test_copy_and_multipart_uploads_are_replicated(pair):
    s3, dr_s3, source, dest = pair
    configure(s3, source, rule(dest))
    s3.put_object(Bucket=source, Key="original", Body=b"x")
    copied = s3.copy_object(Bucket=source, Key="copied", CopySource={"Bucket": source, "Key": "original"})
    upload = s3.create_multipart_upload(Bucket=source, Key="multi")
    part = s3.upload_part(Bucket=source, Key="multi", UploadId=upload["UploadId"], PartNumber=1, Body=b"m" * 1024)
    completed = s3.complete_multipart_upload(Bucket=source, Key="multi", UploadId=upload["UploadId"],
                                             MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    status_becomes(s3, source, "copied", copied["VersionId"], "COMPLETED")
    status_becomes(s3, source, "multi", completed["VersionId"], "COMPLETED")
    assert dr_s3.get_object(Bucket=dest, Key="copied")["Body"].read() == b"x"
    assert dr_s3.get_object(Bucket=dest, Key="multi")["Body"].read() == b"m" * 1024


def test_prefix_tag_filters_and_priority_choose_the_rule(pair):
    s3, dr_s3, source, dest = pair
    gold = rule(dest, "gold", priority=5, delete_markers=False,
                Filter={"And": {"Prefix": "data/", "Tags": [{"Key": "tier", "Value": "gold"}]}},
                Destination={"Bucket": f"arn:aws:s3:::{dest}", "StorageClass": "GLACIER_IR"})
    data = rule(dest, "data", priority=2, prefix="data/",
                Destination={"Bucket": f"arn:aws:s3:::{dest}", "StorageClass": "STANDARD_IA"})
    configure(s3, source, data, gold)
    outside = s3.put_object(Bucket=source, Key="logs/skip.txt", Body=b"-")
    plain = s3.put_object(Bucket=source, Key="data/plain.txt", Body=b"p")
    golden = s3.put_object(Bucket=source, Key="data/gold.txt", Body=b"g", Tagging="tier=gold")
    status_becomes(s3, source, "data/plain.txt", plain["VersionId"], "COMPLETED")
    status_becomes(s3, source, "data/gold.txt", golden["VersionId"], "COMPLETED")

    assert dr_s3.head_object(Bucket=dest, Key="data/plain.txt")["StorageClass"] == "STANDARD_IA"
    assert dr_s3.head_object(Bucket=dest, Key="data/gold.txt")["StorageClass"] == "GLACIER_IR"  # priority 5 wins
    # A key no rule selects has no replication status and is never queued (one worker, write order).
    assert "ReplicationStatus" not in s3.head_object(Bucket=source, Key="logs/skip.txt", VersionId=outside["VersionId"])
    assert head(dr_s3, dest, "logs/skip.txt") is None


def test_delete_markers_follow_the_rule_and_version_deletes_never_replicate(aws_client):
    s3, dr_s3 = aws_client("s3", REGION), aws_client("s3", DR_REGION)
    source = make_bucket(s3, "repl-src", REGION)
    dest = make_bucket(dr_s3, "repl-dst", DR_REGION)
    configure(s3, source, rule(dest, "markers", priority=2, prefix="m/"),
              rule(dest, "no-markers", priority=1, prefix="n/", delete_markers=False))
    for key in ("m/1", "n/1", "v/1"):
        s3.put_object(Bucket=source, Key=key, Body=b"1")
    first_version = s3.put_object(Bucket=source, Key="m/2", Body=b"2")["VersionId"]
    status_becomes(s3, source, "m/2", first_version, "COMPLETED")

    marker = s3.delete_object(Bucket=source, Key="m/1")
    s3.delete_object(Bucket=source, Key="n/1")
    s3.delete_object(Bucket=source, Key="m/2", VersionId=first_version)  # a version delete: source only
    until(lambda: versions(dr_s3, dest, "m/1")[1] == [marker["VersionId"]], "the delete marker replicated, same id")
    fence = s3.put_object(Bucket=source, Key="m/fence", Body=b"f")  # queued after the deletes
    status_becomes(s3, source, "m/fence", fence["VersionId"], "COMPLETED")

    assert versions(dr_s3, dest, "n/1") == ([versions(s3, source, "n/1")[0][0]], [])
    assert versions(dr_s3, dest, "m/2") == ([first_version], [])
    assert versions(s3, source, "m/2") == ([], [])


def test_kms_objects_need_the_selection_criteria_and_are_reencrypted(pair, aws_client):
    s3, dr_s3, source, dest = pair
    source_key = aws_client("kms", REGION).create_key()["KeyMetadata"]["Arn"]
    replica_key = aws_client("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]
    kms_rule = rule(dest, "kms", priority=2, prefix="kms/",
                    SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                    Destination={"Bucket": f"arn:aws:s3:::{dest}",
                                 "EncryptionConfiguration": {"ReplicaKmsKeyID": replica_key}})
    configure(s3, source, kms_rule, rule(dest, "plain", priority=1, prefix="plain/"))
    skipped = s3.put_object(Bucket=source, Key="plain/secret", Body=b"s", ServerSideEncryption="aws:kms",
                            SSEKMSKeyId=source_key)
    put = s3.put_object(Bucket=source, Key="kms/secret", Body=b"k", ServerSideEncryption="aws:kms",
                        SSEKMSKeyId=source_key)
    status_becomes(s3, source, "kms/secret", put["VersionId"], "COMPLETED")
    replica = dr_s3.head_object(Bucket=dest, Key="kms/secret")
    assert (replica["ServerSideEncryption"], replica["SSEKMSKeyId"]) == ("aws:kms", replica_key)
    assert "ReplicationStatus" not in s3.head_object(Bucket=source, Key="plain/secret", VersionId=skipped["VersionId"])
    assert head(dr_s3, dest, "plain/secret") is None


@pytest.mark.parametrize("destination_state", ["missing", "unversioned"])
def test_replication_fails_without_a_versioned_destination(aws_client, destination_state):
    s3, dr_s3 = aws_client("s3", REGION), aws_client("s3", DR_REGION)
    source = make_bucket(s3, "repl-src", REGION)
    dest = (f"repl-gone-{uuid.uuid4().hex[:10]}" if destination_state == "missing"
            else make_bucket(dr_s3, "repl-unv", DR_REGION, versioned=False))
    configure(s3, source, rule(dest))
    put = s3.put_object(Bucket=source, Key="k", Body=b"v")
    status_becomes(s3, source, "k", put["VersionId"], "FAILED")
    if destination_state == "unversioned":
        assert head(dr_s3, dest, "k") is None


def test_two_way_rules_do_not_loop_and_replica_modifications_sync(pair):
    s3, dr_s3, source, dest = pair
    sync = {"SourceSelectionCriteria": {"ReplicaModifications": {"Status": "Enabled"}}}
    configure(s3, source, rule(dest, **sync))
    configure(dr_s3, dest, rule(source, **sync))
    put = s3.put_object(Bucket=source, Key="both", Body=b"b")
    status_becomes(s3, source, "both", put["VersionId"], "COMPLETED")
    written_in_dr = dr_s3.put_object(Bucket=dest, Key="dr-side", Body=b"d")  # a new object in DR goes back
    status_becomes(dr_s3, dest, "dr-side", written_in_dr["VersionId"], "COMPLETED")
    assert s3.head_object(Bucket=source, Key="dr-side")["ReplicationStatus"] == "REPLICA"
    assert versions(s3, source, "both") == ([put["VersionId"]], [])  # the replica did not come back

    dr_s3.put_object_tagging(Bucket=dest, Key="both", VersionId=put["VersionId"],
                             Tagging={"TagSet": [{"Key": "changed", "Value": "in-dr"}]})
    until(lambda: s3.get_object_tagging(Bucket=source, Key="both")["TagSet"] == [{"Key": "changed", "Value": "in-dr"}],
          "the replica's tag change synced back to the source version")


def test_replica_modifications_do_not_flow_back_unless_enabled(pair):
    s3, dr_s3, source, dest = pair
    configure(s3, source, rule(dest))
    configure(dr_s3, dest, rule(source))
    put = s3.put_object(Bucket=source, Key="one-way", Body=b"o", Tagging="state=original")
    status_becomes(s3, source, "one-way", put["VersionId"], "COMPLETED")
    s3.put_object_tagging(Bucket=source, Key="one-way", Tagging={"TagSet": [{"Key": "state", "Value": "source-edit"}]})
    until(lambda: dr_s3.get_object_tagging(Bucket=dest, Key="one-way")["TagSet"]
          == [{"Key": "state", "Value": "source-edit"}], "a source tag change reached the replica")
    dr_s3.put_object_tagging(Bucket=dest, Key="one-way", Tagging={"TagSet": [{"Key": "state", "Value": "dr-edit"}]})
    fence = dr_s3.put_object(Bucket=dest, Key="fence", Body=b"f")  # queued after the tag change
    status_becomes(dr_s3, dest, "fence", fence["VersionId"], "COMPLETED")
    assert s3.get_object_tagging(Bucket=source, Key="one-way")["TagSet"] == [{"Key": "state", "Value": "source-edit"}]


def test_latency_is_configurable(localaws_without, monkeypatch):
    monkeypatch.setenv("LOCALAWS_REPLICATION_DELAY_MS", "1500")
    server = localaws_without()  # every patch, its own process with the longer delay
    s3, dr_s3 = client_for(server, "s3", REGION), client_for(server, "s3", DR_REGION)
    source, dest = make_bucket(s3, "repl-slow", REGION), make_bucket(dr_s3, "repl-slow-dr", DR_REGION)
    configure(s3, source, rule(dest))
    started = time.monotonic()
    put = s3.put_object(Bucket=source, Key="slow", Body=b"s")
    assert s3.head_object(Bucket=source, Key="slow")["ReplicationStatus"] == "PENDING"
    gone = s3.put_object(Bucket=source, Key="gone", Body=b"g")
    s3.delete_object(Bucket=source, Key="gone", VersionId=gone["VersionId"])  # deleted well before its turn
    until(lambda: head(dr_s3, dest, "slow", put["VersionId"]), "the replica of the slow object")
    assert time.monotonic() - started >= 1.5
    fence = s3.put_object(Bucket=source, Key="fence", Body=b"f")  # queued after "gone"
    until(lambda: head(dr_s3, dest, "fence", fence["VersionId"]), "the replica of the fence object")
    assert versions(dr_s3, dest, "gone") == ([], [])  # a version deleted before replication is not replicated


def test_without_patch_nothing_is_replicated(localaws_without):
    server = localaws_without("s3_object_replication")
    s3, dr_s3 = client_for(server, "s3", REGION), client_for(server, "s3", DR_REGION)
    source, dest = make_bucket(s3, "repl-off", REGION), make_bucket(dr_s3, "repl-off-dr", DR_REGION)
    configure(s3, source, rule(dest))
    s3.put_object(Bucket=source, Key="k", Body=b"v")
    assert "ReplicationStatus" not in s3.head_object(Bucket=source, Key="k")
    assert dr_s3.list_object_versions(Bucket=dest).get("Versions", []) == []
