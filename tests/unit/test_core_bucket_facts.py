"""The inventory's bucket filters and replication summary (pure functions of core/bucket_facts.py)."""
from __future__ import annotations

import pytest

from plugins.module_utils.core.bucket_facts import filter_problems, name_matches, region_matches, replication_summary, tags_match


@pytest.mark.parametrize("filters, problems", [
    ({}, []),
    ({"region": ["us-east-1", "eu-*"], "name": "app-*", "tag:dr": "true", "tag-key": "team"}, []),
    ({"owner": "me"}, ["unknown filter 'owner': use one of name, region, tag-key, tag:<key>"]),
    ({"tag:": "x"}, ["unknown filter 'tag:': use one of name, region, tag-key, tag:<key>"]),
    ({"region": []}, ["filter 'region' has no value"]),
    ({"tag:dr": None}, ["filter 'tag:dr' has no value"]),
])
def test_filter_problems(filters, problems):
    assert filter_problems(filters) == problems


@pytest.mark.parametrize("filters, tags, expected", [
    ({"tag:dr": "true"}, {"dr": "true"}, True),
    ({"tag:dr": "true"}, {"dr": "false"}, False),
    ({"tag:dr": "true"}, {}, False),
    ({"tag:dr": ["yes", "true"]}, {"dr": "true"}, True),  # any value of a list
    ({"tag:team": "pay*"}, {"team": "payments"}, True),  # shell-style pattern
    ({"tag:dr": "true", "tag:team": "ops"}, {"dr": "true", "team": "pay"}, False),  # every filter
    ({"tag-key": "team"}, {"team": ""}, True),
    ({"tag-key": ["team", "owner"]}, {"team": "x"}, False),  # every listed key present
    ({"region": "us-east-1", "name": "a"}, {}, True),  # not tag filters
])
def test_tags_match(filters, tags, expected):
    assert tags_match(filters, tags) is expected


def test_name_and_region_patterns():
    assert name_matches({"name": ["logs-*", "app-*"]}, "app-data")
    assert not name_matches({"name": "app-*"}, "logs-app")
    assert name_matches({}, "anything")
    assert region_matches({"region": "eu-*"}, "eu-west-1")
    assert not region_matches({"region": ["us-east-1"]}, "us-east-2")


def test_replication_summary_orders_rules_and_names_their_dr_buckets():
    configuration = {"Role": "arn:aws:iam::123456789012:role/r", "Rules": [
        {"ID": "b", "Priority": 2, "Status": "Disabled", "Filter": {},
         "Destination": {"Bucket": "arn:aws:s3:::other", "Account": "111111111111"}},
        {"ID": "a", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
         "Destination": {"Bucket": "arn:aws:s3:::data-dr"}},
    ]}
    assert replication_summary(configuration) == {
        "configured": True, "enabled": True, "role": "arn:aws:iam::123456789012:role/r",
        "rules": [{"id": "a", "status": "Enabled", "priority": 1, "dest_bucket": "data-dr", "dest_account": None},
                  {"id": "b", "status": "Disabled", "priority": 2, "dest_bucket": "other",
                   "dest_account": "111111111111"}]}
    assert replication_summary(None) == {"configured": False, "enabled": False, "role": None, "rules": []}
