"""The local endpoint's IAM condition semantics (tools/localaws/patches/iam_policy_conditions.py), per
"IAM JSON policy elements: Condition operators": absent keys, negated operators, wildcards, qualifiers."""
from __future__ import annotations

import pytest

from tools.localaws.patches.iam_policy_conditions import CannotEvaluate, conditions_match
from tools.localaws.patches.iam_policy_statements import glob_matches

CONTEXT = {"aws:ResourceAccount": "123456789012", "aws:SecureTransport": True,
           "iam:PassedToService": "s3.amazonaws.com",
           "aws:PrincipalArn": "arn:aws:iam::123456789012:role/service-role/fn",
           "kms:EncryptionContext:purpose": "dr", "kms:EncryptionContextKeys": ["purpose", "team"]}


@pytest.mark.parametrize("condition, matches", [
    ({"StringEquals": {"aws:ResourceAccount": "123456789012"}}, True),
    ({"StringEquals": {"aws:resourceaccount": ["111111111111", "123456789012"]}}, True),  # keys: any case; values: any
    ({"StringEquals": {"aws:ResourceAccount": "111111111111"}}, False),
    ({"StringNotEquals": {"aws:ResourceAccount": "111111111111"}}, True),
    ({"StringLike": {"iam:PassedToService": "s3.*"}}, True),
    ({"StringLike": {"iam:PassedToService": "lambda.?mazonaws.com"}}, False),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/service-role/*"}}, True),
    ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/fn"}}, False),
    ({"Bool": {"aws:SecureTransport": "false"}}, False),  # the TLS-only Deny never matches an SDK call
    ({"Bool": {"aws:SecureTransport": "true"}}, True),
    # A key absent from the request: positive operators do not match, negated ones do.
    ({"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}}, False),
    ({"StringNotEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}}, True),
    ({"StringEqualsIfExists": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}}, True),
    ({"Null": {"iam:PermissionsBoundary": "true"}}, True),
    ({"Null": {"aws:ResourceAccount": "true"}}, False),
    ({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": ["team"]}}, True),
    ({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["purpose"]}}, False),
    # Every operator block and every key must match.
    ({"StringEquals": {"aws:ResourceAccount": "123456789012", "kms:EncryptionContext:purpose": "other"}}, False),
    ({"StringEquals": {"aws:ResourceAccount": "123456789012"}, "Bool": {"aws:SecureTransport": "false"}}, False),
])
def test_conditions_match_as_iam_evaluates_them(condition, matches):
    assert conditions_match(condition, CONTEXT) is matches


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:SourceVpce": "vpce-1"}},  # a key the endpoint does not compute
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},  # an operator it does not evaluate
    {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},  # a policy variable
])
def test_what_the_endpoint_cannot_evaluate_is_said_not_guessed(condition):
    with pytest.raises(CannotEvaluate):
        conditions_match(condition, CONTEXT)


@pytest.mark.parametrize("pattern, value, matches", [
    ("arn:aws:s3:::*-dr", "arn:aws:s3:::app-dr", True),
    ("arn:aws:s3:::app.dr", "arn:aws:s3:::app-dr", False),  # '.' is literal
    ("arn:aws:s3:::app-?r", "arn:aws:s3:::app-dr", True),
    ("arn:aws:s3:::*-dr/*", "arn:aws:s3:::app-dr", False),
])
def test_wildcards_are_iam_globs(pattern, value, matches):
    assert glob_matches(pattern, value) is matches


def test_actions_match_case_insensitively():
    assert glob_matches("s3:getbucket*", "s3:GetBucketVersioning", ignore_case=True)
