"""core/validation.py: the pure input checks every front door shares."""
from __future__ import annotations

import pytest

from plugins.module_utils.core import validation

KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(("region", "allow", "problem"), [
    ("us-west-2", False, None),
    ("cn-north-1", False, None),
    ("us-gov-west-1", False, None),
    ("mars-1", False, "is not a Region where this botocore knows S3"),
    ("eu-future-9", False, "allow_unknown_region: true"),
    ("eu-future-9", True, None),
    ("EU-WEST-1", True, "is not an AWS Region name"),
    ("", False, "must name an AWS Region"),
])
def test_region_problem(region, allow, problem):
    found = validation.region_problem(region, "dest_region", allow)
    assert (found is None) if problem is None else (problem in found), found


@pytest.mark.parametrize(("value", "problem"), [
    ("arn:aws:iam::123456789012:role/service-role/replication", None),
    ("not-an-arn", "is not an ARN"),
    ("arn:aws:s3:::bucket", "is not an IAM role ARN"),
    ("arn:aws:iam::123456789012:user/alice", "is not an IAM role ARN"),
    ("arn:aws:iam:us-east-1:123456789012:role/x", "IAM ARNs have no Region"),
    ("arn:aws:iam::abc:role/x", "no 12-digit account id"),
    ("arn:aws-cn:iam::123456789012:role/x", "partition aws-cn"),
])
def test_role_arn_problem(value, problem):
    found = validation.role_arn_problem(value, "role_arn", validation.partition_of("us-west-2"))
    assert (found is None) if problem is None else (problem in found), found


@pytest.mark.parametrize(("value", "problem"), [
    (KEY, None),
    ("alias/dr", None),
    ("1234abcd-12ab-34cd-56ef-1234567890ab", None),
    ("mrk-1234abcd12ab34cd56ef1234567890ab", None),
    (KEY.replace("us-west-2", "eu-west-1"), "is a key in eu-west-1, but it must be in the DR Region us-west-2"),
    ("arn:aws:sqs:us-west-2:123456789012:queue", "is not a KMS key ARN"),
    ("my key", "is not a KMS key"),
])
def test_kms_key_problem(value, problem):
    found = validation.kms_key_problem(value, "dest_kms_key_id", "us-west-2", "the DR Region")
    assert (found is None) if problem is None else (problem in found), found


def test_selection_problems_name_each_mistake_once():
    assert validation.selection_problems(None, [{"source_bucket": "a"}, {"source_bucket": "a"}], None, None,
                                         "us-west-2") == ["sources lists a more than once; give each source bucket once "
                                                          "(with one dest_bucket)"]
    tags = validation.selection_problems(None, None, {}, "us-west-2", "us-west-2")
    assert len(tags) == 2 and "source_tags is empty" in tags[0] and "both us-west-2" in tags[1]
    assert validation.selection_problems("a", None, None, None, "mars-1") == []  # left to the core, naming the bucket


def test_account_ids_are_twelve_digits():
    assert validation.account_problem("123456789012", "dest_account") is None
    assert "12 digits" in validation.account_problem("abc", "dest_account")
    assert "12 digits" in validation.account_problem("1234567890123", "dest_account")
