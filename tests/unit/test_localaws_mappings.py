"""Unit tests of the local endpoint's pure helpers (no server needed)."""
from __future__ import annotations

import pytest

from tools.localaws.launcher import endpoint_environment
from tools.localaws.patches import PATCH_MODULES, apply_patches
from tools.localaws.patches.events_target_payload import iso_time
from tools.localaws.patches.s3_cloudtrail_events import _event_name


@pytest.mark.parametrize(("method", "query", "expected"), [
    ("PUT", {}, "CreateBucket"),
    ("DELETE", {}, "DeleteBucket"),
    ("PUT", {"tagging": [""]}, "PutBucketTagging"),
    ("DELETE", {"tagging": [""]}, "DeleteBucketTagging"),
    ("PUT", {"versioning": [""]}, "PutBucketVersioning"),
    ("PUT", {"replication": [""]}, "PutBucketReplication"),
    ("DELETE", {"replication": [""]}, "DeleteBucketReplication"),
    ("PUT", {"intelligent-tiering": [""], "id": ["x"]}, "PutBucketIntelligentTieringConfiguration"),
    ("GET", {"tagging": [""]}, None),
    ("DELETE", {"versioning": [""]}, None),
])
def test_cloudtrail_event_names(method, query, expected):
    assert _event_name(method, query) == expected


def test_iso_time_formats_epoch_seconds():
    assert iso_time(0) == "1970-01-01T00:00:00Z"
    assert iso_time("2026-11-22T04:00:00Z") == "2026-11-22T04:00:00Z"


def test_endpoint_environment_has_dummy_credentials_and_no_metadata_lookup():
    env = endpoint_environment("http://127.0.0.1:1234", region="eu-west-1")
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1234"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"


def test_unknown_patch_name_is_refused():
    with pytest.raises(SystemExit, match="unknown patch names: nope"):
        apply_patches(disabled={"nope"})
    assert len(PATCH_MODULES) == len(set(PATCH_MODULES))
